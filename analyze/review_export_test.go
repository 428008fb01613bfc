package analyze

// ObservabilityPatterns and EscalationActions expose the review tables to
// the external tests.
func ObservabilityPatterns() []string {
	var out []string
	for _, r := range observabilityRules {
		out = append(out, r.Pattern)
	}
	return out
}

func EscalationActions() []string {
	var out []string
	for _, r := range escalationRules {
		out = append(out, r.Action)
	}
	return out
}
