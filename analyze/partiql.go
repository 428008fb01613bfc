package analyze

import (
	"strings"
)

// DynamoDB's PartiQL calls (ExecuteStatement, BatchExecuteStatement,
// ExecuteTransaction) are authorized by the statement's verb:
// dynamodb:PartiQLSelect, PartiQLInsert, PartiQLUpdate or PartiQLDelete on
// the table (or index) the statement names (DynamoDB Developer Guide,
// "IAM security policies with PartiQL for DynamoDB").
//
// The statement is in requestParameters as "statement" (or
// "statements.statement", "transactStatements.statement"). ingest's
// parameter rule does not keep it today (its key does not end with an
// identifier suffix); such rows are reported as unmapped with that reason
// rather than mapped to all four actions.

var partiqlVerbs = map[string]string{
	"SELECT": "dynamodb:PartiQLSelect",
	"INSERT": "dynamodb:PartiQLInsert",
	"UPDATE": "dynamodb:PartiQLUpdate",
	"DELETE": "dynamodb:PartiQLDelete",
	"EXISTS": "dynamodb:PartiQLSelect",
}

const partiqlNoStatement = "the PartiQL statement is not in the usage row (ingest does not keep requestParameters.statement), so its verb, which decides the action, is unknown"

// partiqlActions returns the PartiQL actions a row's statements need.
func (m *Mapper) partiqlActions(c *rowCtx) ([]planAction, string) {
	var stmts []string
	for _, p := range c.row.Params {
		if paramNameMatches(p.Name, "statement", false) {
			stmts = append(stmts, p.Value)
		}
	}
	if len(stmts) == 0 {
		return nil, partiqlNoStatement
	}
	var out []planAction
	for _, s := range stmts {
		verb := strings.ToUpper(firstToken(strings.TrimSpace(s)))
		name, ok := partiqlVerbs[verb]
		if !ok {
			return nil, "unrecognised PartiQL statement verb " + verb
		}
		a, ok := m.cat.Action(name)
		if !ok {
			return nil, "the catalog has no " + name
		}
		out = append(out, planAction{ruleAction: ruleAction{action: name, res: resPartiQL, params: []string{s}}, act: a, types: actionTypes(a)})
	}
	return out, ""
}

// partiqlTables returns the table (or index) a statement names: after FROM
// (SELECT, DELETE), INTO (INSERT) or UPDATE; a quoted "table"."index" names
// an index.
func (m *Mapper) partiqlTables(c *rowCtx, pa *planAction) []builtResource {
	if len(pa.params) == 0 {
		return nil
	}
	table, index, ok := partiqlTarget(pa.params[0])
	if !ok {
		return nil
	}
	arn := "arn:" + c.partition + ":dynamodb:" + c.region + ":" + c.account + ":table/" + table
	if index != "" {
		arn += "/index/" + index
	}
	return []builtResource{c.note(builtResource{arn: arn, specific: true})}
}

func partiqlTarget(stmt string) (table, index string, ok bool) {
	fields := strings.Fields(stmt)
	for i := 0; i+1 < len(fields); i++ {
		kw := strings.ToUpper(fields[i])
		if kw != "FROM" && kw != "INTO" && !(kw == "UPDATE" && i == 0) {
			continue
		}
		target := fields[i+1]
		parts := strings.SplitN(target, ".", 2)
		table = strings.Trim(parts[0], `"`)
		if len(parts) == 2 {
			index = strings.Trim(parts[1], `"`)
		}
		return table, index, table != ""
	}
	return "", "", false
}
