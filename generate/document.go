package generate

import "github.com/iamtailor/iamtailor/analyze/policy"

// toDocument builds the policy document of a run of statements, in order.
func toDocument(stmts []*statement) policy.Document {
	d := policy.Document{Version: policy.Version2012, Statements: make([]policy.Statement, len(stmts))}
	for i, st := range stmts {
		d.Statements[i] = policy.Statement{
			Sid:      st.Sid,
			Effect:   policy.Allow,
			Action:   append([]string(nil), st.Actions...),
			Resource: append([]string(nil), st.Resources...),
		}
	}
	return d
}

// documentSize is the size IAM's quotas measure, on the canonical form that
// is written.
func documentSize(d *policy.Document) int {
	return policy.NonWhitespaceLen(d.Canonical())
}

// emptyDocSize is the size of a document with no statement. The canonical
// form is a fixed frame around the statements joined by commas, and a
// statement's form does not depend on its neighbours, so a document's size
// is emptyDocSize + Σ stmtSize + (statements − 1).
func emptyDocSize() int { return emptySize }

var emptySize = documentSize(&policy.Document{Version: policy.Version2012})

func stmtSize(st *statement) int {
	d := toDocument([]*statement{st})
	return documentSize(&d) - emptyDocSize()
}
