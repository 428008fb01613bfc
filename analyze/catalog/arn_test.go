package catalog

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

func resourceType(t *testing.T, fullName string) *ResourceType {
	t.Helper()
	prefix, name, _ := strings.Cut(fullName, "/")
	s, ok := Default().Service(prefix)
	if !ok {
		t.Fatalf("no service %q", prefix)
	}
	rt, ok := s.ResourceType(name)
	if !ok {
		t.Fatalf("no resource type %q", fullName)
	}
	return rt
}

func TestResourceTypeMatches(t *testing.T) {
	tests := []struct {
		name     string
		resource string
		typ      string // service/resource type
		want     bool
	}{
		// S3: the bucket variable is the whole component, so it holds no "/".
		{"s3 object", "arn:aws:s3:::my-bucket/path/to/key.txt", "s3/object", true},
		{"s3 object is not a bucket", "arn:aws:s3:::my-bucket/path/to/key.txt", "s3/bucket", false},
		{"s3 bucket", "arn:aws:s3:::my-bucket", "s3/bucket", true},
		{"s3 bucket is not an object", "arn:aws:s3:::my-bucket", "s3/object", false},
		{"s3 prefix wildcard", "arn:aws:s3:::my-bucket/prefix/*", "s3/object", true},
		{"s3 prefix wildcard is not a bucket", "arn:aws:s3:::my-bucket/prefix/*", "s3/bucket", false},
		{"s3 bucket wildcard may name a bucket", "arn:aws:s3:::my-bucket*", "s3/bucket", true},
		{"s3 bucket wildcard may name an object", "arn:aws:s3:::my-bucket*", "s3/object", true},
		{"s3 object key with colons", "arn:aws:s3:::b/a:b:c", "s3/object", true},
		{"s3 empty object name", "arn:aws:s3:::my-bucket/", "s3/object", false},
		{"s3 empty bucket", "arn:aws:s3:::", "s3/bucket", false},
		{"s3 in aws-cn", "arn:aws-cn:s3:::b/k", "s3/object", true},
		{"s3 in aws-us-gov", "arn:aws-us-gov:s3:::b/k", "s3/object", true},
		{"s3 in aws-iso-b", "arn:aws-iso-b:s3:::b/k", "s3/object", true},
		{"unknown partition", "arn:aws-mars:s3:::b/k", "s3/object", false},
		{"partition wildcard", "arn:*:s3:::b/k", "s3/object", true},
		{"partition wildcard that fits none", "arn:gcp*:s3:::b/k", "s3/object", false},
		{"s3 object with a region", "arn:aws:s3:us-east-1::b/k", "s3/object", false},
		{"s3 object with an account", "arn:aws:s3::123456789012:b/k", "s3/object", false},
		{"wildcard region and account may be empty", "arn:aws:s3:*:*:b/k", "s3/object", true},
		{"s3 access point", "arn:aws:s3:us-west-2:123456789012:accesspoint/ap", "s3/accesspoint", true},
		{"s3 access point object", "arn:aws:s3:us-west-2:123456789012:accesspoint/ap/object/k/x", "s3/accesspointobject", true},
		{"s3 access point object is not an object", "arn:aws:s3:us-west-2:123456789012:accesspoint/ap/object/k", "s3/object", false},
		{"everything", "*", "s3/object", true},

		// DynamoDB: region and account shapes.
		{"dynamodb table", "arn:aws:dynamodb:us-east-1:123456789012:table/orders", "dynamodb/table", true},
		{"dynamodb table in GovCloud", "arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/t", "dynamodb/table", true},
		{"dynamodb table in China", "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/t", "dynamodb/table", true},
		{"dynamodb table in the EU sovereign cloud", "arn:aws-eusc:dynamodb:eusc-de-east-1:123456789012:table/t", "dynamodb/table", true},
		{"dynamodb without account", "arn:aws:dynamodb:us-east-1::table/t", "dynamodb/table", false},
		{"dynamodb without region", "arn:aws:dynamodb::123456789012:table/t", "dynamodb/table", false},
		{"dynamodb 11-digit account", "arn:aws:dynamodb:us-east-1:12345678901:table/t", "dynamodb/table", false},
		{"dynamodb account with letters", "arn:aws:dynamodb:us-east-1:12345678901a:table/t", "dynamodb/table", false},
		{"dynamodb not a region", "arn:aws:dynamodb:useast1:123456789012:table/t", "dynamodb/table", false},
		{"dynamodb upper-case region", "arn:aws:dynamodb:US-EAST-1:123456789012:table/t", "dynamodb/table", false},
		{"ARNs are case-sensitive", "arn:aws:dynamodb:us-east-1:123456789012:Table/t", "dynamodb/table", false},
		{"dynamodb index", "arn:aws:dynamodb:us-east-1:123456789012:table/t/index/by-date", "dynamodb/index", true},
		{"dynamodb index without a name", "arn:aws:dynamodb:us-east-1:123456789012:table/t/index/", "dynamodb/index", false},
		{"dynamodb table is not an index", "arn:aws:dynamodb:us-east-1:123456789012:table/t", "dynamodb/index", false},
		{"dynamodb stream", "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024-01-01T00:00:00.000", "dynamodb/stream", true},
		{"dynamodb every table", "arn:aws:dynamodb:*:*:table/*", "dynamodb/table", true},
		{"dynamodb anything in the account", "arn:aws:dynamodb:us-east-1:123456789012:*", "dynamodb/table", true},
		{"region with ?", "arn:aws:dynamodb:??-east-1:123456789012:table/t", "dynamodb/table", true},
		{"region wildcard that fits no region", "arn:aws:dynamodb:1*:123456789012:table/t", "dynamodb/table", false},
		{"account with ?", "arn:aws:dynamodb:us-east-1:12345678901?:table/t", "dynamodb/table", true},
		{"account prefix wildcard", "arn:aws:dynamodb:us-east-1:1234*:table/t", "dynamodb/table", true},
		{"account wildcard that fits no account", "arn:aws:dynamodb:us-east-1:abc*:table/t", "dynamodb/table", false},
		{"account wildcard too long", "arn:aws:dynamodb:us-east-1:1234567890123*:table/t", "dynamodb/table", false},
		{"service wildcard", "arn:aws:dynamo*:us-east-1:123456789012:table/t", "dynamodb/table", true},
		{"other service", "arn:aws:dax:us-east-1:123456789012:table/t", "dynamodb/table", false},

		// IAM: global (no region), paths, AWS-managed policies.
		{"iam role with path", "arn:aws:iam::123456789012:role/service-role/my-role", "iam/role", true},
		{"iam every role", "arn:aws:iam::123456789012:role/*", "iam/role", true},
		{"iam role with a region", "arn:aws:iam:us-east-1:123456789012:role/r", "iam/role", false},
		{"iam role is not a user", "arn:aws:iam::123456789012:role/r", "iam/user", false},
		{"iam AWS-managed policy", "arn:aws:iam::aws:policy/ReadOnlyAccess", "iam/policy", true},
		{"iam managed policy with path", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "iam/policy", true},
		{"iam role in GovCloud", "arn:aws-us-gov:iam::123456789012:role/r", "iam/role", true},
		{"sts takes iam roles", "arn:aws:iam::123456789012:role/deploy", "sts/role", true},

		// Lambda: qualifiers follow a ":".
		{"lambda function", "arn:aws:lambda:us-east-1:123456789012:function:my-fn", "lambda/function", true},
		{"lambda qualified function", "arn:aws:lambda:us-east-1:123456789012:function:my-fn:3", "lambda/function version", true},
		{"lambda every version", "arn:aws:lambda:us-east-1:123456789012:function:my-fn:*", "lambda/function version", true},
		{"lambda function without a name", "arn:aws:lambda:us-east-1:123456789012:function", "lambda/function", false},
		{"lambda function without a name but a colon", "arn:aws:lambda:us-east-1:123456789012:function:", "lambda/function", false},

		// CloudWatch Logs: log group names hold "/", streams follow ":log-stream:".
		{"log group", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn", "logs/log-group", true},
		{"log group with :*", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*", "logs/log-group", true},
		{"log group with :* covers its streams", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*", "logs/log-stream", true},
		{"log stream", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:log-stream:2024/01/01/[$LATEST]abc", "logs/log-stream", true},
		{"log group is not a stream", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn", "logs/log-stream", false},

		// Whole-component names hold no ":" or "/".
		{"sqs queue", "arn:aws:sqs:us-east-1:123456789012:my-queue.fifo", "sqs/queue", true},
		{"sqs queue with a slash", "arn:aws:sqs:us-east-1:123456789012:a/b", "sqs/queue", false},
		{"sns topic", "arn:aws:sns:us-east-1:123456789012:alerts", "sns/topic", true},
		{"sns subscription is not a topic", "arn:aws:sns:us-east-1:123456789012:alerts:2f1e3c4d-0000-4000-8000-000000000000", "sns/topic", false},

		// KMS, Secrets Manager, SSM.
		{"kms key", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "kms/key", true},
		{"kms alias", "arn:aws:kms:us-east-1:123456789012:alias/my-alias", "kms/alias", true},
		{"kms alias is not a key", "arn:aws:kms:us-east-1:123456789012:alias/my-alias", "kms/key", false},
		{"secret", "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf", "secretsmanager/Secret", true},
		{"secret by name with the suffix wildcard", "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-??????", "secretsmanager/Secret", true},
		{"ssm parameter path", "arn:aws:ssm:us-east-1:123456789012:parameter/app/prod/url", "ssm/parameter", true},
		{"ssm takes ec2 instances", "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0", "ssm/instance", true},

		// EC2: templates with an empty account.
		{"ec2 instance", "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0", "ec2/instance", true},
		{"ec2 image", "arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0", "ec2/image", true},
		{"ec2 image with an account", "arn:aws:ec2:us-east-1:123456789012:image/ami-0123", "ec2/image", false},

		// Several variables in one component.
		{"backup framework name-id", "arn:aws:backup:us-east-1:123456789012:framework:daily-a1b2c3", "backup/framework", true},
		{"backup framework needs name and id", "arn:aws:backup:us-east-1:123456789012:framework:daily", "backup/framework", false},
		{"organizations account", "arn:aws:organizations::111111111111:account/o-exampleorgid/222222222222", "organizations/account", true},
		{"organizations account without o-", "arn:aws:organizations::111111111111:account/exampleorgid/222222222222", "organizations/account", false},
		{"organizations policy", "arn:aws:organizations::111111111111:policy/o-exampleorgid/service_control_policy/p-examplepolicyid", "organizations/policy", true},
		{"proton minor version", "arn:aws:proton:us-east-1:123456789012:environment-template/t:1.2", "proton/environment-template-minor-version", true},
		{"proton minor version needs a dot", "arn:aws:proton:us-east-1:123456789012:environment-template/t:1", "proton/environment-template-minor-version", false},
		{"opsworks-cm backup ({Var} written without $)", "arn:aws:opsworks-cm::123456789012:backup/server-2024-01-01T00:00:00.000Z", "opsworks-cm/backup", true},

		// Alternative templates in one resource type.
		{"api gateway v2 stage", "arn:aws:apigateway:us-east-1::/apis/a1b2c3/stages/prod", "apigateway/Stage", true},
		{"api gateway v1 stage", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3/stages/prod", "apigateway/Stage", true},
		{"api gateway stage with an account", "arn:aws:apigateway:us-east-1:123456789012:/restapis/a1b2c3/stages/prod", "apigateway/Stage", false},

		// Templates with literal wildcards or fixed values.
		{"dms certificate (template ends in *)", "arn:aws:dms:us-east-1:123456789012:cert:ABCDEFGHIJ", "dms/Certificate", true},
		{"braket device (region and account *)", "arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1", "braket/device", true},
		{"route53 hosted zone", "arn:aws:route53:::hostedzone/Z1D633PJN98FT9", "route53/hostedzone", true},
		{"cloudfront distribution", "arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL", "cloudfront/distribution", true},
		{"cloudfront distribution with a region", "arn:aws:cloudfront:us-east-1:123456789012:distribution/E2QWRUHAPOMQZL", "cloudfront/distribution", false},

		// Not ARNs.
		{"empty", "", "s3/bucket", false},
		{"not an ARN", "my-bucket", "s3/bucket", false},
		{"too few components", "arn:aws:s3", "s3/bucket", false},
		{"a wildcard does not span components", "arn:aws:*", "s3/bucket", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := resourceType(t, tt.typ)
			if got := rt.Matches(tt.resource); got != tt.want {
				t.Errorf("%s.Matches(%q) = %v, want %v (templates %q)", tt.typ, tt.resource, got, tt.want, rt.ARNs)
			}
		})
	}
}

func TestResourceTypesFor(t *testing.T) {
	tests := []struct {
		name     string
		action   string
		resource string
		want     []string // resource type names
	}{
		{"object", "s3:GetObject", "arn:aws:s3:::b/k", []string{"object"}},
		{"everything fits every type", "s3:GetObject", "*", []string{"accesspointobject", "object"}},
		{"bucket for an object action", "s3:GetObject", "arn:aws:s3:::b", nil},
		{"index, not also table", "dynamodb:Query", "arn:aws:dynamodb:us-east-1:123456789012:table/t/index/i", []string{"index"}},
		{"table", "dynamodb:Query", "arn:aws:dynamodb:us-east-1:123456789012:table/t", []string{"table"}},
		{"wildcards keep every possible type", "dynamodb:Query", "arn:aws:dynamodb:us-east-1:123456789012:table/t*", []string{"index", "table"}},
		{"qualified function", "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:f:1", []string{"function"}},
		{"alias or version: the syntax cannot tell", "lambda:GetProvisionedConcurrencyConfig", "arn:aws:lambda:us-east-1:123456789012:function:f:live", []string{"function alias", "function version"}},
		{"unqualified function for a qualifier action", "lambda:GetProvisionedConcurrencyConfig", "arn:aws:lambda:us-east-1:123456789012:function:f", nil},
		{"unqualified function", "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:f", []string{"function"}},
		{"role for PassRole", "iam:PassRole", "arn:aws:iam::123456789012:role/app/deploy", []string{"role"}},
		{"user for PassRole", "iam:PassRole", "arn:aws:iam::123456789012:user/alice", nil},
		{"action without resource types", "sts:GetCallerIdentity", "arn:aws:iam::123456789012:role/r", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := Default().Action(tt.action)
			if !ok {
				t.Fatalf("no action %s", tt.action)
			}
			var got []string
			for _, rt := range a.ResourceTypesFor(tt.resource) {
				got = append(got, rt.Name)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s.ResourceTypesFor(%q) = %q, want %q", tt.action, tt.resource, got, tt.want)
			}
		})
	}
}

// Every template must accept an ARN made by filling it in, or the policy
// generator's validity check would reject ARNs built from the catalog.
func TestEveryTemplateAcceptsItsOwnARN(t *testing.T) {
	n := 0
	for _, s := range Default().Services() {
		for _, rt := range s.ResourceTypes {
			for _, tmpl := range rt.ARNs {
				arn := fillTemplate(strings.ReplaceAll(tmpl, "*", "star"))
				if !rt.Matches(arn) {
					t.Errorf("%s: %q does not fit its own template %q", rt, arn, tmpl)
				}
				if wild := wildcardLast(arn); !rt.Matches(wild) {
					t.Errorf("%s: %q does not fit its own template %q", rt, wild, tmpl)
				}
				n++
			}
		}
	}
	if n < 2000 {
		t.Errorf("checked only %d templates", n)
	}
}

// referenceRegexp is a second, independent statement of the Matches rules
// for ARNs without wildcards, as one regular expression per template.
func referenceRegexp(tmpl string) *regexp.Regexp {
	parts, _ := splitARN(tmpl)
	variable := regexp.MustCompile(`\$\{[^}]+\}|\*`)
	var re strings.Builder
	re.WriteString("^arn")
	for i, p := range parts {
		re.WriteString(":")
		whole := isWholeVariable(p)
		switch {
		case i == partitionComponent && whole:
			re.WriteString("(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc)")
		case i == regionComponent && whole:
			re.WriteString(`[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}`)
		case i == accountComponent && whole:
			re.WriteString(`([0-9]{12}|aws)`)
		default:
			last := 0
			for _, m := range variable.FindAllStringIndex(p, -1) {
				re.WriteString(regexp.QuoteMeta(p[last:m[0]]))
				switch {
				case p[m[0]] == '*':
					re.WriteString(".*")
				case whole:
					re.WriteString("[^:/]+")
				default:
					re.WriteString(".+")
				}
				last = m[1]
			}
			re.WriteString(regexp.QuoteMeta(p[last:]))
		}
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String())
}

var referenceCache sync.Map // template → *regexp.Regexp

func matchesReference(rt *ResourceType, resource string) bool {
	for _, tmpl := range rt.ARNs {
		re, ok := referenceCache.Load(tmpl)
		if !ok {
			re, _ = referenceCache.LoadOrStore(tmpl, referenceRegexp(tmpl))
		}
		if re.(*regexp.Regexp).MatchString(resource) {
			return true
		}
	}
	return false
}

// Every template against sample ARNs of every other template of its
// service, plus edits that break one component at a time.
func TestMatchesAgreesWithReference(t *testing.T) {
	checked, matched := 0, 0
	for _, s := range Default().Services() {
		var samples []string
		for _, rt := range s.ResourceTypes {
			for _, tmpl := range rt.ARNs {
				arn := fillTemplate(strings.ReplaceAll(tmpl, "*", "star"))
				samples = append(samples, arn,
					strings.Replace(arn, ":us-east-1:", ":us-gov-west-1:", 1),
					strings.Replace(arn, ":us-east-1:", "::", 1),
					strings.Replace(arn, ":123456789012:", ":aws:", 1),
					strings.Replace(arn, ":123456789012:", ":12345678901:", 1),
					strings.Replace(arn, ":123456789012:", "::", 1),
					strings.Replace(arn, "arn:aws:", "arn:aws-cn:", 1),
					strings.Replace(arn, "arn:aws:", "arn:awz:", 1),
					strings.Replace(arn, "x", "x/y:z", 1),
					strings.TrimSuffix(arn, "x"),
					strings.ToUpper(arn),
				)
			}
		}
		for _, rt := range s.ResourceTypes {
			for _, sample := range samples {
				got, want := rt.Matches(sample), matchesReference(rt, sample)
				if got != want {
					t.Errorf("%s.Matches(%q) = %v, reference %v", rt, sample, got, want)
				}
				checked++
				if got {
					matched++
				}
			}
		}
	}
	if matched < checked/100 {
		t.Errorf("only %d of %d checks matched", matched, checked)
	}
	t.Logf("%d checks agree with the reference (%d match)", checked, matched)
}

func FuzzResourceTypeMatches(f *testing.F) {
	for _, s := range []string{"arn:aws:s3:::b/k", "*", "arn:aws:dynamodb:*:*:table/*", "arn:aws:iam::aws:policy/x", "arn:**:?:::",
		"arn:aws:logs:us-east-1:123456789012:log-group:/a/b:log-stream:c", "arn:aws:backup:us-east-1:123456789012:framework:a-b"} {
		f.Add(s)
	}
	var types []*ResourceType
	for _, name := range []string{"s3/object", "s3/bucket", "dynamodb/index", "logs/log-stream", "backup/framework", "apigateway/Stage", "iam/policy"} {
		prefix, rtName, _ := strings.Cut(name, "/")
		s, _ := Default().Service(prefix)
		rt, _ := s.ResourceType(rtName)
		types = append(types, rt)
	}
	f.Fuzz(func(t *testing.T, resource string) {
		for _, rt := range types {
			got := rt.Matches(resource)
			if resource != "*" && !strings.ContainsAny(resource, "*?") {
				if want := matchesReference(rt, resource); got != want {
					t.Errorf("%s.Matches(%q) = %v, reference %v", rt, resource, got, want)
				}
			}
			// Wildcards only widen: "*" in place of the resource part
			// fits whenever the resource does.
			if parts, ok := splitARN(resource); ok && got {
				wider := "arn:" + strings.Join(append(parts[:4:4], "*"), ":")
				if !rt.Matches(wider) {
					t.Errorf("%s fits %q but not %q", rt, resource, wider)
				}
			}
		}
	})
}
