package generate

import "strings"

// arnParts is an ARN split into its six fields. The resource field keeps any
// ":" or "/" it contains.
type arnParts struct {
	partition, service, region, account, resource string
}

func parseARN(s string) (arnParts, bool) {
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[1] == "" || f[2] == "" {
		return arnParts{}, false
	}
	return arnParts{partition: f[1], service: f[2], region: f[3], account: f[4], resource: f[5]}, true
}

func (a arnParts) String() string {
	return "arn:" + a.partition + ":" + a.service + ":" + a.region + ":" + a.account + ":" + a.resource
}

// globMatch reports whether s matches the IAM pattern p, where "*" matches
// any run of characters and "?" exactly one. Matching is case-sensitive, as
// IAM resource matching is; callers fold case for actions.
func globMatch(p, s string) bool {
	// Iterative matcher with single-star backtracking: linear in practice and
	// never exponential on hostile patterns.
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// prefixPattern returns the literal prefix of p when p is "literal*" with no
// other wildcard, which is the only pattern shape whose coverage of another
// pattern is decided by a prefix test.
func prefixPattern(p string) (string, bool) {
	if !strings.HasSuffix(p, "*") {
		return "", false
	}
	lit := p[:len(p)-1]
	if strings.ContainsAny(lit, "*?") {
		return "", false
	}
	return lit, true
}

// covers reports whether every string matched by pattern q is also matched by
// pattern p, for the cases that can be decided exactly: equal patterns, p
// "*", and p "literal*" with q starting with that literal.
func covers(p, q string) bool {
	if p == q || p == "*" {
		return true
	}
	lit, ok := prefixPattern(p)
	return ok && strings.HasPrefix(q, lit)
}
