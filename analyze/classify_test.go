package analyze

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/ingest/store"
)

func TestPermissionless(t *testing.T) {
	for _, c := range []struct{ src, ev string }{
		{"sts.amazonaws.com", "GetCallerIdentity"},
		{"sts.amazonaws.com", "GetSessionToken"},
		{"dynamodb.amazonaws.com", "DescribeEndpoints"},
		{"sts.amazonaws.com", "AssumeRoleWithSAML"},
		{"sts.amazonaws.com", "AssumeRoleWithWebIdentity"},
	} {
		mp := mapRowChecked(t, apiRow(c.src, c.ev))
		if mp.Class != ClassPermissionless || len(mp.Accesses) != 0 || mp.Reason == "" {
			t.Errorf("%s %s: %s %v %q, want permissionless with a reason and no action", c.src, c.ev, mp.Class, mp.Accesses, mp.Reason)
		}
	}
}

func TestNonAPI(t *testing.T) {
	cases := []struct {
		name string
		src  string
		ev   string
		opts []rowOpt
	}{
		{"service event", "ec2.amazonaws.com", "SharedSnapshotVolumeCreated", []rowOpt{eventType("AwsServiceEvent")}},
		{"console sign-in", "signin.amazonaws.com", "ConsoleLogin", []rowOpt{eventType("AwsConsoleSignIn")}},
		{"console action", "s3.amazonaws.com", "ConsoleAction", []rowOpt{eventType("AwsConsoleAction")}},
		{"insight", "cloudtrail.amazonaws.com", "Insight", []rowOpt{eventType("AwsCloudTrailInsight")}},
		{"VPC endpoint event", "s3.amazonaws.com", "GetObject", []rowOpt{eventType("AwsVpceEvent")}},
		{"network activity", "kms.amazonaws.com", "Decrypt", []rowOpt{eventType("NetworkActivity")}},
		{"network activity category", "kms.amazonaws.com", "Decrypt", []rowOpt{func(r *store.Row) { r.EventCategory = "NetworkActivity" }}},
		{"signin API-call event that is not an action", "signin.amazonaws.com", "GetSigninToken", nil},
		{"SSO portal", "sso.amazonaws.com", "GetRoleCredentials", nil},
		{"SSO portal under its own source", "portal.sso.amazonaws.com", "ListAccounts", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mp := mapRowChecked(t, apiRow(c.src, c.ev, c.opts...))
			if mp.Class != ClassNonAPI || len(mp.Accesses) != 0 || mp.Reason == "" {
				t.Errorf("got %s %v %q, want non-api with a reason", mp.Class, mp.Accesses, mp.Reason)
			}
		})
	}
	// A real signin API action is still mapped.
	mp := mapRowChecked(t, apiRow("signin.amazonaws.com", "ListTrustedIdentityPropagationApplicationsForConsole"))
	if mp.Class != ClassMapped {
		t.Errorf("signin API action: %s %q, want mapped", mp.Class, mp.Reason)
	}
}

// TestErrorClasses: one case per class, and which errors prove
// authorization.
func TestErrorClasses(t *testing.T) {
	cases := []struct {
		src, ev, code string
		outcome       Outcome
		class         ErrorClass
	}{
		{s3Src, "GetObject", "", OutcomeObserved, ErrorNone},
		{s3Src, "GetObject", "AccessDenied", OutcomeDenied, ErrorAuthorization},
		{"kms.amazonaws.com", "Decrypt", "AccessDeniedException", OutcomeDenied, ErrorAuthorization},
		{"ec2.amazonaws.com", "GetPasswordData", "Client.UnauthorizedOperation", OutcomeDenied, ErrorAuthorization},
		{"ec2.amazonaws.com", "DescribeInstances", "UnauthorizedOperation", OutcomeDenied, ErrorAuthorization},
		{"appsync.amazonaws.com", "GetGraphqlApi", "UnauthorizedException", OutcomeDenied, ErrorAuthorization},
		{"sns.amazonaws.com", "Publish", "AuthorizationError", OutcomeDenied, ErrorAuthorization},
		{"apigateway.amazonaws.com", "GetRestApis", "Forbidden", OutcomeDenied, ErrorAuthorization},
		{"ec2.amazonaws.com", "RunInstances", "Client.DryRunOperation", OutcomeObserved, ErrorAfterAuthorization},
		{s3Src, "GetBucketPolicy", "NoSuchBucketPolicy", OutcomeObserved, ErrorAfterAuthorization},
		{s3Src, "GetBucketPolicyStatus", "NoSuchBucketPolicy", OutcomeObserved, ErrorAfterAuthorization},
		{s3Src, "GetBucketCors", "NoSuchCORSConfiguration", OutcomeObserved, ErrorAfterAuthorization},
		{s3Src, "GetBucketLifecycle", "NoSuchLifecycleConfiguration", OutcomeObserved, ErrorAfterAuthorization},
		{s3Src, "GetBucketWebsite", "NoSuchWebsiteConfiguration", OutcomeObserved, ErrorAfterAuthorization},
		{s3Src, "GetBucketTagging", "NoSuchTagSet", OutcomeObserved, ErrorAfterAuthorization},
		{s3Src, "GetBucketPublicAccessBlock", "NoSuchPublicAccessBlockConfiguration", OutcomeObserved, ErrorAfterAuthorization},
		{s3Src, "GetBucketReplication", "ReplicationConfigurationNotFoundError", OutcomeObserved, ErrorAfterAuthorization},
		{s3Src, "GetBucketObjectLockConfiguration", "ObjectLockConfigurationNotFoundError", OutcomeObserved, ErrorAfterAuthorization},
		{s3Src, "GetBucketEncryption", "ServerSideEncryptionConfigurationNotFoundError", OutcomeObserved, ErrorAfterAuthorization},
		// A configuration error on another call proves nothing.
		{s3Src, "PutBucketPolicy", "NoSuchBucketPolicy", OutcomeUnproven, ErrorNotFound},
		{s3Src, "GetObject", "NoSuchKey", OutcomeUnproven, ErrorNotFound},
		{s3Src, "GetBucketPolicy", "NoSuchBucket", OutcomeUnproven, ErrorNotFound},
		{"iam.amazonaws.com", "GetRole", "NoSuchEntityException", OutcomeUnproven, ErrorNotFound},
		{"ec2.amazonaws.com", "DescribeVpcs", "Client.InvalidVpcID.NotFound", OutcomeUnproven, ErrorNotFound},
		{"ssm.amazonaws.com", "PutParameter", "ThrottlingException", OutcomeUnproven, ErrorThrottling},
		{s3Src, "PutObject", "SlowDown", OutcomeUnproven, ErrorThrottling},
		{"ec2.amazonaws.com", "RunInstances", "Client.VcpuLimitExceeded", OutcomeUnproven, ErrorLimit},
		{"ec2.amazonaws.com", "CreateVpc", "Client.VpcLimitExceeded", OutcomeUnproven, ErrorLimit},
		{"lambda.amazonaws.com", "CreateFunction20150331", "InvalidParameterValueException", OutcomeUnproven, ErrorValidation},
		{"ec2.amazonaws.com", "RunInstances", "Client.InvalidParameterValue", OutcomeUnproven, ErrorValidation},
		{s3Src, "DeleteBucket", "BucketNotEmpty", OutcomeUnproven, ErrorConflict},
		{"rds.amazonaws.com", "DeleteDBInstance", "InvalidDBInstanceStateFault", OutcomeUnproven, ErrorValidation},
		{"sts.amazonaws.com", "GetCallerIdentity", "InvalidClientTokenId", OutcomeUnproven, ErrorAuthentication},
		{"dynamodb.amazonaws.com", "GetItem", "InternalServerError", OutcomeUnproven, ErrorService},
		{"ssm.amazonaws.com", "GetCommandInvocation", "InvocationDoesNotExist", OutcomeUnproven, ErrorNotFound},
		{"devops-guru.amazonaws.com", "GetResourceCollection", "SomethingElse", OutcomeUnproven, ErrorOther},
	}
	for _, c := range cases {
		t.Run(c.ev+"/"+c.code, func(t *testing.T) {
			mp := mapRowChecked(t, apiRow(c.src, c.ev, failed(c.code, "")))
			if mp.Outcome != c.outcome || mp.Error != c.class {
				t.Errorf("got %s/%s, want %s/%s", mp.Outcome, mp.Error, c.outcome, c.class)
			}
		})
	}
}

// TestDeniedMessages: the action and resource named by authorization error
// messages, in every form iamtailor reads.
func TestDeniedMessages(t *testing.T) {
	cases := []struct{ msg, action, resource string }{
		{"User: arn:aws:iam::1:user/a is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::1:role/r", "sts:AssumeRole", "arn:aws:iam::1:role/r"},
		{"User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: organizations:LeaveOrganization on resource: * because no identity-based policy allows the organizations:LeaveOrganization action", "organizations:LeaveOrganization", "*"},
		{"User: arn:aws:iam::1:user/Level6 is not authorized to perform: apigateway:GET onresource: arn:aws:apigateway:us-east-1::/vpclinks", "apigateway:GET", "arn:aws:apigateway:us-east-1::/vpclinks"},
		{"User: arn:aws:iam::1:user/a is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:1:key/k with an explicit deny in a service control policy", "kms:Decrypt", "arn:aws:kms:us-east-1:1:key/k"},
		{"User: arn:aws:iam::1:user/a is not authorized to perform: SNS:Publish on resource: arn:aws:sns:us-east-1:1:t because no resource-based policy allows the SNS:Publish action", "SNS:Publish", "arn:aws:sns:us-east-1:1:t"},
		{"User: arn:aws:iam::1:user/a is not authorized to perform: iam:ListUsers", "iam:ListUsers", ""},
		{"User: arn:aws:iam::1:user/a is not authorized to perform: iam:PassRole on resource: role x", "iam:PassRole", ""},
		{"Principal [arn:aws:iam::1:user/a] is not allowed to execute [glue:GetTables] on the resource", "glue:GetTables", ""},
		{"Access to the resource arn:aws:sqs:us-east-1:1:q is denied.", "", "arn:aws:sqs:us-east-1:1:q"},
		{"Not authorized to access resource arn:aws:x:us-east-1:1:y", "", "arn:aws:x:us-east-1:1:y"},
		{"Access Denied", "", ""},
		{"You are not authorized to perform this operation. Encoded authorization failure message: <omitted>", "", ""},
		{"IAM user access not activated", "", ""},
	}
	for _, c := range cases {
		d := parseDeniedMessage(c.msg)
		if d.Action != c.action || d.Resource != c.resource {
			t.Errorf("parseDeniedMessage(%q) = %+v, want %q %q", c.msg, d, c.action, c.resource)
		}
	}
}

// TestDeniedMessagesAgainstReference checks the parser against the
// access-undenied-aws message patterns: on every example message above
// that one of their patterns matches with an iamPermission, the parser
// reads the same action.
func TestDeniedMessagesAgainstReference(t *testing.T) {
	path := filepath.Join(sharedDir(t), "mapping", "access-undenied-aws.access_denied_message_patterns.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		AccessDeniedMessages []string `json:"accessDeniedMessages"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	var res []*regexp.Regexp
	for _, p := range ref.AccessDeniedMessages {
		re, err := regexp.Compile(p)
		if err != nil {
			t.Fatalf("reference pattern %q: %v", p, err)
		}
		res = append(res, re)
	}
	msgs := []string{
		"An error occurred (AccessDeniedException) when calling the GetItem operation: User: arn:aws:iam::1:user/a is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:1:table/T with an explicit deny in a service control policy",
		"User: arn:aws:iam::1:user/a is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because no identity-based policy allows the s3:GetObject action",
		"User: arn:aws:iam::1:user/a is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::1:role/r",
		"User: arn:aws:iam::1:user/a is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:1:instance/* with an explicit deny",
		"User: arn:aws:iam::1:user/a is not authorized to perform: iam:ListUsers",
		"Principal [arn:aws:iam::1:user/a] is not allowed to execute [glue:GetTables] on the resource",
	}
	for _, m := range msgs {
		refAction := ""
		for _, re := range res {
			sub := re.FindStringSubmatch(m)
			if sub == nil {
				continue
			}
			if i := re.SubexpIndex("iamPermission"); i >= 0 && sub[i] != "" {
				refAction = sub[i]
				break
			}
		}
		if refAction == "" {
			t.Errorf("no reference pattern reads an action from %q", m)
			continue
		}
		if got := parseDeniedMessage(m).Action; got != refAction {
			t.Errorf("%q: parser reads %q, reference %q", m, got, refAction)
		}
	}
}

// TestTablesExistInCatalog: every action the mapper's own tables name is
// a catalog action, and every prefix they name is a catalog prefix.
func TestTablesExistInCatalog(t *testing.T) {
	cat := catalog.Default()
	for k, r := range rules {
		prefix, _, _ := strings.Cut(k, ":")
		if _, ok := cat.Service(prefix); !ok {
			t.Errorf("rule %s: prefix %s is not in the catalog", k, prefix)
		}
		for _, a := range r.actions {
			if _, ok := cat.Action(a.action); !ok {
				t.Errorf("rule %s names %s, which is not in the catalog", k, a.action)
			}
		}
	}
	for k := range passRoleRules {
		if _, ok := cat.Action(k); !ok {
			t.Errorf("passRoleRules: %s is not in the catalog", k)
		}
	}
	for k, types := range tagOnCreate {
		a, ok := cat.Action(k)
		if !ok {
			t.Errorf("tagOnCreate: %s is not in the catalog", k)
			continue
		}
		prefix, _, _ := strings.Cut(k, ":")
		tag, _ := cat.Action(tagActions[prefix].action)
		for _, typ := range types {
			if _, ok := a.ResourceType(typ); !ok && k != "ec2:RunInstances" {
				t.Errorf("tagOnCreate: %s takes no resource type %s", k, typ)
			}
			if tag == nil {
				t.Errorf("tagOnCreate: no tag action for %s", prefix)
			} else if _, ok := tag.ResourceType(typ); !ok {
				t.Errorf("tagOnCreate: %s takes no resource type %s", tag.FullName(), typ)
			}
		}
	}
	for k := range permissionless {
		prefix, _, _ := strings.Cut(k, ":")
		if _, ok := cat.Service(prefix); !ok {
			t.Errorf("permissionless %s: prefix not in the catalog", k)
		}
	}
	for src, prefix := range eventSourcePrefixes {
		if _, ok := cat.Service(prefix); !ok {
			t.Errorf("eventSourcePrefixes[%s] = %s, not a catalog prefix", src, prefix)
		}
	}
	for k := range serviceVars {
		prefix, _, _ := strings.Cut(k, ":")
		if _, ok := cat.Service(prefix); !ok {
			t.Errorf("serviceVars %s: prefix not in the catalog", k)
		}
	}
	for op := range apigatewayOverrides {
		if _, ok := cat.Action("apigateway:" + apigatewayOverrides[op].method); !ok {
			t.Errorf("apigatewayOverrides %s: no apigateway:%s", op, apigatewayOverrides[op].method)
		}
		svc, _ := cat.Service("apigateway")
		if _, ok := svc.ResourceType(apigatewayOverrides[op].typ); !ok {
			t.Errorf("apigatewayOverrides %s: no resource type %s", op, apigatewayOverrides[op].typ)
		}
	}
	for _, v := range partiqlVerbs {
		if _, ok := cat.Action(v); !ok {
			t.Errorf("partiqlVerbs: %s not in the catalog", v)
		}
	}
}

// TestEventSourcePrefixesAgainstReference cross-checks the eventSource →
// prefix rule with the reference table (iann0036/iam-dataset
// cloudtrail_service_mappings): for every event source the reference
// lists, iamtailor's prefix must be the reference's, or the disagreement is
// explained here.
func TestEventSourcePrefixesAgainstReference(t *testing.T) {
	// Disagreements, each with its reason.
	explained := map[string]string{
		// The reference lists prefixes the catalog does not have (AWS
		// DeepRacer and Support Recommendations have no IAM service of
		// that name in iam-data): such events are unmapped, never guessed.
		"deepracer.amazonaws.com":              "deepracer is not a catalog prefix",
		"supportrecommendations.amazonaws.com": "supportrecommendations is not a catalog prefix",
	}
	b, err := os.ReadFile(filepath.Join(sharedDir(t), "mapping", "iam-dataset-cloudtrail-service-mappings.cf9b6c5d.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		ServiceCloudtrail map[string][]string `json:"service_cloudtrail_mappings"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	cat := catalog.Default()
	var checked int
	var sources []string
	for prefix, srcs := range ref.ServiceCloudtrail {
		for _, src := range srcs {
			sources = append(sources, src)
			got := iamPrefix(src)
			_, inCatalog := cat.Service(got)
			switch {
			case got == prefix && inCatalog:
				checked++
			case explained[src] != "":
			default:
				t.Errorf("%s: iamtailor %q (in catalog: %v), reference %q; fix the table or explain", src, got, inCatalog, prefix)
			}
		}
	}
	sort.Strings(sources)
	// Every entry of our table that the reference also lists agrees (the
	// loop above); entries the reference lacks are explained in the table.
	for src := range eventSourcePrefixes {
		full := src + ".amazonaws.com"
		if !slicesContains(sources, full) && src != "email" {
			t.Errorf("eventSourcePrefixes[%s] is not in the reference and not explained", src)
		}
	}
	if checked < 300 {
		t.Errorf("only %d reference event sources checked", checked)
	}
}

func slicesContains(s []string, v string) bool {
	i := sort.SearchStrings(s, v)
	return i < len(s) && s[i] == v
}
