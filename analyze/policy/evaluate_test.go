package policy

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// stmts wraps statement JSON into a 2012-10-17 document.
func stmts(s ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(s, ",") + `]}`
}

func named(t testing.TB, docs ...string) []Named {
	var out []Named
	for i, d := range docs {
		out = append(out, Named{Name: fmt.Sprintf("p%d", i+1), Doc: mustParse(t, d)})
	}
	return out
}

func TestEvaluate(t *testing.T) {
	const (
		obj    = "arn:aws:s3:::bucket/reports/2024/q1.csv"
		role   = "arn:aws:iam::111122223333:role/app/Deployer"
		fn     = "arn:aws:lambda:us-east-1:111122223333:function:my-fn"
		stream = "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/x:log-stream:2024/01/01"
	)
	allow := func(action, resource string) string {
		return fmt.Sprintf(`{"Effect":"Allow","Action":%q,"Resource":%q}`, action, resource)
	}
	deny := func(action, resource string) string {
		return fmt.Sprintf(`{"Effect":"Deny","Action":%q,"Resource":%q}`, action, resource)
	}
	cond := `"Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`
	tests := []struct {
		name     string
		identity []string
		boundary []string
		action   string
		resource string
		want     Decision
		decisive string // refs of Result.Decisive, "; "-joined, checked when set
	}{
		{name: "no policies", action: "s3:GetObject", resource: obj, want: ImplicitDeny},
		{name: "exact allow", identity: []string{stmts(allow("s3:GetObject", obj))}, action: "s3:GetObject", resource: obj, want: Allowed, decisive: "p1, statement 0"},
		{name: "other action", identity: []string{stmts(allow("s3:PutObject", obj))}, action: "s3:GetObject", resource: obj, want: ImplicitDeny},
		{name: "action case-insensitive", identity: []string{stmts(allow("S3:getOBJECT", obj))}, action: "s3:GetObject", resource: obj, want: Allowed},
		{name: "request action case-insensitive", identity: []string{stmts(allow("s3:GetObject", obj))}, action: "S3:GETOBJECT", resource: obj, want: Allowed},
		{name: "action prefix wildcard", identity: []string{stmts(allow("s3:Get*", obj))}, action: "s3:GetObject", resource: obj, want: Allowed},
		{name: "action question mark", identity: []string{stmts(allow("s3:G?tObject", obj))}, action: "s3:GetObject", resource: obj, want: Allowed},
		{name: "action wildcard does not cross service", identity: []string{stmts(allow("s3:*", obj))}, action: "s3express:GetObject", resource: obj, want: ImplicitDeny},
		{name: "star action", identity: []string{stmts(allow("*", "*"))}, action: "iam:PassRole", resource: role, want: Allowed},
		{name: "action without colon matches nothing", identity: []string{stmts(allow("s3GetObject", "*"))}, action: "s3:GetObject", resource: obj, want: ImplicitDeny},
		{name: "NotAction allow", identity: []string{stmts(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`)}, action: "s3:GetObject", resource: obj, want: Allowed},
		{name: "NotAction allow excludes", identity: []string{stmts(`{"Effect":"Allow","NotAction":["iam:*","s3:Get*"],"Resource":"*"}`)}, action: "s3:GetObject", resource: obj, want: ImplicitDeny},
		{name: "NotAction deny", identity: []string{stmts(allow("*", "*"), `{"Effect":"Deny","NotAction":"s3:*","Resource":"*"}`)}, action: "iam:PassRole", resource: role, want: ExplicitDeny, decisive: "p1, statement 1"},
		{name: "resource id is case-sensitive", identity: []string{stmts(allow("s3:GetObject", "arn:aws:s3:::bucket/Reports/*"))}, action: "s3:GetObject", resource: obj, want: ImplicitDeny},
		{name: "star spans slashes", identity: []string{stmts(allow("s3:GetObject", "arn:aws:s3:::bucket/*"))}, action: "s3:GetObject", resource: obj, want: Allowed},
		{name: "star spans colons in the resource part", identity: []string{stmts(allow("logs:PutLogEvents", "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/*"))}, action: "logs:PutLogEvents", resource: stream, want: Allowed},
		{name: "question mark is one character", identity: []string{stmts(allow("s3:GetObject", "arn:aws:s3:::bucket/reports/202?/q1.csv"))}, action: "s3:GetObject", resource: obj, want: Allowed},
		{name: "partition region account case-insensitive", identity: []string{stmts(allow("lambda:InvokeFunction", "ARN:AWS:Lambda:US-EAST-1:111122223333:function:my-fn"))}, action: "lambda:InvokeFunction", resource: fn, want: Allowed},
		{name: "function name case-sensitive", identity: []string{stmts(allow("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:111122223333:function:My-Fn"))}, action: "lambda:InvokeFunction", resource: fn, want: ImplicitDeny},
		{name: "region wildcard stays in its part", identity: []string{stmts(allow("lambda:InvokeFunction", "arn:aws:lambda:*1:function:my-fn"))}, action: "lambda:InvokeFunction", resource: fn, want: ImplicitDeny},
		{name: "short arn padded with stars", identity: []string{stmts(allow("lambda:InvokeFunction", "arn:aws:lambda"))}, action: "lambda:InvokeFunction", resource: fn, want: Allowed},
		{name: "short arn other service", identity: []string{stmts(allow("*", "arn:aws:s3"))}, action: "lambda:InvokeFunction", resource: fn, want: ImplicitDeny},
		{name: "wildcard in resource type", identity: []string{stmts(allow("iam:PassRole", "arn:aws:iam::111122223333:r?le/*"))}, action: "iam:PassRole", resource: role, want: Allowed},
		{name: "other account", identity: []string{stmts(allow("iam:PassRole", "arn:aws:iam::444455556666:role/*"))}, action: "iam:PassRole", resource: role, want: ImplicitDeny},
		{name: "other partition", identity: []string{stmts(allow("iam:PassRole", "arn:aws-cn:iam::111122223333:role/*"))}, action: "iam:PassRole", resource: role, want: ImplicitDeny},
		{name: "NotResource allow", identity: []string{stmts(`{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}`)}, action: "s3:GetObject", resource: obj, want: Allowed},
		{name: "NotResource allow excludes", identity: []string{stmts(`{"Effect":"Allow","Action":"s3:*","NotResource":["arn:aws:s3:::secret/*","arn:aws:s3:::bucket/reports/*"]}`)}, action: "s3:GetObject", resource: obj, want: ImplicitDeny},
		{name: "resource-scoped deny", identity: []string{stmts(allow("s3:*", "*"), deny("s3:GetObject", "arn:aws:s3:::bucket/reports/*"))}, action: "s3:GetObject", resource: obj, want: ExplicitDeny},
		{name: "resource-scoped deny elsewhere", identity: []string{stmts(allow("s3:*", "*"), deny("s3:GetObject", "arn:aws:s3:::bucket/private/*"))}, action: "s3:GetObject", resource: obj, want: Allowed},
		{name: "deny in another policy wins", identity: []string{stmts(allow("s3:*", "*")), stmts(deny("s3:*", "*"))}, action: "s3:GetObject", resource: obj, want: ExplicitDeny, decisive: "p2, statement 0"},
		{name: "sid cited", identity: []string{stmts(`{"Sid":"ReadReports","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`)}, action: "s3:GetObject", resource: obj, want: Allowed, decisive: `p1, statement "ReadReports"`},
		{name: "conditional allow", identity: []string{stmts(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",` + cond + `}`)}, action: "s3:GetObject", resource: obj, want: DependsOnConditions, decisive: "p1, statement 0 (Condition)"},
		{name: "unconditional allow beats conditional allow", identity: []string{stmts(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",`+cond+`}`, allow("s3:*", "*"))}, action: "s3:GetObject", resource: obj, want: Allowed, decisive: "p1, statement 1"},
		{name: "conditional deny turns allow into depends", identity: []string{stmts(allow("s3:*", "*"), `{"Effect":"Deny","Action":"s3:GetObject","Resource":"*",`+cond+`}`)}, action: "s3:GetObject", resource: obj, want: DependsOnConditions, decisive: "p1, statement 1 (Condition)"},
		{name: "conditional deny without allow is implicit", identity: []string{stmts(`{"Effect":"Deny","Action":"s3:GetObject","Resource":"*",` + cond + `}`)}, action: "s3:GetObject", resource: obj, want: ImplicitDeny},
		{name: "unconditional deny beats conditional allow", identity: []string{stmts(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",`+cond+`}`, deny("s3:*", "*"))}, action: "s3:GetObject", resource: obj, want: ExplicitDeny},
		{name: "conditional statement that does not match is ignored", identity: []string{stmts(allow("s3:*", "*"), `{"Effect":"Deny","Action":"iam:*","Resource":"*",`+cond+`}`)}, action: "s3:GetObject", resource: obj, want: Allowed},
		{name: "empty condition is no condition", identity: []string{stmts(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{}}`)}, action: "s3:GetObject", resource: obj, want: Allowed},
		{name: "operator without keys is no condition", identity: []string{stmts(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{}}}`)}, action: "s3:GetObject", resource: obj, want: Allowed},
		{name: "boundary allows", identity: []string{stmts(allow("s3:*", "*"))}, boundary: []string{stmts(allow("s3:Get*", "*"))}, action: "s3:GetObject", resource: obj, want: Allowed, decisive: "p1, statement 0; boundary p1, statement 0"},
		{name: "boundary does not allow", identity: []string{stmts(allow("s3:*", "*"))}, boundary: []string{stmts(allow("ec2:*", "*"))}, action: "s3:GetObject", resource: obj, want: ImplicitDeny},
		{name: "boundary alone grants nothing", boundary: []string{stmts(allow("*", "*"))}, action: "s3:GetObject", resource: obj, want: ImplicitDeny},
		{name: "boundary with no statements denies", identity: []string{stmts(allow("*", "*"))}, boundary: []string{stmts()}, action: "s3:GetObject", resource: obj, want: ImplicitDeny},
		{name: "boundary deny is explicit", identity: []string{stmts(allow("s3:*", "*"))}, boundary: []string{stmts(allow("*", "*"), deny("s3:GetObject", "*"))}, action: "s3:GetObject", resource: obj, want: ExplicitDeny, decisive: "boundary p1, statement 1"},
		{name: "boundary conditional", identity: []string{stmts(allow("s3:*", "*"))}, boundary: []string{stmts(`{"Effect":"Allow","Action":"s3:*","Resource":"*",` + cond + `}`)}, action: "s3:GetObject", resource: obj, want: DependsOnConditions, decisive: "boundary p1, statement 0 (Condition)"},
		{name: "identity conditional boundary certain", identity: []string{stmts(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",` + cond + `}`)}, boundary: []string{stmts(allow("*", "*"))}, action: "s3:GetObject", resource: obj, want: DependsOnConditions, decisive: "p1, statement 0 (Condition)"},
		{name: "policy variable", identity: []string{stmts(allow("iam:PassRole", "arn:aws:iam::111122223333:role/app/${aws:username}"))}, action: "iam:PassRole", resource: role, want: DependsOnConditions, decisive: "p1, statement 0 (${aws:username})"},
		{name: "policy variable cannot match", identity: []string{stmts(allow("iam:PassRole", "arn:aws:iam::111122223333:role/other/${aws:username}"))}, action: "iam:PassRole", resource: role, want: ImplicitDeny},
		{name: "policy variable with default", identity: []string{stmts(allow("s3:GetObject", "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'reports'}/*"))}, action: "s3:GetObject", resource: obj, want: DependsOnConditions},
		{name: "policy variable in NotResource", identity: []string{stmts(`{"Effect":"Allow","Action":"iam:PassRole","NotResource":"arn:aws:iam::111122223333:role/app/${aws:username}"}`)}, action: "iam:PassRole", resource: role, want: DependsOnConditions},
		{name: "policy variable in NotResource cannot match", identity: []string{stmts(`{"Effect":"Allow","Action":"iam:PassRole","NotResource":"arn:aws:iam::111122223333:user/${aws:username}"}`)}, action: "iam:PassRole", resource: role, want: Allowed},
		{name: "variable and condition both listed", identity: []string{stmts(`{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/app/${aws:username}",` + cond + `}`)}, action: "iam:PassRole", resource: role, want: DependsOnConditions, decisive: "p1, statement 0 (Condition, ${aws:username})"},
		{name: "another pattern matches for sure", identity: []string{stmts(`{"Effect":"Allow","Action":"iam:PassRole","Resource":["arn:aws:iam::111122223333:role/app/${aws:username}","arn:aws:iam::111122223333:role/*"]}`)}, action: "iam:PassRole", resource: role, want: Allowed},
		{name: "escaped question mark is literal", identity: []string{stmts(allow("s3:GetObject", "arn:aws:s3:::bucket/a${?}b"))}, action: "s3:GetObject", resource: "arn:aws:s3:::bucket/axb", want: ImplicitDeny},
		{name: "escaped question mark matches itself", identity: []string{stmts(allow("s3:GetObject", "arn:aws:s3:::bucket/a${?}b"))}, action: "s3:GetObject", resource: "arn:aws:s3:::bucket/a?b", want: Allowed},
		{name: "escaped star and dollar", identity: []string{stmts(allow("s3:GetObject", "arn:aws:s3:::bucket/${$}{x}${*}"))}, action: "s3:GetObject", resource: "arn:aws:s3:::bucket/${x}*", want: Allowed},
		{name: "escaped star does not match other text", identity: []string{stmts(allow("s3:GetObject", "arn:aws:s3:::bucket/${*}"))}, action: "s3:GetObject", resource: "arn:aws:s3:::bucket/x", want: ImplicitDeny},
		{name: "unterminated variable is literal", identity: []string{stmts(allow("s3:GetObject", "arn:aws:s3:::bucket/${x"))}, action: "s3:GetObject", resource: "arn:aws:s3:::bucket/${x", want: Allowed},
		{name: "variables are literal before 2012-10-17", identity: []string{`{"Version":"2008-10-17","Statement":[` + allow("s3:GetObject", "arn:aws:s3:::bucket/${aws:username}") + `]}`}, action: "s3:GetObject", resource: "arn:aws:s3:::bucket/${aws:username}", want: Allowed},
		{name: "variables are literal without a version", identity: []string{`{"Statement":[` + allow("s3:GetObject", "arn:aws:s3:::bucket/${aws:username}") + `]}`}, action: "s3:GetObject", resource: "arn:aws:s3:::bucket/alice", want: ImplicitDeny},
		{name: "action without resource matched by star", identity: []string{stmts(allow("ec2:DescribeInstances", "*"))}, action: "ec2:DescribeInstances", resource: "*", want: Allowed},
		{name: "action without resource not matched by an arn", identity: []string{stmts(allow("ec2:DescribeInstances", "arn:aws:ec2:*:*:*"))}, action: "ec2:DescribeInstances", resource: "*", want: ImplicitDeny},
		{name: "granted on every resource only by star", identity: []string{stmts(allow("iam:PassRole", "arn:aws:iam::*:role/*"))}, action: "iam:PassRole", resource: "*", want: ImplicitDeny},
		{name: "statement without resource element applies everywhere", identity: []string{stmts(`{"Effect":"Allow","Action":"s3:GetObject"}`)}, action: "s3:GetObject", resource: obj, want: Allowed},
		{name: "nil document is no policy", action: "s3:GetObject", resource: obj, want: ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := PolicySet{Identity: named(t, tt.identity...), Boundary: named(t, tt.boundary...)}
			req := Request{Action: tt.action, Resource: tt.resource}
			res := Evaluate(set, req)
			if res.Decision != tt.want {
				t.Fatalf("decision %v, want %v (%s)", res.Decision, tt.want, res.Reason())
			}
			if d := Compile(set).Decide(req); d != tt.want {
				t.Errorf("Decide = %v, Evaluate = %v", d, tt.want)
			}
			if tt.decisive != "" {
				if got := refs(res.Decisive); got != tt.decisive {
					t.Errorf("decisive %q, want %q", got, tt.decisive)
				}
			}
			if res.Reason() == "" {
				t.Error("empty Reason")
			}
		})
	}
}

func TestEvaluateNilDocument(t *testing.T) {
	set := PolicySet{Identity: []Named{{Name: "gone"}}, Boundary: []Named{{Name: "empty"}}}
	if d := Evaluate(set, Request{Action: "s3:GetObject", Resource: "*"}).Decision; d != ImplicitDeny {
		t.Errorf("decision %v, want implicit-deny", d)
	}
}

func TestResultGranting(t *testing.T) {
	set := PolicySet{Identity: named(t, stmts(
		`{"Sid":"Cond","Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`,
		`{"Sid":"Sure","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`,
		`{"Sid":"Other","Effect":"Allow","Action":"ec2:*","Resource":"*"}`,
	)), Boundary: named(t, stmts(`{"Effect":"Allow","Action":"*","Resource":"*"}`))}
	res := Evaluate(set, Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"})
	if res.Decision != Allowed {
		t.Fatalf("decision %v", res.Decision)
	}
	var got []string
	for _, m := range res.Granting() {
		got = append(got, fmt.Sprintf("%s certain=%v", m.Sid, m.Certain))
	}
	if want := "Sure certain=true, Cond certain=false"; strings.Join(got, ", ") != want {
		t.Errorf("Granting = %q, want %q", strings.Join(got, ", "), want)
	}
}

func TestDecisionText(t *testing.T) {
	for _, d := range []Decision{ImplicitDeny, Allowed, ExplicitDeny, DependsOnConditions} {
		t.Run(d.String(), func(t *testing.T) {
			b, err := d.MarshalText()
			if err != nil {
				t.Fatal(err)
			}
			var back Decision
			if err := back.UnmarshalText(b); err != nil || back != d {
				t.Errorf("round trip of %q gave %v, %v", b, back, err)
			}
		})
	}
	if _, err := Decision(9).MarshalText(); err == nil {
		t.Error("MarshalText of an unknown decision succeeded")
	}
	var d Decision
	if err := d.UnmarshalText([]byte("maybe")); err == nil {
		t.Error("UnmarshalText of an unknown name succeeded")
	}
}

func TestWildcardGrants(t *testing.T) {
	set := named(t, stmts(
		`{"Sid":"Admin","Effect":"Allow","Action":"*","Resource":"*"}`,
		`{"Effect":"Allow","Action":["s3:*","s3:Get*","ec2:Describe*","*:*"],"Resource":"arn:aws:s3:::b/*"}`,
		`{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:s3:::secret/*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}`,
		`{"Effect":"Deny","Action":"*","Resource":"*"}`,
	), stmts(`{"Effect":"Allow","Action":"IAM:**","Resource":["arn:aws:iam::*:role/x","*"]}`))
	var b bytes.Buffer
	for _, g := range WildcardGrants(IdentityPolicy, set) {
		fmt.Fprintf(&b, "%s: %s %q allResources=%v conditional=%v\n", g.StatementRef, g.Scope, g.Pattern, g.AllResources, g.Conditional)
	}
	want := `p1, statement "Admin": all-actions "*" allResources=true conditional=false
p1, statement 1: service-wide "s3:*" allResources=false conditional=false
p1, statement 1: all-actions "*:*" allResources=false conditional=false
p1, statement 2: all-but-listed "" allResources=true conditional=true
p2, statement 0: service-wide "IAM:**" allResources=true conditional=false
`
	if b.String() != want {
		t.Errorf("WildcardGrants:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestResultReason(t *testing.T) {
	allowS3 := stmts(`{"Sid":"S3","Effect":"Allow","Action":"s3:*","Resource":"*"}`)
	tests := []struct {
		name               string
		identity, boundary []string
		want               string
	}{
		{"allowed", []string{allowS3}, nil, `allowed by p1, statement "S3"`},
		{"nothing allows", nil, nil, "no identity policy statement allows it"},
		{"boundary caps", []string{allowS3}, []string{stmts(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`)}, "allowed by identity policies but not by the permission boundary"},
		{"explicit", []string{allowS3, stmts(`{"Effect":"Deny","Action":"*","Resource":"*"}`)}, nil, "explicitly denied by p2, statement 0"},
		{"depends", []string{stmts(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::${aws:username}/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`)}, nil, "depends on p1, statement 0 (Condition, ${aws:username})"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := PolicySet{Identity: named(t, tt.identity...), Boundary: named(t, tt.boundary...)}
			if got := Evaluate(set, Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::alice/k"}).Reason(); got != tt.want {
				t.Errorf("Reason() = %q, want %q", got, tt.want)
			}
		})
	}
}
