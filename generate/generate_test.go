package generate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/analyze"
)

// TestRules runs one small fixture per generation rule, compares every
// output file with a golden file, and checks the rule's promise directly.
func TestRules(t *testing.T) {
	withThreshold := func(n int) Options { o := Options{CollapseThreshold: n}; return o }
	bucketARN := "arn:aws:s3:::data-bucket"
	table := func(region, account, name string) string {
		return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, account, name)
	}

	tests := []struct {
		name   string
		usages []analyze.PrincipalUsage
		opts   Options
		format Format
		// failed is how many principals must fail.
		failed int
		check  func(t *testing.T, run Run)
	}{
		{
			name: "grouping",
			usages: []analyze.PrincipalUsage{usage(role("app"),
				obsAll("s3:GetObject", objects("data-bucket", "in/", 2)),
				obsAll("s3:GetObjectTagging", objects("data-bucket", "in/", 2)),
				obsAll("s3:PutObject", objects("data-bucket", "out/", 1)),
				one(obs("s3:ListBucket", bucketARN)),
				one(obs("dynamodb:GetItem", table("eu-west-1", testAccount, "orders")),
					obs("dynamodb:Query", table("eu-west-1", testAccount, "orders")),
					obs("dynamodb:PutItem", table("eu-west-1", testAccount, "orders"))),
				one(obs("ec2:DescribeInstances", "*"), obs("s3:ListAllMyBuckets", "*")),
			)},
			check: func(t *testing.T, run Run) {
				r := run.Results[0]
				want := map[string][]string{
					"S3ListBucket":                {"s3:ListBucket"},
					"S3ReadObject":                {"s3:GetObject", "s3:GetObjectTagging"},
					"S3WriteObject":               {"s3:PutObject"},
					"DynamodbReadTable":           {"dynamodb:GetItem", "dynamodb:Query"},
					"DynamodbWriteTable":          {"dynamodb:PutItem"},
					"ActionsWithoutResourceTypes": {"ec2:DescribeInstances", "s3:ListAllMyBuckets"},
				}
				got := map[string][]string{}
				for _, st := range r.Documents[0].Statements {
					got[st.Sid] = st.Action
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("statements by Sid:\n got %v\nwant %v", got, want)
				}
			},
		},
		{
			name: "sids_unique",
			usages: []analyze.PrincipalUsage{usage(role("app"),
				one(obs("s3:GetObject", "arn:aws:s3:::a/x"), obs("s3:GetObjectTagging", "arn:aws:s3:::b/y"),
					obs("s3:GetObjectAcl", "arn:aws:s3:::c/z")),
			)},
			check: func(t *testing.T, run Run) {
				var sids []string
				for _, st := range run.Results[0].Documents[0].Statements {
					sids = append(sids, st.Sid)
				}
				if got := strings.Join(sids, ","); got != "S3ReadObject,S3ReadObject2,S3ReadObject3" {
					t.Errorf("Sids %s", got)
				}
			},
		},
		{
			name:   "compression_below_threshold",
			usages: []analyze.PrincipalUsage{usage(role("app"), obsAll("s3:GetObject", objects("data-bucket", "in/", 19)))},
			opts:   withThreshold(20),
			check:  wantResources(19, "", "s3:GetObject"),
		},
		{
			name:   "compression_at_threshold",
			usages: []analyze.PrincipalUsage{usage(role("app"), obsAll("s3:GetObject", objects("data-bucket", "in/", 20)))},
			opts:   withThreshold(20),
			check:  wantResources(20, "", "s3:GetObject"),
		},
		{
			name:   "compression_above_threshold",
			usages: []analyze.PrincipalUsage{usage(role("app"), obsAll("s3:GetObject", objects("data-bucket", "in/", 21)))},
			opts:   withThreshold(20),
			check:  wantResources(1, "arn:aws:s3:::data-bucket/in/*", "s3:GetObject"),
		},
		{
			name: "compression_nested_prefixes",
			usages: []analyze.PrincipalUsage{usage(role("app"),
				obsAll("s3:GetObject", objects("data-bucket", "logs/2024/01/", 25)),
				obsAll("s3:GetObject", objects("data-bucket", "logs/2024/02/", 25)),
				obsAll("s3:GetObject", objects("data-bucket", "logs/2024/03/", 3)),
				obsAll("s3:PutObject", objects("data-bucket", "logs/2024/01/", 5)),
			)},
			opts: withThreshold(20),
			check: func(t *testing.T, run Run) {
				res := allResources(run.Results[0])
				for _, want := range []string{"arn:aws:s3:::data-bucket/logs/2024/01/*", "arn:aws:s3:::data-bucket/logs/2024/02/*", "arn:aws:s3:::data-bucket/logs/2024/03/002.json"} {
					if !contains(res, want) {
						t.Errorf("want %s in %v", want, res)
					}
				}
				if contains(res, "arn:aws:s3:::data-bucket/logs/2024/*") {
					t.Errorf("collapsed wider than needed: %v", res)
				}
				// PutObject's five objects stay listed: collapsing is per action.
				if !contains(res, "arn:aws:s3:::data-bucket/logs/2024/01/004.json") {
					t.Errorf("PutObject objects were collapsed: %v", res)
				}
			},
		},
		{
			name: "compression_never_wider_than_bucket",
			usages: []analyze.PrincipalUsage{usage(role("app"),
				obsAll("s3:GetObject", spread("bucket-a", 30)),
				obsAll("s3:GetObject", spread("bucket-b", 30)),
			)},
			opts:  withThreshold(20),
			check: wantResources(2, "arn:aws:s3:::bucket-a/*", "s3:GetObject"),
		},
		{
			name: "compression_parameters_and_log_streams",
			usages: []analyze.PrincipalUsage{usage(role("app"),
				obsAll("ssm:GetParameter", seq("arn:aws:ssm:eu-west-1:"+testAccount+":parameter/app/prod/key%02d", 25)),
				obsAll("ssm:GetParameter", seq("arn:aws:ssm:eu-west-1:"+testAccount+":parameter/flat%02d", 25)),
				obsAll("logs:PutLogEvents", seq("arn:aws:logs:eu-west-1:"+testAccount+":log-group:/aws/lambda/fn:log-stream:2024/01/01/[$LATEST]%02d", 25)),
			)},
			opts: withThreshold(20),
			check: func(t *testing.T, run Run) {
				res := allResources(run.Results[0])
				for _, want := range []string{
					"arn:aws:ssm:eu-west-1:" + testAccount + ":parameter/app/prod/*",
					"arn:aws:ssm:eu-west-1:" + testAccount + ":parameter/flat00",
					"arn:aws:logs:eu-west-1:" + testAccount + ":log-group:/aws/lambda/fn:log-stream:2024/01/01/*",
				} {
					if !contains(res, want) {
						t.Errorf("want %s in %v", want, res)
					}
				}
				// Top-level parameters never collapse: parameter/* would be
				// every parameter of the region.
				if contains(res, "arn:aws:ssm:eu-west-1:"+testAccount+":parameter/*") {
					t.Errorf("parameters collapsed to the whole region")
				}
			},
		},
		{
			name: "regions_accounts_kept_by_default",
			usages: []analyze.PrincipalUsage{usage(role("app"), one(
				obs("dynamodb:GetItem", table("eu-west-1", testAccount, "orders")),
				obs("dynamodb:GetItem", table("us-east-1", testAccount, "orders")),
				obs("dynamodb:GetItem", table("us-east-1", "444455556666", "orders")),
			))},
			opts:  withThreshold(20),
			check: wantResources(3, "", "dynamodb:GetItem"),
		},
		{
			name: "regions_collapsed",
			usages: []analyze.PrincipalUsage{usage(role("app"), one(
				obs("dynamodb:GetItem", table("eu-west-1", testAccount, "orders")),
				obs("dynamodb:GetItem", table("us-east-1", testAccount, "orders")),
				obs("dynamodb:GetItem", table("us-east-1", "444455556666", "orders")),
			))},
			opts:  Options{CollapseThreshold: 20, CollapseRegions: true},
			check: wantResources(2, table("*", testAccount, "orders"), "dynamodb:GetItem"),
		},
		{
			name: "regions_and_accounts_collapsed",
			usages: []analyze.PrincipalUsage{usage(role("app"), one(
				obs("dynamodb:GetItem", table("eu-west-1", testAccount, "orders")),
				obs("dynamodb:GetItem", table("us-east-1", testAccount, "orders")),
				obs("dynamodb:GetItem", table("us-east-1", "444455556666", "orders")),
				obs("dynamodb:GetItem", table("us-east-1", "444455556666", "audit")),
			))},
			opts:  Options{CollapseThreshold: 20, CollapseRegions: true, CollapseAccounts: true},
			check: wantResources(2, table("*", "*", "orders"), "dynamodb:GetItem"),
		},
		{
			name: "wildcards_used_when_exact",
			usages: []analyze.PrincipalUsage{usage(role("app"),
				obsAll("ssm:GetParameter", []string{"arn:aws:ssm:eu-west-1:" + testAccount + ":parameter/app/key"}),
				obsAll("ssm:GetParameters", []string{"arn:aws:ssm:eu-west-1:" + testAccount + ":parameter/app/key"}),
				obsAll("ssm:GetParameterHistory", []string{"arn:aws:ssm:eu-west-1:" + testAccount + ":parameter/app/key"}),
				obsAll("ssm:GetParametersByPath", []string{"arn:aws:ssm:eu-west-1:" + testAccount + ":parameter/app/key"}),
			)},
			opts: Options{ActionWildcards: true},
			check: func(t *testing.T, run Run) {
				r := run.Results[0]
				if got := allActions(r); fmt.Sprint(got) != "[ssm:GetParameter*]" {
					t.Errorf("actions %v, want [ssm:GetParameter*]", got)
				}
				if n := r.Summary.Notes.Wildcards; len(n) != 1 || len(n[0].Covers) != 4 || n[0].Warning == "" {
					t.Errorf("wildcard note %+v", n)
				}
			},
		},
		{
			name: "wildcards_refused_when_wider",
			usages: []analyze.PrincipalUsage{usage(role("app"),
				obsAll("ssm:GetParameter", []string{"arn:aws:ssm:eu-west-1:" + testAccount + ":parameter/app/key"}),
				obsAll("ssm:GetParameters", []string{"arn:aws:ssm:eu-west-1:" + testAccount + ":parameter/app/key"}),
				obsAll("ssm:GetParametersByPath", []string{"arn:aws:ssm:eu-west-1:" + testAccount + ":parameter/app/key"}),
			)},
			opts: Options{ActionWildcards: true},
			check: func(t *testing.T, run Run) {
				// ssm:GetParameter* would also allow ssm:GetParameterHistory;
				// ssm:GetParameters* covers exactly what was observed.
				if got := allActions(run.Results[0]); fmt.Sprint(got) != "[ssm:GetParameter ssm:GetParameters*]" {
					t.Errorf("actions %v", got)
				}
			},
		},
		{
			name:   "split_managed",
			usages: []analyze.PrincipalUsage{usage(role("big"), manyServices(7)...)},
			check: func(t *testing.T, run Run) {
				r := run.Results[0]
				if len(r.Documents) < 2 {
					t.Fatalf("%d documents, want a split", len(r.Documents))
				}
				for _, d := range r.Summary.Documents {
					if d.Characters > LimitManaged {
						t.Errorf("%s has %d characters", d.Name, d.Characters)
					}
				}
				// Each service stays in one document.
				where := map[string]int{}
				for i, d := range r.Documents {
					for _, st := range d.Statements {
						svc, _, _ := strings.Cut(st.Action[0], ":")
						if j, ok := where[svc]; ok && j != i {
							t.Errorf("service %s in documents %d and %d", svc, j+1, i+1)
						}
						where[svc] = i
					}
				}
			},
		},
		{
			name:   "split_inline_role_fits",
			usages: []analyze.PrincipalUsage{usage(role("big"), manyServices(7)...)},
			opts:   Options{Inline: true},
			check: func(t *testing.T, run Run) {
				if d := run.Results[0].Summary.Documents; len(d) != 1 || d[0].Limit != LimitInlineRole {
					t.Errorf("documents %+v, want one inline role policy", d)
				}
			},
		},
		{
			name:   "split_inline_user_too_big",
			usages: []analyze.PrincipalUsage{usage(user("dev"), manyServices(7)...)},
			opts:   Options{Inline: true},
			failed: 1,
			check: func(t *testing.T, run Run) {
				if e := run.Results[0].Summary.Error; !strings.Contains(e, "inline limit") {
					t.Errorf("error %q", e)
				}
			},
		},
		{
			name:   "split_statement_too_big",
			usages: []analyze.PrincipalUsage{usage(role("reader"), obsAll("s3:GetObject", longObjects(200)))},
			check: func(t *testing.T, run Run) {
				r := run.Results[0]
				if len(r.Documents) < 2 {
					t.Fatalf("%d documents, want the statement cut across documents", len(r.Documents))
				}
				n := 0
				for _, d := range r.Documents {
					for _, st := range d.Statements {
						if !strings.HasPrefix(st.Sid, "S3ReadObjectPart") {
							t.Errorf("Sid %s", st.Sid)
						}
						n += len(st.Resource)
					}
				}
				if n != 200 {
					t.Errorf("%d resources across parts, want 200", n)
				}
			},
		},
		{
			name: "split_too_many_policies",
			usages: []analyze.PrincipalUsage{
				usage(role("huge"), obsAll("s3:GetObject", longObjects(1200))),
				usage(role("small"), one(obs("s3:GetObject", "arn:aws:s3:::b/k"))),
			},
			failed: 1,
			check: func(t *testing.T, run Run) {
				huge := run.Results[0]
				if !strings.Contains(huge.Summary.Error, "more than the 10") || len(huge.Documents) != 0 {
					t.Errorf("huge: error %q, %d documents", huge.Summary.Error, len(huge.Documents))
				}
				if small := run.Results[1]; len(small.Documents) != 1 {
					t.Errorf("the run did not go on for the other principal")
				}
			},
		},
		{
			// Packed by service, eleven statements of which no two share a
			// document need eleven documents; filled to the limit, with
			// statements cut at document ends, they fit in ten.
			name:   "split_fills_documents_rather_than_fail",
			usages: []analyze.PrincipalUsage{usage(role("wide"), elevenStatements()...)},
			check: func(t *testing.T, run Run) {
				r := run.Results[0]
				if len(r.Documents) > MaxManagedPolicies {
					t.Fatalf("%d documents", len(r.Documents))
				}
				parts := 0
				for _, d := range r.Documents {
					for _, st := range d.Statements {
						if strings.Contains(st.Sid, "Part") {
							parts++
						}
					}
				}
				if parts == 0 {
					t.Errorf("no statement was cut at a document end")
				}
			},
		},
		{
			name: "passrole_companion",
			usages: []analyze.PrincipalUsage{usage(role("deployer"),
				one(obs("ec2:RunInstances", "arn:aws:ec2:eu-west-1:"+testAccount+":instance/*"),
					func() analyze.Observed {
						o := obs("iam:PassRole", "arn:aws:iam::"+testAccount+":role/service/web-instance")
						o.Companion = true
						o.Via = []string{"ec2.amazonaws.com:RunInstances"}
						return o
					}()),
			)},
			check: func(t *testing.T, run Run) {
				r := run.Results[0]
				if !contains(allActions(r), "iam:PassRole") || !contains(allResources(r), "arn:aws:iam::"+testAccount+":role/service/web-instance") {
					t.Errorf("PassRole on the passed role missing: %v %v", allActions(r), allResources(r))
				}
				if len(r.Summary.Notes.NotObservable) != 1 {
					t.Errorf("not observable notes %+v", r.Summary.Notes.NotObservable)
				}
			},
		},
		{
			name: "denied_unproven_permissionless_excluded",
			usages: []analyze.PrincipalUsage{func() analyze.PrincipalUsage {
				u := usage(role("app"), one(obs("s3:GetObject", "arn:aws:s3:::b/k")))
				u.Denied = []analyze.Denied{{Access: analyze.Access{Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k"},
					EventSource: "s3.amazonaws.com", EventName: "PutObject", ErrorCode: "AccessDenied",
					Message: "User is not authorized to perform: s3:PutObject", Count: 3, LastSeen: 1700000000000}}
				u.Unproven = []analyze.Unproven{{Access: analyze.Access{Action: "dynamodb:PutItem", Resource: table("eu-west-1", testAccount, "t")},
					EventSource: "dynamodb.amazonaws.com", EventName: "PutItem", ErrorCode: "ValidationException", Count: 1}}
				u.Permissionless = []analyze.EventCount{{EventSource: "sts.amazonaws.com", EventName: "GetCallerIdentity", Count: 7}}
				u.Unmapped = []analyze.Unmapped{{EventSource: "new.amazonaws.com", EventName: "DoThing", Reason: "unknown event source", Count: 2}}
				u.NonAPI = []analyze.EventCount{{EventSource: "signin.amazonaws.com", EventName: "ConsoleLogin", Count: 1}}
				u.Events = 14
				return u
			}()},
			check: func(t *testing.T, run Run) {
				acts := allActions(run.Results[0])
				for _, a := range []string{"s3:PutObject", "dynamodb:PutItem", "sts:GetCallerIdentity"} {
					if contains(acts, a) {
						t.Errorf("%s granted", a)
					}
				}
				n := run.Results[0].Summary.Notes
				if len(n.Denied) != 1 || len(n.Unproven) != 1 || len(n.Permissionless) != 1 || len(n.Unmapped) != 1 || len(n.NonAPI) != 1 {
					t.Errorf("notes %+v", n)
				}
			},
		},
		{
			name: "only_permissionless_gets_no_policy",
			usages: []analyze.PrincipalUsage{func() analyze.PrincipalUsage {
				u := usage(role("probe"))
				u.Permissionless = []analyze.EventCount{{EventSource: "sts.amazonaws.com", EventName: "GetCallerIdentity", Count: 7}}
				u.Events = 7
				return u
			}()},
			check: func(t *testing.T, run Run) {
				if r := run.Results[0]; len(r.Documents) != 0 || r.Summary.NoPolicyReason == "" {
					t.Errorf("documents %d, reason %q", len(r.Documents), r.Summary.NoPolicyReason)
				}
			},
		},
		{
			name: "no_policy_principals",
			usages: []analyze.PrincipalUsage{
				func() analyze.PrincipalUsage {
					p := role("AWSServiceRoleForECS")
					p.Kind, p.Path = analyze.KindServiceLinkedRole, "/aws-service-role/ecs.amazonaws.com/"
					p.ARN = "arn:aws:iam::" + testAccount + ":role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"
					u := usage(p, one(obs("ec2:DescribeInstances", "*")))
					u.NoPolicyReason = "service-linked role: its permissions are managed by AWS"
					return u
				}(),
				func() analyze.PrincipalUsage {
					p := analyze.Principal{Kind: analyze.KindRoot, ARN: "arn:aws:iam::" + testAccount + ":root", Account: testAccount, Partition: "aws", Name: "root"}
					return usage(p, one(obs("s3:ListAllMyBuckets", "*")))
				}(),
				func() analyze.PrincipalUsage {
					p := analyze.Principal{Kind: analyze.KindIdentityCenterUser, ARN: "arn:aws:sts::" + testAccount + ":assumed-role/x/alice", Account: testAccount, Partition: "aws", Name: "alice"}
					return usage(p, one(obs("s3:ListAllMyBuckets", "*")))
				}(),
			},
			check: func(t *testing.T, run Run) {
				for _, r := range run.Results {
					if len(r.Documents) != 0 || r.Summary.NoPolicyReason == "" {
						t.Errorf("%s: %d documents, reason %q", r.Principal.ARN, len(r.Documents), r.Summary.NoPolicyReason)
					}
				}
			},
		},
		{
			name: "unscoped_and_coarsened",
			usages: []analyze.PrincipalUsage{usage(role("app"), one(
				func() analyze.Observed {
					o := obs("kms:Decrypt", "*")
					o.ResourceNote = "the request named no key and the response was not kept"
					return o
				}(),
				func() analyze.Observed {
					o := obs("s3:GetObject", "arn:aws:s3:::b/exports/*")
					o.ResourceNote = "the store kept at most 1000 keys per bucket and coarsened the rest to their prefix"
					return o
				}(),
				obs("s3:GetObject", "arn:aws:s3:::b/exports/2024/a.csv"),
			))},
			check: func(t *testing.T, run Run) {
				r := run.Results[0]
				var sids []string
				for _, st := range r.Documents[0].Statements {
					sids = append(sids, st.Sid)
				}
				if !contains(sids, "KmsWriteAnyResource") {
					t.Errorf("Sids %v: the unscoped action needs its own statement", sids)
				}
				if len(r.Summary.Notes.Unscoped) != 1 || len(r.Summary.Notes.Coarsened) != 1 {
					t.Errorf("notes %+v", r.Summary.Notes)
				}
				if contains(allResources(r), "arn:aws:s3:::b/exports/2024/a.csv") {
					t.Errorf("an object covered by the store's prefix is listed again")
				}
			},
		},
		{
			name:   "terraform",
			format: FormatTerraform,
			usages: []analyze.PrincipalUsage{
				usage(role("app.web@prod"), one(
					obs("s3:GetObject", `arn:aws:s3:::b/home/${aws:username}/*`),
					obs("s3:GetObject", `arn:aws:s3:::b/odd "quoted" \ key %{x}`),
					obs("ec2:DescribeInstances", "*"),
				)),
				usage(role("big"), manyServices(7)...),
			},
			check: func(t *testing.T, run Run) {
				files, err := run.Files(FormatTerraform)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range files {
					if strings.HasSuffix(f.Path, ".tf") {
						if err := checkHCL(string(f.Data)); err != nil {
							t.Errorf("%s: %v", f.Path, err)
						}
					}
				}
			},
		},
		{
			// A role IAM Identity Center provisions gets its policy, with
			// the permission set it must be applied to, in the summary and
			// in the Terraform header.
			name: "identity_center_role",
			usages: []analyze.PrincipalUsage{usage(func() analyze.Principal {
				name := "AWSReservedSSO_DataReader_0123456789abcdef"
				return analyze.Principal{Kind: analyze.KindRole, ARN: "arn:aws:iam::" + testAccount + ":role/aws-reserved/sso.amazonaws.com/" + name,
					Account: testAccount, Partition: "aws", Name: name, Path: "/aws-reserved/sso.amazonaws.com/"}
			}(), one(obs("s3:GetObject", "arn:aws:s3:::b/k")))},
			format: FormatTerraform,
			check: func(t *testing.T, run Run) {
				s := run.Results[0].Summary
				if len(run.Results[0].Documents) != 1 || s.NoPolicyReason != "" {
					t.Errorf("no policy: %q", s.NoPolicyReason)
				}
				if s.PermissionSet != "DataReader" || !strings.Contains(s.ApplyTo, `permission set "DataReader"`) {
					t.Errorf("permission set %q, apply to %q", s.PermissionSet, s.ApplyTo)
				}
				files, err := run.Files(FormatTerraform)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range files {
					if strings.HasSuffix(f.Path, ".tf") && !strings.Contains(string(f.Data), `apply the policy to the IAM Identity Center permission set "DataReader"`) {
						t.Errorf("%s does not say where to apply the policy:\n%s", f.Path, f.Data)
					}
				}
			},
		},
		{
			// Every outcome a principal can have, in one summary: a policy,
			// skipped under --min-events, no policy by kind, failed; and one
			// principal the globs leave out entirely.
			name: "summary",
			usages: []analyze.PrincipalUsage{
				usage(user("ci"), one(obs("s3:PutObject", "arn:aws:s3:::artifacts/build/1.zip"), obs("s3:PutObject", "arn:aws:s3:::artifacts/build/2.zip"))),
				usage(role("app"), one(obs("s3:GetObject", "arn:aws:s3:::b/k"), obs("s3:GetObject", "arn:aws:s3:::b/l"))),
				usage(role("quiet"), one(obs("s3:GetObject", "arn:aws:s3:::b/k"))),
				usage(role("broken"), one(obs("s3:GetObject", "arn:aws:s3:::b/k"), obs("s3:NotAnAction", "*"))),
				usage(role("excluded"), one(obs("s3:GetObject", "arn:aws:s3:::b/k"), obs("s3:GetObject", "arn:aws:s3:::b/l"))),
				func() analyze.PrincipalUsage {
					p := analyze.Principal{Kind: analyze.KindRoot, ARN: "arn:aws:iam::" + testAccount + ":root", Account: testAccount, Partition: "aws", Name: "root"}
					return usage(p, one(obs("s3:ListAllMyBuckets", "*"), obs("s3:ListAllMyBuckets", "*")))
				}(),
			},
			opts:   Options{CollapseThreshold: 20, MinEvents: 2, Principals: []string{"*:role/app", "*:role/quiet", "*:role/broken", "ci", "*:root"}},
			failed: 1,
			check: func(t *testing.T, run Run) {
				status := map[string]string{}
				for _, r := range run.Results {
					s := r.Summary
					status[r.Principal.Name] = fmt.Sprintf("docs=%d skipped=%t nopolicy=%t error=%t", len(r.Documents), s.Skipped != "", s.NoPolicyReason != "", s.Error != "")
				}
				want := map[string]string{
					"app":    "docs=1 skipped=false nopolicy=false error=false",
					"ci":     "docs=1 skipped=false nopolicy=false error=false",
					"quiet":  "docs=0 skipped=true nopolicy=false error=false",
					"broken": "docs=0 skipped=false nopolicy=false error=true",
					"root":   "docs=0 skipped=false nopolicy=true error=false",
				}
				if fmt.Sprint(status) != fmt.Sprint(want) {
					t.Errorf("outcomes\n got %v\nwant %v", status, want)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			format := tc.format
			if format == "" {
				format = FormatJSON
			}
			run, err := Generate(tc.usages, cat(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := run.Failed(); got != tc.failed {
				for _, r := range run.Results {
					t.Logf("%s: %s", r.Principal.ARN, r.Summary.Error)
				}
				t.Fatalf("%d principals failed, want %d", got, tc.failed)
			}
			byARN := map[string]analyze.PrincipalUsage{}
			for _, u := range tc.usages {
				byARN[u.Principal.ARN] = u
			}
			for _, r := range run.Results {
				checkResult(t, r, byARN[r.Principal.ARN], tc.opts)
			}
			if tc.check != nil {
				tc.check(t, run)
			}
			golden(t, render(t, run, format))
		})
	}
}

// checkResult asserts what holds for every result: valid documents within
// their limit, and no action wildcard that matches an unobserved action.
// (Policies itself proves every observed access is allowed; the property
// test checks that with the evaluator.)
func checkResult(t *testing.T, r Result, u analyze.PrincipalUsage, opts Options) {
	t.Helper()
	limit, maxDocs := sizeLimit(r.Principal.Kind, opts.Inline)
	if len(r.Documents) > maxDocs {
		t.Errorf("%s: %d documents, more than %d", r.Principal.ARN, len(r.Documents), maxDocs)
	}
	for i, d := range r.Documents {
		if err := Validate(d, cat()); err != nil {
			t.Errorf("%s document %d: %v", r.Principal.ARN, i+1, err)
		}
		if n := documentSize(&d); n > limit {
			t.Errorf("%s document %d: %d characters, limit %d", r.Principal.ARN, i+1, n, limit)
		}
	}
	observed := map[string]bool{}
	for _, o := range u.Observed {
		observed[strings.ToLower(o.Action)] = true
	}
	for _, a := range allActions(r) {
		if !strings.Contains(a, "*") {
			continue
		}
		for _, m := range cat().Match(a) {
			if !observed[strings.ToLower(m.FullName())] {
				t.Errorf("%s: wildcard %s matches unobserved %s", r.Principal.ARN, a, m.FullName())
			}
		}
	}
}

// wantResources checks how many resources the action ends up with and,
// when given, that one of them is want.
func wantResources(n int, want, action string) func(t *testing.T, run Run) {
	return func(t *testing.T, run Run) {
		t.Helper()
		var res []string
		for _, d := range run.Results[0].Documents {
			for _, st := range d.Statements {
				if contains(st.Action, action) {
					res = append(res, st.Resource...)
				}
			}
		}
		if len(res) != n {
			t.Errorf("%s has %d resources, want %d: %v", action, len(res), n, res)
		}
		if want != "" && !contains(res, want) {
			t.Errorf("%s resources %v, want %s among them", action, res, want)
		}
	}
}

// spread returns n objects, each in its own top-level directory, so only
// the bucket itself holds more than the threshold.
func spread(bucket string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("arn:aws:s3:::%s/dir%02d/file", bucket, i)
	}
	return out
}

func seq(format string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, i)
	}
	return out
}

// longObjects returns n objects with long keys, each in its own directory
// so no collapsing applies.
func longObjects(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("arn:aws:s3:::a-bucket-with-a-long-name/partition=%04d/a/long/object/key/that/takes/room.parquet", i)
	}
	return out
}

// elevenStatements observes eleven S3 read actions, each on its own 38
// objects: eleven statements of which no two fit one managed policy.
func elevenStatements() [][]analyze.Observed {
	actions := []string{"s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectTagging", "s3:GetObjectVersion", "s3:GetObjectAttributes",
		"s3:GetObjectRetention", "s3:GetObjectLegalHold", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging", "s3:GetObjectTorrent",
		"s3:GetObjectVersionAttributes"}
	var out [][]analyze.Observed
	for i, a := range actions {
		var res []string
		for j := 0; j < 38; j++ {
			res = append(res, fmt.Sprintf("arn:aws:s3:::a-bucket-with-a-long-name/action-%02d/partition=%04d/object/key/that/takes/room.parquet", i, j))
		}
		out = append(out, obsAll(a, res))
	}
	return out
}

// manyServices observes, for n services, a read and a write on tables of
// one region: enough statements that a managed policy overflows.
func manyServices(n int) [][]analyze.Observed {
	var out [][]analyze.Observed
	services := []struct{ read, write, arn string }{
		{"dynamodb:GetItem", "dynamodb:PutItem", "arn:aws:dynamodb:eu-west-1:" + testAccount + ":table/%s-%02d"},
		{"sqs:ReceiveMessage", "sqs:SendMessage", "arn:aws:sqs:eu-west-1:" + testAccount + ":%s-%02d"},
		{"sns:GetTopicAttributes", "sns:Publish", "arn:aws:sns:eu-west-1:" + testAccount + ":%s-%02d"},
		{"lambda:GetFunction", "lambda:InvokeFunction", "arn:aws:lambda:eu-west-1:" + testAccount + ":function:%s-%02d"},
		{"kinesis:GetRecords", "kinesis:PutRecord", "arn:aws:kinesis:eu-west-1:" + testAccount + ":stream/%s-%02d"},
		{"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "arn:aws:secretsmanager:eu-west-1:" + testAccount + ":secret:%s-%02d-AbCdEf"},
		{"ssm:GetParameter", "ssm:PutParameter", "arn:aws:ssm:eu-west-1:" + testAccount + ":parameter/%s/%02d"},
	}
	for i := 0; i < n; i++ {
		s := services[i%len(services)]
		var reads, writes []string
		for j := 0; j < 8; j++ {
			reads = append(reads, fmt.Sprintf(s.arn, fmt.Sprintf("service-resource-read-%d", i), j))
			writes = append(writes, fmt.Sprintf(s.arn, fmt.Sprintf("service-resource-write-%d", i), j))
		}
		out = append(out, obsAll(s.read, reads), obsAll(s.write, writes))
	}
	return out
}
