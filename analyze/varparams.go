package analyze

import "strings"

// Where the variables of ARN templates come from.
//
// By default a variable takes the values of the request parameters whose
// last path segment is the variable's name or its plural, ignoring case:
// ${TableName} ← tableName, ${InstanceId} ← instanceId, instanceIds,
// instancesSet.items.instanceId. AWS APIs name their identifying
// parameters after the resource, which makes this right for most
// services. The table below covers the rest: variables whose parameter has
// another name (an EC2 security group is groupId, a CloudTrail trail is
// name), and values that need rewriting (SSM parameter names lose their
// leading slash, Secrets Manager names gain the random suffix).
//
// Variables too generic to match by name (${Id}, ${Name}, ${ResourceId},
// …) are filled only from this table.

// varSource says where one template variable's values come from.
type varSource struct {
	params []string
	// transform rewrites a value, or rejects it (false).
	transform func(string) (string, bool)
	// suffixWildcard: when no parameter has a value, the variable is a
	// unique suffix AWS adds to a name (CloudFormation stack IDs) and is
	// filled with "*" without making the ARN less specific.
	suffixWildcard bool
}

// serviceVars is keyed by "prefix:Variable" or, to tell apart resource
// types that share a variable name, "prefix:type:Variable"; lower-cased.
var serviceVars = map[string]varSource{
	// S3.
	"s3:bucketname": {params: []string{"bucketName", "bucket"}},
	"s3:objectname": {params: []string{"key"}},
	// SSM: the ARN holds the parameter name without its leading slash
	// (Service Authorization Reference, SSM "parameter" resource type).
	"ssm:parameternamewithoutleadingslash": {params: []string{"name", "names", "parameterName", "parameterNames"}, transform: stripLeadingSlash},
	"ssm:documentname":                     {params: []string{"documentName", "name"}, transform: customerDocument},
	"ssm:instanceid":                       {params: []string{"instanceId", "instanceIds", "targets.values"}, transform: ec2InstanceID},
	"ssm:associationid":                    {params: []string{"associationId"}},
	// An SSM managed instance (mi-…) shares ${InstanceId} with EC2 instances.
	"ssm:managed-instance:instanceid":           {params: []string{"instanceId", "instanceIds", "targets.values"}, transform: managedInstanceID},
	"ssm:managed-instance-inventory:instanceid": {params: []string{"instanceId", "instanceIds"}, transform: managedInstanceID},
	// Secrets Manager appends "-" and six random characters to every
	// secret's name; a policy that names a secret by name must match them
	// with "-??????" (Secrets Manager User Guide, "Resource: secret").
	"secretsmanager:secretid": {params: []string{"secretId", "name"}, transform: secretNameARNSuffix},
	// KMS: a key ID names a key; an alias is its own resource type.
	"kms:keyid": {params: []string{"keyId", "targetKeyId", "keyIds"}, transform: kmsKeyID},
	"kms:alias": {params: []string{"aliasName", "keyId"}, transform: kmsAliasName},
	// CloudTrail names a trail "name".
	"cloudtrail:trailname": {params: []string{"name", "trailName", "trailNameList"}},
	// CloudWatch.
	"cloudwatch:alarmname":     {params: []string{"alarmName", "alarmNames"}},
	"cloudwatch:dashboardname": {params: []string{"dashboardName", "dashboardNames"}},
	// Logs.
	"logs:loggroupname":  {params: []string{"logGroupName", "logGroupIdentifier", "logGroupNames"}},
	"logs:logstreamname": {params: []string{"logStreamName"}},
	// EC2 parameters named differently from the template variables.
	// A security group ID is "sg-…": RunInstances' placement.groupId names
	// a placement group ("pg-…") under the same last segment.
	"ec2:securitygroupid": {params: []string{"groupId", "groupIds", "securityGroupId", "securityGroupIds", "groupSet.items.groupId", "securityGroupIdSet.items.securityGroupId"}, transform: ec2SecurityGroupID},
	// RunInstances lists the resource-groups "group" type for a capacity
	// reservation group, named by ARN; its placement.groupName is a
	// placement group, not that group's name.
	"ec2:group:groupname": {},
	"ec2:keypairname":     {params: []string{"keyName"}},
	// RunInstances names its placement group in placement.groupName; the
	// ARN takes the name (a placement.groupId covers any group, see
	// evaluatedTypes).
	"ec2:placementgroupname": {params: []string{"placement.groupName", "placementGroupName"}},
	"ec2:naclid":             {params: []string{"networkAclId"}},
	"ec2:vpcflowlogid":       {params: []string{"flowLogId", "flowLogIds", "DeleteFlowLogsRequest.FlowLogId"}},
	"ec2:instanceid":         {params: []string{"instanceId", "instanceIds", "instancesSet.items.instanceId"}, transform: ec2InstanceID},
	// RDS uses "…Identifier" parameters.
	"rds:dbinstancename":            {params: []string{"dBInstanceIdentifier", "dbInstanceIdentifier", "sourceDBInstanceIdentifier"}},
	"rds:dbclusterinstancename":     {params: []string{"dBClusterIdentifier", "dbClusterIdentifier"}},
	"rds:snapshotname":              {params: []string{"dBSnapshotIdentifier", "dbSnapshotIdentifier"}},
	"rds:clustersnapshotname":       {params: []string{"dBClusterSnapshotIdentifier", "dbClusterSnapshotIdentifier"}},
	"rds:subnetgroupname":           {params: []string{"dBSubnetGroupName", "dbSubnetGroupName"}},
	"rds:parametergroupname":        {params: []string{"dBParameterGroupName", "dbParameterGroupName"}},
	"rds:clusterparametergroupname": {params: []string{"dBClusterParameterGroupName", "dbClusterParameterGroupName"}},
	"rds:optiongroupname":           {params: []string{"optionGroupName"}},
	"rds:subscriptionname":          {params: []string{"subscriptionName"}},
	// SNS and SQS resources named at creation.
	"sns:topicname": {params: []string{"name"}},
	"sqs:queuename": {params: []string{"queueName", "queueNamePrefix"}},
	// Step Functions, EKS, ECS names.
	"states:statemachinename": {params: []string{"stateMachineName"}},
	"eks:clustername":         {params: []string{"clusterName", "name"}},
	"ecs:clustername":         {params: []string{"cluster", "clusterName"}},
	// CloudFormation stack ARNs end with a unique ID.
	"cloudformation:stackname": {params: []string{"stackName"}},
	"cloudformation:id":        {suffixWildcard: true},
	// CloudFront and Glue name resources "id" and "name".
	"cloudfront:distributionid": {params: []string{"id", "distributionId"}},
	"glue:jobname":              {params: []string{"jobName", "name"}},
	"glue:crawlername":          {params: []string{"crawlerName", "name"}},
	// ECS task definitions: the family, and a revision the call assigns.
	"ecs:taskdefinitionfamilyname":     {params: []string{"family"}},
	"ecs:taskdefinitionrevisionnumber": {suffixWildcard: true},
	// Pinpoint names apps "applicationId".
	"mobiletargeting:appid": {params: []string{"applicationId"}},
	// Budgets.
	"budgets:budgetname": {params: []string{"budgetName", "budget.budgetName"}},
	// API Gateway management paths.
	"apigateway:restapiid":      {params: []string{"restApiId"}},
	"apigateway:resourceid":     {params: []string{"resourceId"}},
	"apigateway:apiid":          {params: []string{"apiId"}},
	"apigateway:stagename":      {params: []string{"stageName"}},
	"apigateway:deploymentid":   {params: []string{"deploymentId"}},
	"apigateway:authorizerid":   {params: []string{"authorizerId"}},
	"apigateway:modelname":      {params: []string{"modelName"}},
	"apigateway:vpclinkid":      {params: []string{"vpcLinkId"}},
	"apigateway:usageplanid":    {params: []string{"usagePlanId"}},
	"apigateway:apikeyid":       {params: []string{"apiKey", "apiKeyId"}},
	"apigateway:domainname":     {params: []string{"domainName"}},
	"apigateway:basepath":       {params: []string{"basePath"}},
	"apigateway:integrationid":  {params: []string{"integrationId"}},
	"apigateway:routeid":        {params: []string{"routeId"}},
	"apigateway:httpmethodtype": {params: []string{"httpMethod"}},
	// Lambda layers and functions are handled by the generic rule; the
	// function's partial ARN forms are in lambdaFunctionARNs.
	"lambda:functionname": {params: []string{"functionName"}, transform: lambdaFunctionName},
	// DynamoDB.
	"dynamodb:tablename": {params: []string{"tableName", "tableNames", "globalTableName"}},
}

// genericVariables are too vague to be filled from a parameter of the same
// name: a parameter "name" or "id" of one call is not the ${Name} or ${Id}
// of every resource type the call's action lists.
var genericVariables = map[string]bool{
	"id": true, "name": true, "resourceid": true, "resourcename": true, "identifier": true,
	"arn": true, "uuid": true, "version": true, "versionid": true, "scope": true,
	"catalog": true, "category": true, "provider": true, "token": true, "type": true,
	"accountid": true, "account": true, "region": true, "partition": true, "key": true,
	"resourcepath": true, "path": true, "prefix": true, "value": true,
}

func stripLeadingSlash(v string) (string, bool) {
	v = strings.TrimPrefix(v, "/")
	return v, v != ""
}

// secretNameARNSuffix turns a secret name into the ARN's name part. A value
// that already holds a wildcard (a coarsened row) is kept.
func secretNameARNSuffix(v string) (string, bool) {
	if strings.Contains(v, "*") {
		return v, true
	}
	return v + "-??????", true
}

// kmsKeyID accepts key IDs (and multi-Region key IDs), not aliases.
func kmsKeyID(v string) (string, bool) {
	if strings.HasPrefix(v, "alias/") {
		return "", false
	}
	return v, true
}

// kmsAliasName accepts "alias/NAME" and gives the ARN's alias part.
func kmsAliasName(v string) (string, bool) {
	name, ok := strings.CutPrefix(v, "alias/")
	return name, ok && name != ""
}

// customerDocument rejects documents owned by AWS, whose ARNs have no
// account ("arn:aws:ssm:us-east-1::document/AWS-RunShellScript"); they are
// built by awsOwnedDocumentARNs.
func customerDocument(v string) (string, bool) {
	if awsOwnedDocument(v) {
		return "", false
	}
	return v, true
}

func awsOwnedDocument(name string) bool {
	return strings.HasPrefix(name, "AWS-") || strings.HasPrefix(name, "AWSSupport-") ||
		strings.HasPrefix(name, "AWSEC2-") || strings.HasPrefix(name, "AWSConfigRemediation-") ||
		strings.HasPrefix(name, "AWSFleetManager-") || strings.HasPrefix(name, "AmazonCloudWatch-") ||
		strings.HasPrefix(name, "AmazonInspector") || strings.HasPrefix(name, "AWSResilienceHub-") ||
		strings.HasPrefix(name, "AWSSSO-") || strings.HasPrefix(name, "AmazonEKS-") ||
		strings.HasPrefix(name, "AWSDocs-") || strings.HasPrefix(name, "AWSQuickSetupType-") ||
		strings.HasPrefix(name, "SSM-")
}

// ec2InstanceID accepts EC2 instance IDs; SSM managed instances (mi-…)
// are another resource type.
func ec2InstanceID(v string) (string, bool) {
	return v, strings.HasPrefix(v, "i-") || strings.Contains(v, "*")
}

// ec2SecurityGroupID accepts security group IDs (and coarsened values).
func ec2SecurityGroupID(v string) (string, bool) {
	return v, strings.HasPrefix(v, "sg-") || strings.Contains(v, "*")
}

// managedInstanceID accepts SSM managed instance IDs.
func managedInstanceID(v string) (string, bool) {
	return v, strings.HasPrefix(v, "mi-") || strings.Contains(v, "*")
}

// lambdaFunctionName accepts a function name, optionally with a version or
// alias qualifier ("name:prod"); ARNs and partial ARNs
// ("123456789012:function:name") are handled as ARNs.
func lambdaFunctionName(v string) (string, bool) {
	if strings.Contains(v, ":function:") {
		return "", false
	}
	return v, true
}
