package analyze

import (
	"strings"
	"sync"

	"github.com/iamtailor/iamtailor/analyze/catalog"
)

// This file holds the three hand-kept tables behind review findings. Every
// pattern must match at least one catalog action (TestReviewTablesAgainstCatalog),
// so a typo or an action AWS renames fails the build instead of silently
// matching nothing.

// Observability says why CloudTrail may not show an action being used.
type Observability string

const (
	// ObservabilityPermissionOnly: IAM checks the action while authorizing
	// another call (or a connection that is not an AWS API call); there is
	// no event of its own to see.
	ObservabilityPermissionOnly Observability = "permission-only"
	// ObservabilityDataEvent: CloudTrail logs the action as a data event,
	// which trails record only when configured to (and pay for).
	ObservabilityDataEvent Observability = "data-event"
	// ObservabilityExcludable: management events a trail may be configured
	// to leave out (ExcludeManagementEventSources).
	ObservabilityExcludable Observability = "excludable-source"
	// ObservabilityNotRecorded: CloudTrail does not record the action at
	// all.
	ObservabilityNotRecorded Observability = "not-recorded"
	// ObservabilityNoLogs: the logs hold no event recorded in the
	// principal's account in the window, so nothing it did there could be
	// seen.
	ObservabilityNoLogs Observability = "no-logs"
)

// observabilityRule is one row of the not-observable table. Source is the
// eventSource whose events in an account prove the trail records the
// action there: data events of that source for ObservabilityDataEvent, any event of it
// for ObservabilityExcludable. ObservabilityPermissionOnly and ObservabilityNotRecorded actions are never
// observable, whatever the logs hold.
type observabilityRule struct {
	Pattern string // IAM action pattern, matched with catalog.Match
	Class   Observability
	Source  string
	// ResourceType, when set, keeps only the matched actions that take
	// this resource type (S3 "object": object-level operations).
	ResourceType string
	Reason       string // for ObservabilityPermissionOnly and ObservabilityNotRecorded
}

// observabilityRules is the not-observable table.
//
// Sources:
//   - Permission-only: the Service Authorization Reference marks these
//     actions "[permission only]": they authorize part of another request
//     (iam:PassRole when a call hands a role to a service, sts:TagSession
//     and sts:SetSourceIdentity inside AssumeRole*, S3 governance bypass and
//     owner override inside object writes) or a connection that is not an
//     AWS API call (IAM database authentication, EFS NFS mounts, ElastiCache
//     and MemoryDB IAM auth, Aurora DSQL tokens). Billing console
//     permissions (aws-portal) gate console pages, not API calls.
//   - Data events: the CloudTrail User Guide, "Logging data events", lists
//     the resource types whose operations are data events (S3 objects and
//     the bucket-level object listings, Lambda invocations, DynamoDB items
//     and streams, SQS messages, SNS publishes, Kinesis records, EBS direct
//     APIs, S3 Object Lambda, CloudTrail Lake PutAuditEvents). CloudWatch
//     Logs' log-event reads and writes are listed with them: management
//     events do not include them. Trails do not log data events unless their
//     event selectors ask for them. The real corpus
//     ../shared/cloudtrail/otrf-security-datasets shows S3 ListObjects
//     (s3:ListBucket) logged with eventCategory "Data"; cloudtracker issue
//     #62 is the failure this table prevents (sqs:ReceiveMessage reported
//     as never used because it is not a management event).
//   - Excludable sources: a trail's ExcludeManagementEventSources can drop
//     every kms.amazonaws.com and rdsdata.amazonaws.com management event
//     (CloudTrail User Guide, "Logging management events").
//   - Not recorded: data-plane APIs CloudTrail does not log at all: API
//     Gateway invocations (execute-api), OpenSearch HTTP requests
//     (es:ESHttp*), Neptune database queries (neptune-db), MSK IAM-authorized
//     Kafka requests (kafka-cluster), and AWS IoT MQTT messaging (the IoT
//     Developer Guide says data-plane MQTT operations go to CloudWatch
//     Logs, not CloudTrail).
//
// A wrong entry here can only hide an unused permission, never report a
// needed one as removable: that is the direction an uncertain case takes.
var observabilityRules = []observabilityRule{
	{"iam:PassRole", ObservabilityPermissionOnly, "", "", "checked when a call passes a role to a service (RunInstances, CreateFunction, …); CloudTrail logs only that call"},
	{"sts:TagSession", ObservabilityPermissionOnly, "", "", "checked when AssumeRole* carries session tags; CloudTrail logs only the AssumeRole* call"},
	{"sts:SetSourceIdentity", ObservabilityPermissionOnly, "", "", "checked when AssumeRole* sets a source identity; CloudTrail logs only the AssumeRole* call"},
	{"sts:SetContext", ObservabilityPermissionOnly, "", "", "checked when AssumeRole carries context assertions; CloudTrail logs only the AssumeRole call"},
	{"s3:BypassGovernanceRetention", ObservabilityPermissionOnly, "", "", "checked when an object write or delete bypasses governance-mode retention; CloudTrail logs only that call"},
	{"s3:ObjectOwnerOverrideToBucketOwner", ObservabilityPermissionOnly, "", "", "checked when replication changes object ownership; no event of its own"},
	{"rds-db:connect", ObservabilityPermissionOnly, "", "", "IAM database authentication is checked by the database at connection time, not through an AWS API call"},
	{"elasticfilesystem:Client*", ObservabilityPermissionOnly, "", "", "EFS checks these when an NFS client mounts or writes; they are not AWS API calls"},
	{"elasticache:Connect", ObservabilityPermissionOnly, "", "", "ElastiCache IAM authentication is checked at connection time, not through an AWS API call"},
	{"memorydb:Connect", ObservabilityPermissionOnly, "", "", "MemoryDB IAM authentication is checked at connection time, not through an AWS API call"},
	{"dsql:DbConnect*", ObservabilityPermissionOnly, "", "", "Aurora DSQL checks these when a client connects with an IAM token, not through an AWS API call"},
	{"aws-portal:*", ObservabilityPermissionOnly, "", "", "billing console permissions gate console pages, not API calls"},

	// Every S3 action on objects, and the bucket-level object listings.
	{"s3:*", ObservabilityDataEvent, "s3.amazonaws.com", "object", ""},
	{"s3:ListBucket", ObservabilityDataEvent, "s3.amazonaws.com", "", ""},
	{"s3:ListBucketVersions", ObservabilityDataEvent, "s3.amazonaws.com", "", ""},
	{"s3:ListBucketMultipartUploads", ObservabilityDataEvent, "s3.amazonaws.com", "", ""},
	{"s3-object-lambda:*", ObservabilityDataEvent, "s3-object-lambda.amazonaws.com", "", ""},
	{"lambda:InvokeFunction", ObservabilityDataEvent, "lambda.amazonaws.com", "", ""},
	{"lambda:InvokeAsync", ObservabilityDataEvent, "lambda.amazonaws.com", "", ""},
	{"lambda:InvokeFunctionUrl", ObservabilityDataEvent, "lambda.amazonaws.com", "", ""},
	{"dynamodb:BatchGetItem", ObservabilityDataEvent, "dynamodb.amazonaws.com", "", ""},
	{"dynamodb:BatchWriteItem", ObservabilityDataEvent, "dynamodb.amazonaws.com", "", ""},
	{"dynamodb:ConditionCheckItem", ObservabilityDataEvent, "dynamodb.amazonaws.com", "", ""},
	{"dynamodb:DeleteItem", ObservabilityDataEvent, "dynamodb.amazonaws.com", "", ""},
	{"dynamodb:GetItem", ObservabilityDataEvent, "dynamodb.amazonaws.com", "", ""},
	{"dynamodb:GetRecords", ObservabilityDataEvent, "dynamodb.amazonaws.com", "", ""},
	{"dynamodb:GetShardIterator", ObservabilityDataEvent, "dynamodb.amazonaws.com", "", ""},
	{"dynamodb:PartiQL*", ObservabilityDataEvent, "dynamodb.amazonaws.com", "", ""},
	{"dynamodb:PutItem", ObservabilityDataEvent, "dynamodb.amazonaws.com", "", ""},
	{"dynamodb:Query", ObservabilityDataEvent, "dynamodb.amazonaws.com", "", ""},
	{"dynamodb:Scan", ObservabilityDataEvent, "dynamodb.amazonaws.com", "", ""},
	{"dynamodb:UpdateItem", ObservabilityDataEvent, "dynamodb.amazonaws.com", "", ""},
	{"sqs:ChangeMessageVisibility", ObservabilityDataEvent, "sqs.amazonaws.com", "", ""},
	{"sqs:DeleteMessage", ObservabilityDataEvent, "sqs.amazonaws.com", "", ""},
	{"sqs:ReceiveMessage", ObservabilityDataEvent, "sqs.amazonaws.com", "", ""},
	{"sqs:SendMessage", ObservabilityDataEvent, "sqs.amazonaws.com", "", ""},
	{"sns:Publish", ObservabilityDataEvent, "sns.amazonaws.com", "", ""},
	{"kinesis:GetRecords", ObservabilityDataEvent, "kinesis.amazonaws.com", "", ""},
	{"kinesis:GetShardIterator", ObservabilityDataEvent, "kinesis.amazonaws.com", "", ""},
	{"kinesis:PutRecord", ObservabilityDataEvent, "kinesis.amazonaws.com", "", ""},
	{"kinesis:PutRecords", ObservabilityDataEvent, "kinesis.amazonaws.com", "", ""},
	{"kinesis:SubscribeToShard", ObservabilityDataEvent, "kinesis.amazonaws.com", "", ""},
	{"ebs:*", ObservabilityDataEvent, "ebs.amazonaws.com", "", ""},
	{"cloudtrail-data:PutAuditEvents", ObservabilityDataEvent, "cloudtrail-data.amazonaws.com", "", ""},
	// Log event reads and writes are data-plane calls that management
	// events do not include; they count as observable only where the
	// logs hold data events of CloudWatch Logs.
	{"logs:FilterLogEvents", ObservabilityDataEvent, "logs.amazonaws.com", "", ""},
	{"logs:GetLogEvents", ObservabilityDataEvent, "logs.amazonaws.com", "", ""},
	{"logs:GetLogRecord", ObservabilityDataEvent, "logs.amazonaws.com", "", ""},
	{"logs:PutLogEvents", ObservabilityDataEvent, "logs.amazonaws.com", "", ""},

	{"kms:*", ObservabilityExcludable, "kms.amazonaws.com", "", ""},
	{"rds-data:*", ObservabilityExcludable, "rdsdata.amazonaws.com", "", ""},

	{"execute-api:*", ObservabilityNotRecorded, "", "", "API Gateway invocations are logged in API Gateway access logs, not CloudTrail"},
	{"es:ESHttp*", ObservabilityNotRecorded, "", "", "OpenSearch HTTP requests are logged in the domain's audit logs, not CloudTrail"},
	{"neptune-db:*", ObservabilityNotRecorded, "", "", "Neptune database queries are logged in Neptune audit logs, not CloudTrail"},
	{"kafka-cluster:*", ObservabilityNotRecorded, "", "", "MSK Kafka requests authorized by IAM are not CloudTrail events"},
	{"iot:Connect", ObservabilityNotRecorded, "", "", "AWS IoT MQTT operations are logged to CloudWatch Logs, not CloudTrail"},
	{"iot:Publish", ObservabilityNotRecorded, "", "", "AWS IoT MQTT operations are logged to CloudWatch Logs, not CloudTrail"},
	{"iot:Receive", ObservabilityNotRecorded, "", "", "AWS IoT MQTT operations are logged to CloudWatch Logs, not CloudTrail"},
	{"iot:RetainPublish", ObservabilityNotRecorded, "", "", "AWS IoT MQTT operations are logged to CloudWatch Logs, not CloudTrail"},
	{"iot:Subscribe", ObservabilityNotRecorded, "", "", "AWS IoT MQTT operations are logged to CloudWatch Logs, not CloudTrail"},
}

// escalationRule is one row of the privilege-escalation table: an action
// that, granted on every resource, lets the principal give itself or
// another identity more permissions than it has.
type escalationRule struct {
	Action string
	Reason string
}

// escalationRules is the privilege-escalation table. Sources: Rhino
// Security Labs, "AWS IAM Privilege Escalation – Methods and Mitigation"
// (Spencer Gietzen, 2018; 21 methods), and the IAM User Guide's warnings on
// iam:PassRole and permissions boundaries. Combinations (iam:PassRole
// with lambda:CreateFunction, …) are reported action by action: each one on
// "*" is already what a reviewer must justify.
var escalationRules = []escalationRule{
	{"iam:PassRole", "passes any role, including more privileged ones, to services it can use (EC2, Lambda, Glue, CloudFormation, …)"},
	{"iam:CreatePolicyVersion", "rewrites a managed policy, including its own, with any permissions"},
	{"iam:SetDefaultPolicyVersion", "switches a managed policy to an older, possibly broader, version"},
	{"iam:AttachRolePolicy", "attaches any managed policy (AdministratorAccess) to a role"},
	{"iam:AttachUserPolicy", "attaches any managed policy (AdministratorAccess) to a user"},
	{"iam:AttachGroupPolicy", "attaches any managed policy (AdministratorAccess) to a group"},
	{"iam:PutRolePolicy", "writes any inline policy into a role"},
	{"iam:PutUserPolicy", "writes any inline policy into a user"},
	{"iam:PutGroupPolicy", "writes any inline policy into a group"},
	{"iam:AddUserToGroup", "joins any group, with that group's permissions"},
	{"iam:CreateAccessKey", "creates access keys for other users and acts as them"},
	{"iam:CreateLoginProfile", "sets a console password for users that have none and signs in as them"},
	{"iam:UpdateLoginProfile", "changes other users' console passwords and signs in as them"},
	{"iam:UpdateAssumeRolePolicy", "rewrites a role's trust policy so that it can assume the role"},
	{"iam:DeleteRolePermissionsBoundary", "removes the permissions boundary that caps a role"},
	{"iam:DeleteUserPermissionsBoundary", "removes the permissions boundary that caps a user"},
	{"iam:PutRolePermissionsBoundary", "replaces the permissions boundary that caps a role"},
	{"iam:PutUserPermissionsBoundary", "replaces the permissions boundary that caps a user"},
	{"sts:AssumeRole", "assumes every role whose trust policy lets the account in"},
	{"lambda:UpdateFunctionCode", "runs its own code with the role of any existing function"},
	{"glue:UpdateDevEndpoint", "adds its SSH key to any Glue development endpoint and uses its role"},
	{"ssm:SendCommand", "runs commands on any managed instance, with the instance's role"},
	{"ssm:StartSession", "opens a shell on any managed instance, with the instance's role"},
	{"ec2-instance-connect:SendSSHPublicKey", "logs in to any instance, with the instance's role"},
}

// tables is the catalog-resolved form of the tables, built once per
// catalog.
type reviewTables struct {
	observability map[string]*observabilityRule // lower-case "prefix:name" → rule
	escalation    []escalationRule              // only rows whose action is in the catalog
}

var (
	reviewTablesMu    sync.Mutex
	reviewTablesByCat = map[*catalog.Catalog]*reviewTables{}
)

func reviewTablesFor(cat *catalog.Catalog) *reviewTables {
	reviewTablesMu.Lock()
	defer reviewTablesMu.Unlock()
	if t, ok := reviewTablesByCat[cat]; ok {
		return t
	}
	t := &reviewTables{observability: map[string]*observabilityRule{}}
	for i := range observabilityRules {
		r := &observabilityRules[i]
		for _, a := range cat.Match(r.Pattern) {
			if _, ok := a.ResourceType(r.ResourceType); r.ResourceType != "" && !ok {
				continue
			}
			key := strings.ToLower(a.FullName())
			if _, dup := t.observability[key]; !dup { // first row wins
				t.observability[key] = r
			}
		}
	}
	for _, r := range escalationRules {
		if _, ok := cat.Action(r.Action); ok {
			t.escalation = append(t.escalation, r)
		}
	}
	reviewTablesByCat[cat] = t
	return t
}
