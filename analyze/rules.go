package analyze

import "strings"

// The rules: what an event needs when that is not simply
// "<prefix>:<eventName>" on the resources the event names.
//
// A rule lists the actions the call is authorized against, and nothing
// more: a call that may touch other actions depending on headers or on the
// state of the resource (a source object's tags, a bucket's versioning) is
// mapped to what it is always authorized against, and the conditional ones
// only when the event shows the condition. Every action named here is
// checked against the catalog by TestRulesExistInCatalog.

// resKind says how the resources of one rule action are found.
type resKind uint8

const (
	// resAuto: the event's resources[] list, request parameters that are
	// ARNs, and the action's ARN templates filled from request parameters.
	resAuto resKind = iota
	// resParams: ARN templates filled from request parameters only, for
	// events whose resources[] also lists resources of other actions
	// (CopyObject lists the source object too).
	resParams
	// resCopySource: the source object of CopyObject/UploadPartCopy, from
	// x-amz-copy-source.
	resCopySource
	// resDeleteObjects: the objects of DeleteObjects.
	resDeleteObjects
	// resRole: a role passed in the parameters named by the rule.
	resRole
	// resInstanceProfile: the role of an instance profile passed in the
	// parameters named by the rule.
	resInstanceProfile
	// resKMSSource, resKMSDestination: the two keys of kms:ReEncrypt.
	resKMSSource
	resKMSDestination
	// resAPIGateway: an API Gateway management path ARN.
	resAPIGateway
	// resPartiQL: the table named in a DynamoDB PartiQL statement.
	resPartiQL
	// resCreated: the resources of the types named by params that the
	// call creates (tag-on-create).
	resCreated
)

// condition restricts a rule action to events that show what it depends on.
type condition struct {
	param  string // a parameter (dotted path, or its last segment) that must be present…
	absent bool   // …or absent
	// valueNot, when set, also requires the parameter's value to differ
	// from it (x-amz-acl "private" needs no ACL permission).
	valueNot string
	// valueIs, when set, requires the parameter's value to equal it,
	// ignoring case.
	valueIs string
	// copySource, when set, requires the copy source to name a version
	// (copyVersioned) or not (copyCurrent).
	copySource copySourceCondition
	// segment, when set, requires a parameter whose dotted path has a
	// segment of this name (alternatives separated by "|"), ignoring case:
	// "tagSpecificationSet" is set by every tag kept under it.
	segment string
}

type copySourceCondition uint8

const (
	copyAny copySourceCondition = iota
	copyCurrent
	copyVersioned
)

// ruleAction is one action an event needs.
type ruleAction struct {
	action    string // catalog action, "prefix:Name"
	res       resKind
	params    []string // for resRole and resInstanceProfile: where the role or profile is
	companion bool
	when      condition
}

// rule is what one event needs. A rule with no actions is an event that
// needs no permission of its caller (see permissionless).
type rule struct {
	actions []ruleAction
	// partiql: the action depends on the statement's verb (ExecuteStatement
	// and friends); actions is then empty.
	partiql bool
}

func one(action string) rule { return rule{actions: []ruleAction{{action: action}}} }

// versioned is an S3 object call that is authorized against a different
// action when it names a version (the S3 API reference for each operation:
// "to … a specific version, you need s3:…Version").
func versioned(action, versionAction string) rule {
	return rule{actions: []ruleAction{
		{action: action, when: condition{param: "versionId", absent: true}},
		{action: versionAction, when: condition{param: "versionId"}},
	}}
}

// objectWrite is an S3 call that creates an object: s3:PutObject, plus
// s3:PutObjectAcl when the request sets an ACL and s3:PutObjectTagging when
// it sets tags (S3 API reference, PutObject "Permissions"). The headers
// are conditions because ingest may not keep them.
func objectWrite(res resKind) []ruleAction {
	return []ruleAction{
		{action: "s3:PutObject", res: res},
		{action: "s3:PutObjectAcl", res: res, companion: true, when: condition{param: "x-amz-acl"}},
		{action: "s3:PutObjectAcl", res: res, companion: true, when: condition{param: "x-amz-grant-read"}},
		{action: "s3:PutObjectAcl", res: res, companion: true, when: condition{param: "x-amz-grant-full-control"}},
		{action: "s3:PutObjectTagging", res: res, companion: true, when: condition{param: "x-amz-tagging"}},
	}
}

// objectCopy is CopyObject and UploadPartCopy: read the source, write the
// target (S3 API reference, CopyObject: "you must have read access to the
// source object and write access to the destination bucket").
func objectCopy() rule {
	return rule{actions: append(copySource(), objectWrite(resParams)...)}
}

// copySource reads the source of a copy: s3:GetObject, or
// s3:GetObjectVersion when x-amz-copy-source names a version (S3 API
// reference, CopyObject: "to copy a specific version, you need
// s3:GetObjectVersion").
func copySource() []ruleAction {
	return []ruleAction{
		{action: "s3:GetObject", res: resCopySource, companion: true, when: condition{copySource: copyCurrent}},
		{action: "s3:GetObjectVersion", res: resCopySource, companion: true, when: condition{copySource: copyVersioned}},
	}
}

// passRole is the iam:PassRole companion on a role named in params.
func passRole(params ...string) ruleAction {
	return ruleAction{action: "iam:PassRole", res: resRole, params: params, companion: true, when: condition{param: anyOf(params)}}
}

// anyOf encodes several alternative parameter names for a condition.
func anyOf(params []string) string { return strings.Join(params, "|") }

// withPassRole is the event's own action plus iam:PassRole on the role
// in params: services that take a role to act with check that the caller
// may pass it (IAM User Guide, "Granting a user permissions to pass a role
// to an AWS service").
func withPassRole(action string, params ...string) rule {
	return rule{actions: []ruleAction{{action: action}, passRole(params...)}}
}

// rules is keyed by "prefix:eventName" (API-version suffix stripped),
// lower-cased.
var rules = map[string]rule{}

func addRules(m map[string]rule) {
	for k, r := range m {
		rules[strings.ToLower(k)] = r
	}
}

func init() {
	addRules(s3Rules)
	addRules(otherRules)
	for k, types := range tagOnCreate {
		prefix, _, _ := strings.Cut(k, ":")
		t := tagActions[prefix]
		ra := ruleAction{action: t.action, res: resCreated, params: types, companion: true, when: condition{segment: t.segments}}
		if r, ok := rules[strings.ToLower(k)]; ok {
			r.actions = append(r.actions, ra)
			rules[strings.ToLower(k)] = r
			continue
		}
		rules[strings.ToLower(k)] = rule{actions: []ruleAction{{action: k}, ra}}
	}
	for k, params := range passRoleRules {
		action := k
		if r, ok := rules[strings.ToLower(k)]; ok {
			r.actions = append(r.actions, passRole(params...))
			rules[strings.ToLower(k)] = r
			continue
		}
		rules[strings.ToLower(k)] = withPassRole(action, params...)
	}
}

// s3Rules: S3 REST operation names as CloudTrail logs them, mapped to the
// permission each operation needs (S3 API reference, "Permissions" section
// of each operation; Service Authorization Reference for Amazon S3).
var s3Rules = map[string]rule{
	// Listing.
	"s3:ListObjects":          one("s3:ListBucket"),
	"s3:ListObjectsV2":        one("s3:ListBucket"),
	"s3:ListObjectVersions":   one("s3:ListBucketVersions"),
	"s3:HeadBucket":           one("s3:ListBucket"),
	"s3:ListBuckets":          one("s3:ListAllMyBuckets"),
	"s3:ListMultipartUploads": one("s3:ListBucketMultipartUploads"),
	"s3:ListParts":            one("s3:ListMultipartUploadParts"),

	// Objects.
	"s3:GetObject":           versioned("s3:GetObject", "s3:GetObjectVersion"),
	"s3:HeadObject":          versioned("s3:GetObject", "s3:GetObjectVersion"),
	"s3:SelectObjectContent": one("s3:GetObject"),
	"s3:GetObjectAcl":        versioned("s3:GetObjectAcl", "s3:GetObjectVersionAcl"),
	"s3:PutObjectAcl":        versioned("s3:PutObjectAcl", "s3:PutObjectVersionAcl"),
	"s3:GetObjectTagging":    versioned("s3:GetObjectTagging", "s3:GetObjectVersionTagging"),
	"s3:PutObjectTagging":    versioned("s3:PutObjectTagging", "s3:PutObjectVersionTagging"),
	"s3:DeleteObjectTagging": versioned("s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"),
	"s3:DeleteObject":        versioned("s3:DeleteObject", "s3:DeleteObjectVersion"),
	"s3:GetObjectAttributes": versioned("s3:GetObjectAttributes", "s3:GetObjectVersionAttributes"),
	"s3:DeleteObjects":       {actions: []ruleAction{{action: "s3:DeleteObject", res: resDeleteObjects}}},
	"s3:PutObject":           {actions: objectWrite(resAuto)},
	"s3:CopyObject":          objectCopy(),
	"s3:UploadPartCopy":      {actions: append(copySource(), ruleAction{action: "s3:PutObject", res: resParams})},
	// Multipart uploads are authorized as s3:PutObject at every step.
	"s3:CreateMultipartUpload":   {actions: objectWrite(resAuto)},
	"s3:InitiateMultipartUpload": {actions: objectWrite(resAuto)},
	"s3:UploadPart":              one("s3:PutObject"),
	"s3:CompleteMultipartUpload": one("s3:PutObject"),

	// Bucket subresources whose operation name differs from the action.
	"s3:GetBucketLifecycle":                          one("s3:GetLifecycleConfiguration"),
	"s3:GetBucketLifecycleConfiguration":             one("s3:GetLifecycleConfiguration"),
	"s3:PutBucketLifecycle":                          one("s3:PutLifecycleConfiguration"),
	"s3:PutBucketLifecycleConfiguration":             one("s3:PutLifecycleConfiguration"),
	"s3:DeleteBucketLifecycle":                       one("s3:PutLifecycleConfiguration"),
	"s3:GetBucketEncryption":                         one("s3:GetEncryptionConfiguration"),
	"s3:PutBucketEncryption":                         one("s3:PutEncryptionConfiguration"),
	"s3:DeleteBucketEncryption":                      one("s3:PutEncryptionConfiguration"),
	"s3:GetBucketReplication":                        one("s3:GetReplicationConfiguration"),
	"s3:DeleteBucketReplication":                     one("s3:PutReplicationConfiguration"),
	"s3:PutBucketReplication":                        withPassRole("s3:PutReplicationConfiguration", "ReplicationConfiguration.Role"),
	"s3:DeleteBucketCors":                            one("s3:PutBucketCORS"),
	"s3:DeleteBucketTagging":                         one("s3:PutBucketTagging"),
	"s3:DeleteBucketOwnershipControls":               one("s3:PutBucketOwnershipControls"),
	"s3:GetBucketAccelerateConfiguration":            one("s3:GetAccelerateConfiguration"),
	"s3:PutBucketAccelerateConfiguration":            one("s3:PutAccelerateConfiguration"),
	"s3:GetBucketNotificationConfiguration":          one("s3:GetBucketNotification"),
	"s3:PutBucketNotificationConfiguration":          one("s3:PutBucketNotification"),
	"s3:GetObjectLockConfiguration":                  one("s3:GetBucketObjectLockConfiguration"),
	"s3:PutObjectLockConfiguration":                  one("s3:PutBucketObjectLockConfiguration"),
	"s3:GetPublicAccessBlock":                        one("s3:GetBucketPublicAccessBlock"),
	"s3:PutPublicAccessBlock":                        one("s3:PutBucketPublicAccessBlock"),
	"s3:DeletePublicAccessBlock":                     one("s3:PutBucketPublicAccessBlock"),
	"s3:DeleteBucketPublicAccessBlock":               one("s3:PutBucketPublicAccessBlock"),
	"s3:DeleteAccountPublicAccessBlock":              one("s3:PutAccountPublicAccessBlock"),
	"s3:GetBucketAnalyticsConfiguration":             one("s3:GetAnalyticsConfiguration"),
	"s3:PutBucketAnalyticsConfiguration":             one("s3:PutAnalyticsConfiguration"),
	"s3:DeleteBucketAnalyticsConfiguration":          one("s3:PutAnalyticsConfiguration"),
	"s3:ListBucketAnalyticsConfigurations":           one("s3:GetAnalyticsConfiguration"),
	"s3:GetBucketMetricsConfiguration":               one("s3:GetMetricsConfiguration"),
	"s3:PutBucketMetricsConfiguration":               one("s3:PutMetricsConfiguration"),
	"s3:DeleteBucketMetricsConfiguration":            one("s3:PutMetricsConfiguration"),
	"s3:ListBucketMetricsConfigurations":             one("s3:GetMetricsConfiguration"),
	"s3:GetBucketInventoryConfiguration":             one("s3:GetInventoryConfiguration"),
	"s3:PutBucketInventoryConfiguration":             one("s3:PutInventoryConfiguration"),
	"s3:DeleteBucketInventoryConfiguration":          one("s3:PutInventoryConfiguration"),
	"s3:ListBucketInventoryConfigurations":           one("s3:GetInventoryConfiguration"),
	"s3:GetBucketIntelligentTieringConfiguration":    one("s3:GetIntelligentTieringConfiguration"),
	"s3:PutBucketIntelligentTieringConfiguration":    one("s3:PutIntelligentTieringConfiguration"),
	"s3:DeleteBucketIntelligentTieringConfiguration": one("s3:PutIntelligentTieringConfiguration"),
	"s3:ListBucketIntelligentTieringConfigurations":  one("s3:GetIntelligentTieringConfiguration"),
	// CreateBucket needs s3:PutBucketAcl only for a non-private ACL (S3 API
	// reference, CreateBucket "Permissions").
	"s3:CreateBucket": {actions: []ruleAction{
		{action: "s3:CreateBucket"},
		{action: "s3:PutBucketAcl", companion: true, when: condition{param: "x-amz-acl", valueNot: "private"}},
		{action: "s3:PutBucketAcl", companion: true, when: condition{param: "x-amz-grant-full-control"}},
		{action: "s3:PutBucketAcl", companion: true, when: condition{param: "x-amz-grant-read"}},
		{action: "s3:PutBucketObjectLockConfiguration", companion: true, when: condition{param: "x-amz-bucket-object-lock-enabled"}},
		{action: "s3:PutBucketVersioning", companion: true, when: condition{param: "x-amz-bucket-object-lock-enabled"}},
		{action: "s3:PutBucketOwnershipControls", companion: true, when: condition{param: "x-amz-object-ownership"}},
	}},
	// The S3 console's Storage Lens dashboard reads through an internal
	// operation that the s3:GetStorageLensDashboard permission governs.
	"s3:GetStorageLensDashboardDataInternal": one("s3:GetStorageLensDashboard"),
}

// otherRules: renames and multi-action events outside S3.
var otherRules = map[string]rule{
	// Lambda's data-plane names.
	"lambda:Invoke":                   one("lambda:InvokeFunction"),
	"lambda:InvokeWithResponseStream": one("lambda:InvokeFunction"),
	// kms:ReEncrypt is authorized on the source key (ReEncryptFrom) and on
	// the destination key (ReEncryptTo) (KMS Developer Guide, ReEncrypt).
	"kms:ReEncrypt": {actions: []ruleAction{
		{action: "kms:ReEncryptFrom", res: resKMSSource},
		{action: "kms:ReEncryptTo", res: resKMSDestination},
	}},
	// DynamoDB PartiQL: the action follows the statement's verb.
	"dynamodb:ExecuteStatement":      {partiql: true},
	"dynamodb:BatchExecuteStatement": {partiql: true},
	"dynamodb:ExecuteTransaction":    {partiql: true},
	// EC2: an instance profile passes its role.
	"ec2:RunInstances": {actions: []ruleAction{
		{action: "ec2:RunInstances"},
		{action: "iam:PassRole", res: resInstanceProfile, companion: true, params: []string{"iamInstanceProfile.arn", "iamInstanceProfile.name"}, when: condition{param: "iamInstanceProfile.arn|iamInstanceProfile.name"}},
	}},
	"ec2:AssociateIamInstanceProfile": {actions: []ruleAction{
		{action: "ec2:AssociateIamInstanceProfile"},
		{action: "iam:PassRole", res: resInstanceProfile, companion: true, params: []string{"iamInstanceProfile.arn", "iamInstanceProfile.name"}, when: condition{param: "iamInstanceProfile.arn|iamInstanceProfile.name"}},
	}},
	"ec2:ReplaceIamInstanceProfileAssociation": {actions: []ruleAction{
		{action: "ec2:ReplaceIamInstanceProfileAssociation"},
		{action: "iam:PassRole", res: resInstanceProfile, companion: true, params: []string{"iamInstanceProfile.arn", "iamInstanceProfile.name"}, when: condition{param: "iamInstanceProfile.arn|iamInstanceProfile.name"}},
	}},
	// AWS Budgets authorizes every API call against two actions (Service
	// Authorization Reference for AWS Budgets: "budgets:ModifyBudget" and
	// "budgets:ViewBudget" cover the budget, notification and subscriber
	// calls).
	"budgets:CreateBudget":                       one("budgets:ModifyBudget"),
	"budgets:UpdateBudget":                       one("budgets:ModifyBudget"),
	"budgets:DeleteBudget":                       one("budgets:ModifyBudget"),
	"budgets:CreateNotification":                 one("budgets:ModifyBudget"),
	"budgets:UpdateNotification":                 one("budgets:ModifyBudget"),
	"budgets:DeleteNotification":                 one("budgets:ModifyBudget"),
	"budgets:CreateSubscriber":                   one("budgets:ModifyBudget"),
	"budgets:UpdateSubscriber":                   one("budgets:ModifyBudget"),
	"budgets:DeleteSubscriber":                   one("budgets:ModifyBudget"),
	"budgets:DescribeBudget":                     one("budgets:ViewBudget"),
	"budgets:DescribeBudgets":                    one("budgets:ViewBudget"),
	"budgets:DescribeNotificationsForBudget":     one("budgets:ViewBudget"),
	"budgets:DescribeSubscribersForNotification": one("budgets:ViewBudget"),
	"budgets:DescribeBudgetPerformanceHistory":   one("budgets:ViewBudget"),
}

// passRoleRules: calls that take a role for the service to act with, by
// the parameters that hold it (a role ARN, or for Glue a role name). The
// call's own action is added by init.
var passRoleRules = map[string][]string{
	// "The caller of this operation must be granted the PassRole
	// permission on the IAM role" (IAM API reference,
	// AddRoleToInstanceProfile).
	"iam:AddRoleToInstanceProfile":          {"roleName"},
	"lambda:CreateFunction":                 {"role"},
	"lambda:UpdateFunctionConfiguration":    {"role"},
	"cloudformation:CreateStack":            {"roleARN"},
	"cloudformation:UpdateStack":            {"roleARN"},
	"cloudformation:DeleteStack":            {"roleARN"},
	"cloudformation:CreateChangeSet":        {"roleARN"},
	"cloudformation:CreateStackSet":         {"administrationRoleARN"},
	"cloudformation:UpdateStackSet":         {"administrationRoleARN"},
	"ecs:RegisterTaskDefinition":            {"taskRoleArn", "executionRoleArn"},
	"ecs:RunTask":                           {"overrides.taskRoleArn", "overrides.executionRoleArn"},
	"ecs:StartTask":                         {"overrides.taskRoleArn", "overrides.executionRoleArn"},
	"ecs:CreateService":                     {"role"},
	"glue:CreateJob":                        {"role"},
	"glue:UpdateJob":                        {"jobUpdate.role"},
	"glue:CreateCrawler":                    {"role"},
	"glue:UpdateCrawler":                    {"role"},
	"glue:CreateDevEndpoint":                {"roleArn"},
	"glue:CreateSession":                    {"role"},
	"glue:CreateMLTransform":                {"role"},
	"codebuild:CreateProject":               {"serviceRole"},
	"codebuild:UpdateProject":               {"serviceRole"},
	"states:CreateStateMachine":             {"roleArn"},
	"states:UpdateStateMachine":             {"roleArn"},
	"events:PutTargets":                     {"targets.roleArn"},
	"events:PutRule":                        {"roleArn"},
	"scheduler:CreateSchedule":              {"target.roleArn"},
	"scheduler:UpdateSchedule":              {"target.roleArn"},
	"sagemaker:CreateNotebookInstance":      {"roleArn"},
	"sagemaker:CreateTrainingJob":           {"roleArn"},
	"sagemaker:CreateProcessingJob":         {"roleArn"},
	"sagemaker:CreateModel":                 {"executionRoleArn"},
	"eks:CreateCluster":                     {"roleArn"},
	"eks:CreateNodegroup":                   {"nodeRole"},
	"eks:CreateFargateProfile":              {"podExecutionRoleArn"},
	"ec2:CreateFlowLogs":                    {"deliverLogsPermissionArn", "CreateFlowLogsRequest.DeliverLogsPermissionArn"},
	"cloudtrail:CreateTrail":                {"cloudWatchLogsRoleArn"},
	"cloudtrail:UpdateTrail":                {"cloudWatchLogsRoleArn"},
	"config:PutConfigurationRecorder":       {"configurationRecorder.roleARN"},
	"logs:PutDestination":                   {"roleArn"},
	"logs:PutSubscriptionFilter":            {"roleArn"},
	"codepipeline:CreatePipeline":           {"pipeline.roleArn"},
	"codepipeline:UpdatePipeline":           {"pipeline.roleArn"},
	"backup:StartBackupJob":                 {"iamRoleArn"},
	"backup:CreateBackupSelection":          {"backupSelection.iamRoleArn"},
	"batch:CreateComputeEnvironment":        {"serviceRole"},
	"batch:RegisterJobDefinition":           {"containerProperties.jobRoleArn", "containerProperties.executionRoleArn"},
	"rds:AddRoleToDBCluster":                {"roleArn"},
	"rds:AddRoleToDBInstance":               {"roleArn"},
	"rds:CreateDBInstance":                  {"monitoringRoleArn"},
	"rds:ModifyDBInstance":                  {"monitoringRoleArn"},
	"ssm:SendCommand":                       {"serviceRoleArn"},
	"ssm:RegisterTaskWithMaintenanceWindow": {"serviceRoleArn"},
	"firehose:CreateDeliveryStream":         {"s3DestinationConfiguration.roleARN", "extendedS3DestinationConfiguration.roleARN", "kinesisStreamSourceConfiguration.roleARN"},
	"iot:CreateTopicRule":                   {"topicRulePayload.actions.roleArn"},
	"elasticmapreduce:RunJobFlow":           {"serviceRole"},
	"datasync:CreateLocationS3":             {"s3Config.bucketAccessRoleArn"},
	"appsync:CreateDataSource":              {"serviceRoleArn"},
	"redshift:CreateCluster":                {"iamRoles"},
}

// Tag on create. EC2 and RDS authorize tags given to a create call as a
// second action on the new resource: "If tags are specified in the
// resource-creating action, Amazon performs additional authorization on
// the ec2:CreateTags action" (EC2 User Guide, "Grant permission to tag
// resources during creation"); "If tags are specified in the create
// action, RDS performs additional authorization on the
// rds:AddTagsToResource action" (RDS User Guide, "Grant permission to tag
// Amazon RDS resources during creation").
var tagActions = map[string]struct{ action, segments string }{
	"ec2": {"ec2:CreateTags", "tagSpecificationSet|TagSpecification"},
	"rds": {"rds:AddTagsToResource", "tags"},
}

// tagOnCreate lists the create calls that take tags, with the resource
// types they create. RunInstances can tag the instance, its volumes and its
// network interfaces; which of them a request tags is in
// tagSpecificationSet.items.resourceType, which ingest does not keep, so
// all three are listed.
var tagOnCreate = map[string][]string{
	"ec2:RunInstances":                    {"instance", "volume", "network-interface"},
	"ec2:CreateVpc":                       {"vpc"},
	"ec2:CreateSubnet":                    {"subnet"},
	"ec2:CreateRouteTable":                {"route-table"},
	"ec2:CreateInternetGateway":           {"internet-gateway"},
	"ec2:CreateEgressOnlyInternetGateway": {"egress-only-internet-gateway"},
	"ec2:CreateNatGateway":                {"natgateway"},
	"ec2:CreateSecurityGroup":             {"security-group"},
	"ec2:CreateNetworkInterface":          {"network-interface"},
	"ec2:CreateNetworkAcl":                {"network-acl"},
	"ec2:CreateVolume":                    {"volume"},
	"ec2:CreateSnapshot":                  {"snapshot"},
	"ec2:CopySnapshot":                    {"snapshot"},
	"ec2:CreateFlowLogs":                  {"vpc-flow-log"},
	"ec2:AllocateAddress":                 {"elastic-ip"},
	"ec2:CreateLaunchTemplate":            {"launch-template"},
	"ec2:CreateKeyPair":                   {"key-pair"},
	"ec2:ImportKeyPair":                   {"key-pair"},
	"ec2:CreateImage":                     {"image", "snapshot"},
	"ec2:CopyImage":                       {"image"},
	"ec2:RegisterImage":                   {"image"},
	"ec2:CreateVpcEndpoint":               {"vpc-endpoint"},
	"ec2:CreateDhcpOptions":               {"dhcp-options"},
	"ec2:CreateVpcPeeringConnection":      {"vpc-peering-connection"},
	"ec2:CreatePlacementGroup":            {"placement-group"},
	"ec2:CreateCustomerGateway":           {"customer-gateway"},
	"ec2:CreateVpnGateway":                {"vpn-gateway"},
	"rds:CreateDBInstance":                {"db"},
	"rds:CreateDBInstanceReadReplica":     {"db"},
	"rds:RestoreDBInstanceFromDBSnapshot": {"db"},
	"rds:CreateDBCluster":                 {"cluster"},
	"rds:CreateDBSnapshot":                {"snapshot"},
	"rds:CopyDBSnapshot":                  {"snapshot"},
	"rds:CreateDBClusterSnapshot":         {"cluster-snapshot"},
	"rds:CreateDBSubnetGroup":             {"subgrp"},
	"rds:CreateDBParameterGroup":          {"pg"},
	"rds:CreateDBClusterParameterGroup":   {"cluster-pg"},
	"rds:CreateOptionGroup":               {"og"},
	"rds:CreateEventSubscription":         {"es"},
}
