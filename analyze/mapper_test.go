package analyze

import (
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/analyze/policy"
	"github.com/iamtailor/iamtailor/ingest/store"
)

const (
	s3Src     = "s3.amazonaws.com"
	bucketARN = "arn:aws:s3:::b"
)

// TestMapActions covers every rename, multi-action rule, companion and
// resource builder: the actions and resources each event maps to.
func TestMapActions(t *testing.T) {
	ap := "arn:aws:apigateway:us-east-1::"
	cases := []struct {
		name string
		row  []rowOpt
		src  string
		ev   string
		want []string
	}{
		// S3 REST names.
		{"ListObjects is ListBucket on the bucket", []rowOpt{params("bucketName", "b", "prefix", "")}, s3Src, "ListObjects", []string{"s3:ListBucket " + bucketARN}},
		{"ListObjectsV2 is ListBucket", []rowOpt{params("bucketName", "b")}, s3Src, "ListObjectsV2", []string{"s3:ListBucket " + bucketARN}},
		{"ListObjectVersions is ListBucketVersions", []rowOpt{params("bucketName", "b")}, s3Src, "ListObjectVersions", []string{"s3:ListBucketVersions " + bucketARN}},
		{"HeadBucket is ListBucket", []rowOpt{params("bucketName", "b")}, s3Src, "HeadBucket", []string{"s3:ListBucket " + bucketARN}},
		{"HeadObject is GetObject", []rowOpt{params("bucketName", "b", "key", "k/1.txt")}, s3Src, "HeadObject", []string{"s3:GetObject arn:aws:s3:::b/k/1.txt"}},
		{"HeadObject of a version is GetObjectVersion", []rowOpt{params("bucketName", "b", "key", "k", "versionId", "v1")}, s3Src, "HeadObject", []string{"s3:GetObjectVersion arn:aws:s3:::b/k"}},
		{"GetObject from resources[]", []rowOpt{resources("arn:aws:s3:::b/x", bucketARN)}, s3Src, "GetObject", []string{"s3:GetObject arn:aws:s3:::b/x"}},
		{"GetObject of a version", []rowOpt{params("bucketName", "b", "key", "x", "versionId", "3")}, s3Src, "GetObject", []string{"s3:GetObjectVersion arn:aws:s3:::b/x"}},
		{"ListBuckets is ListAllMyBuckets", nil, s3Src, "ListBuckets", []string{"s3:ListAllMyBuckets *"}},
		{"GetBucketLifecycle", []rowOpt{params("bucketName", "b")}, s3Src, "GetBucketLifecycle", []string{"s3:GetLifecycleConfiguration " + bucketARN}},
		{"PutBucketLifecycle", []rowOpt{params("bucketName", "b")}, s3Src, "PutBucketLifecycle", []string{"s3:PutLifecycleConfiguration " + bucketARN}},
		{"DeleteBucketLifecycle is PutLifecycleConfiguration", []rowOpt{params("bucketName", "b")}, s3Src, "DeleteBucketLifecycle", []string{"s3:PutLifecycleConfiguration " + bucketARN}},
		{"GetBucketEncryption", []rowOpt{params("bucketName", "b")}, s3Src, "GetBucketEncryption", []string{"s3:GetEncryptionConfiguration " + bucketARN}},
		{"PutBucketEncryption", []rowOpt{params("bucketName", "b")}, s3Src, "PutBucketEncryption", []string{"s3:PutEncryptionConfiguration " + bucketARN}},
		{"DeleteBucketEncryption is PutEncryptionConfiguration", []rowOpt{params("bucketName", "b")}, s3Src, "DeleteBucketEncryption", []string{"s3:PutEncryptionConfiguration " + bucketARN}},
		{"GetBucketPolicyStatus as the catalog has it", []rowOpt{params("bucketName", "b")}, s3Src, "GetBucketPolicyStatus", []string{"s3:GetBucketPolicyStatus " + bucketARN}},
		{"GetBucketCors in catalog casing", []rowOpt{params("bucketName", "b")}, s3Src, "GetBucketCors", []string{"s3:GetBucketCORS " + bucketARN}},
		{"GetBucketReplication", []rowOpt{params("bucketName", "b")}, s3Src, "GetBucketReplication", []string{"s3:GetReplicationConfiguration " + bucketARN}},
		{"DeleteObjects per object from resources[]", []rowOpt{params("bucketName", "b"), resources("arn:aws:s3:::b/1", "arn:aws:s3:::b/2", bucketARN)}, s3Src, "DeleteObjects",
			[]string{"s3:DeleteObject arn:aws:s3:::b/1", "s3:DeleteObject arn:aws:s3:::b/2"}},
		{"DeleteObjects per object from kept keys", []rowOpt{params("bucketName", "b", "delete.Object.Key", "a.txt", "delete.Object.Key", "c/d.txt")}, s3Src, "DeleteObjects",
			[]string{"s3:DeleteObject arn:aws:s3:::b/a.txt", "s3:DeleteObject arn:aws:s3:::b/c/d.txt"}},
		{"DeleteObjects without keys is any object of the bucket", []rowOpt{params("bucketName", "b")}, s3Src, "DeleteObjects", []string{"s3:DeleteObject arn:aws:s3:::b/*"}},
		{"CreateMultipartUpload is PutObject", []rowOpt{params("bucketName", "b", "key", "big")}, s3Src, "CreateMultipartUpload", []string{"s3:PutObject arn:aws:s3:::b/big"}},
		{"UploadPart is PutObject", []rowOpt{params("bucketName", "b", "key", "big")}, s3Src, "UploadPart", []string{"s3:PutObject arn:aws:s3:::b/big"}},
		{"CompleteMultipartUpload is PutObject", []rowOpt{params("bucketName", "b", "key", "big")}, s3Src, "CompleteMultipartUpload", []string{"s3:PutObject arn:aws:s3:::b/big"}},
		{"CopyObject reads the source and writes the target",
			[]rowOpt{params("bucketName", "dst", "key", "new/k", "x-amz-copy-source", "src/old%20name.txt"), resources("arn:aws:s3:::src/old name.txt", "arn:aws:s3:::dst/new/k")},
			s3Src, "CopyObject", []string{"s3:GetObject arn:aws:s3:::src/old name.txt (companion)", "s3:PutObject arn:aws:s3:::dst/new/k"}},
		{"CopyObject of a source version", []rowOpt{params("bucketName", "dst", "key", "k", "x-amz-copy-source", "/src/a/b.txt?versionId=xyz")},
			s3Src, "CopyObject", []string{"s3:GetObjectVersion arn:aws:s3:::src/a/b.txt (companion)", "s3:PutObject arn:aws:s3:::dst/k"}},
		{"UploadPartCopy", []rowOpt{params("bucketName", "dst", "key", "k", "x-amz-copy-source", "src%2Fs")},
			s3Src, "UploadPartCopy", []string{"s3:GetObject arn:aws:s3:::src/s (companion)", "s3:PutObject arn:aws:s3:::dst/k"}},
		{"PutObject with an ACL also needs PutObjectAcl", []rowOpt{params("bucketName", "b", "key", "k", "x-amz-acl", "public-read")}, s3Src, "PutObject",
			[]string{"s3:PutObject arn:aws:s3:::b/k", "s3:PutObjectAcl arn:aws:s3:::b/k (companion)"}},
		{"CreateBucket with a private ACL", []rowOpt{params("bucketName", "b", "x-amz-acl", "private")}, s3Src, "CreateBucket", []string{"s3:CreateBucket " + bucketARN}},
		{"CreateBucket with a public ACL", []rowOpt{params("bucketName", "b", "x-amz-acl", "public-read")}, s3Src, "CreateBucket",
			[]string{"s3:CreateBucket " + bucketARN, "s3:PutBucketAcl " + bucketARN + " (companion)"}},

		// API-version suffixes.
		{"Lambda suffix v2", []rowOpt{params("functionName", "f")}, "lambda.amazonaws.com", "GetFunctionConfiguration20150331v2",
			[]string{"lambda:GetFunctionConfiguration arn:aws:lambda:us-east-1:111122223333:function:f"}},
		{"Lambda suffix", []rowOpt{params("functionName", "f")}, "lambda.amazonaws.com", "ListVersionsByFunction20150331",
			[]string{"lambda:ListVersionsByFunction arn:aws:lambda:us-east-1:111122223333:function:f"}},
		{"CloudFront suffix", []rowOpt{params("id", "E2EXAMPLE")}, "cloudfront.amazonaws.com", "UpdateDistribution2016_11_25",
			[]string{"cloudfront:UpdateDistribution arn:aws:cloudfront::111122223333:distribution/E2EXAMPLE"}},

		// Lambda names and qualifiers.
		{"Invoke is InvokeFunction", []rowOpt{params("functionName", "f")}, "lambda.amazonaws.com", "Invoke", []string{"lambda:InvokeFunction arn:aws:lambda:us-east-1:111122223333:function:f"}},
		{"function name with a qualifier", []rowOpt{params("functionName", "f:prod")}, "lambda.amazonaws.com", "Invoke", []string{"lambda:InvokeFunction arn:aws:lambda:us-east-1:111122223333:function:f:prod"}},
		{"function partial ARN", []rowOpt{params("functionName", "444455556666:function:f:7")}, "lambda.amazonaws.com", "Invoke", []string{"lambda:InvokeFunction arn:aws:lambda:us-east-1:444455556666:function:f:7"}},
		{"function full ARN", []rowOpt{params("functionName", "arn:aws:lambda:eu-west-1:444455556666:function:f:$LATEST")}, "lambda.amazonaws.com", "Invoke",
			[]string{"lambda:InvokeFunction arn:aws:lambda:eu-west-1:444455556666:function:f:$LATEST"}},

		// Budgets.
		{"CreateBudget is ModifyBudget", []rowOpt{params("budget.budgetName", "monthly")}, "budgets.amazonaws.com", "CreateBudget", []string{"budgets:ModifyBudget arn:aws:budgets::111122223333:budget/monthly"}},
		{"DescribeBudget is ViewBudget", []rowOpt{params("budgetName", "monthly")}, "budgets.amazonaws.com", "DescribeBudget", []string{"budgets:ViewBudget arn:aws:budgets::111122223333:budget/monthly"}},

		// API Gateway v1 management calls: HTTP methods on paths.
		{"GetRestApis", nil, "apigateway.amazonaws.com", "GetRestApis", []string{"apigateway:GET " + ap + "/restapis"}},
		{"GetResource", []rowOpt{params("restApiId", "a1", "resourceId", "r1")}, "apigateway.amazonaws.com", "GetResource", []string{"apigateway:GET " + ap + "/restapis/a1/resources/r1"}},
		{"CreateDeployment posts to the collection", []rowOpt{params("restApiId", "a1")}, "apigateway.amazonaws.com", "CreateDeployment", []string{"apigateway:POST " + ap + "/restapis/a1/deployments"}},
		{"UpdateStage is PATCH", []rowOpt{params("restApiId", "a1", "stageName", "prod")}, "apigateway.amazonaws.com", "UpdateStage", []string{"apigateway:PATCH " + ap + "/restapis/a1/stages/prod"}},
		{"DeleteRestApi is DELETE", []rowOpt{params("restApiId", "a1")}, "apigateway.amazonaws.com", "DeleteRestApi", []string{"apigateway:DELETE " + ap + "/restapis/a1"}},

		// KMS.
		{"ReEncrypt from and to", []rowOpt{params("sourceKeyId", "arn:aws:kms:us-east-1:111122223333:key/src-1", "destinationKeyId", "dst-2")}, "kms.amazonaws.com", "ReEncrypt",
			[]string{"kms:ReEncryptFrom arn:aws:kms:us-east-1:111122223333:key/src-1", "kms:ReEncryptTo arn:aws:kms:us-east-1:111122223333:key/dst-2"}},
		{"ReEncrypt source from resources[]", []rowOpt{params("destinationKeyId", "dst-2"), resources("arn:aws:kms:us-east-1:111122223333:key/src-1", "arn:aws:kms:us-east-1:111122223333:key/dst-2")},
			"kms.amazonaws.com", "ReEncrypt",
			[]string{"kms:ReEncryptFrom arn:aws:kms:us-east-1:111122223333:key/src-1", "kms:ReEncryptTo arn:aws:kms:us-east-1:111122223333:key/dst-2"}},
		{"Encrypt with an alias takes the key from resources[]", []rowOpt{params("keyId", "alias/aws/ssm"), resources("arn:aws:kms:us-east-1:111122223333:key/k-1")},
			"kms.amazonaws.com", "Encrypt", []string{"kms:Encrypt arn:aws:kms:us-east-1:111122223333:key/k-1"}},
		{"Encrypt with an alias and no key is *", []rowOpt{params("keyId", "alias/app")}, "kms.amazonaws.com", "Encrypt", []string{"kms:Encrypt *"}},
		{"DescribeKey by id", []rowOpt{params("keyId", "1234abcd-12ab-34cd-56ef-1234567890ab")}, "kms.amazonaws.com", "DescribeKey",
			[]string{"kms:DescribeKey arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}},
		{"CreateAlias names the alias and the key", []rowOpt{params("aliasName", "alias/app", "targetKeyId", "k-1")}, "kms.amazonaws.com", "CreateAlias",
			[]string{"kms:CreateAlias arn:aws:kms:us-east-1:111122223333:alias/app", "kms:CreateAlias arn:aws:kms:us-east-1:111122223333:key/k-1"}},

		// Roles passed to services.
		{"RunInstances with an instance profile passes its role", []rowOpt{params("iamInstanceProfile.arn", "arn:aws:iam::111122223333:instance-profile/web", "instancesSet.items.imageId", "ami-1", "subnetId", "subnet-1", "groupSet.items.groupId", "sg-1")},
			"ec2.amazonaws.com", "RunInstances", []string{
				"ec2:RunInstances arn:aws:ec2:us-east-1:111122223333:instance/*",
				"ec2:RunInstances arn:aws:ec2:us-east-1:111122223333:network-interface/*",
				"ec2:RunInstances arn:aws:ec2:us-east-1:111122223333:security-group/sg-1",
				"ec2:RunInstances arn:aws:ec2:us-east-1:111122223333:subnet/subnet-1",
				"ec2:RunInstances arn:aws:ec2:us-east-1:111122223333:volume/*",
				"ec2:RunInstances arn:aws:ec2:us-east-1::image/ami-1",
				"iam:PassRole * (companion)",
			}},
		{"RunInstances without a profile passes no role", []rowOpt{params("instancesSet.items.imageId", "ami-1", "subnetId", "subnet-1", "groupSet.items.groupId", "sg-1")},
			"ec2.amazonaws.com", "RunInstances", []string{
				"ec2:RunInstances arn:aws:ec2:us-east-1:111122223333:instance/*",
				"ec2:RunInstances arn:aws:ec2:us-east-1:111122223333:network-interface/*",
				"ec2:RunInstances arn:aws:ec2:us-east-1:111122223333:security-group/sg-1",
				"ec2:RunInstances arn:aws:ec2:us-east-1:111122223333:subnet/subnet-1",
				"ec2:RunInstances arn:aws:ec2:us-east-1:111122223333:volume/*",
				"ec2:RunInstances arn:aws:ec2:us-east-1::image/ami-1",
			}},
		{"CreateFunction passes its role", []rowOpt{params("functionName", "f", "role", "arn:aws:iam::111122223333:role/service-role/f-exec")}, "lambda.amazonaws.com", "CreateFunction20150331",
			[]string{"iam:PassRole arn:aws:iam::111122223333:role/service-role/f-exec (companion)", "lambda:CreateFunction arn:aws:lambda:us-east-1:111122223333:function:f"}},
		{"CloudFormation roleARN", []rowOpt{params("stackName", "s", "roleARN", "arn:aws:iam::111122223333:role/cfn")}, "cloudformation.amazonaws.com", "CreateStack",
			[]string{"cloudformation:CreateStack arn:aws:cloudformation:us-east-1:111122223333:stack/s/*", "iam:PassRole arn:aws:iam::111122223333:role/cfn (companion)"}},
		{"ECS task and execution roles", []rowOpt{params("family", "web", "taskRoleArn", "arn:aws:iam::111122223333:role/task", "executionRoleArn", "arn:aws:iam::111122223333:role/exec")},
			"ecs.amazonaws.com", "RegisterTaskDefinition", []string{
				"ecs:RegisterTaskDefinition arn:aws:ecs:us-east-1:111122223333:task-definition/web:*",
				"iam:PassRole arn:aws:iam::111122223333:role/exec (companion)",
				"iam:PassRole arn:aws:iam::111122223333:role/task (companion)"}},
		{"Glue role by name, path unknown", []rowOpt{params("name", "etl", "role", "GlueRole")}, "glue.amazonaws.com", "CreateJob",
			[]string{"glue:CreateJob arn:aws:glue:us-east-1:111122223333:job/etl",
				"iam:PassRole arn:aws:iam::111122223333:role/*/GlueRole (companion)", "iam:PassRole arn:aws:iam::111122223333:role/GlueRole (companion)"}},
		{"AddRoleToInstanceProfile passes the role", []rowOpt{params("instanceProfileName", "web", "roleName", "web-role")}, "iam.amazonaws.com", "AddRoleToInstanceProfile",
			[]string{"iam:AddRoleToInstanceProfile arn:aws:iam::111122223333:instance-profile/*/web", "iam:AddRoleToInstanceProfile arn:aws:iam::111122223333:instance-profile/web",
				"iam:PassRole arn:aws:iam::111122223333:role/*/web-role (companion)", "iam:PassRole arn:aws:iam::111122223333:role/web-role (companion)"}},

		// Tag on create.
		{"CreateVpc with tags also needs CreateTags on the new VPC", []rowOpt{params("tagSpecificationSet.items.tags.key", "Name")}, "ec2.amazonaws.com", "CreateVpc",
			[]string{"ec2:CreateTags arn:aws:ec2:us-east-1:111122223333:vpc/* (companion)", "ec2:CreateVpc arn:aws:ec2:us-east-1:111122223333:vpc/*"}},
		{"CreateSubnet without tags", []rowOpt{params("vpcId", "vpc-1")}, "ec2.amazonaws.com", "CreateSubnet",
			[]string{"ec2:CreateSubnet arn:aws:ec2:us-east-1:111122223333:subnet/*", "ec2:CreateSubnet arn:aws:ec2:us-east-1:111122223333:vpc/vpc-1"}},
		{"CreateDBInstance with tags also needs AddTagsToResource", []rowOpt{params("dBInstanceIdentifier", "db1", "tags.key", "team")}, "rds.amazonaws.com", "CreateDBInstance",
			[]string{"rds:AddTagsToResource arn:aws:rds:us-east-1:111122223333:db:db1 (companion)", "rds:CreateDBInstance arn:aws:rds:us-east-1:111122223333:db:db1",
				// The defaults RDS picks and evaluates (see evaluatedTypes).
				"rds:CreateDBInstance arn:aws:rds:us-east-1:111122223333:og:default*", "rds:CreateDBInstance arn:aws:rds:us-east-1:111122223333:pg:default*",
				"rds:CreateDBInstance arn:aws:rds:us-east-1:111122223333:subgrp:default"}},
		{"CreateTags names its resources by ID", []rowOpt{params("resourcesSet.items.resourceId", "vpc-0abc", "resourcesSet.items.resourceId", "i-0def")}, "ec2.amazonaws.com", "CreateTags",
			[]string{"ec2:CreateTags arn:aws:ec2:us-east-1:111122223333:instance/i-0def", "ec2:CreateTags arn:aws:ec2:us-east-1:111122223333:vpc/vpc-0abc"}},

		// DynamoDB PartiQL.
		{"PartiQL SELECT", []rowOpt{params("statement", `SELECT * FROM "Orders" WHERE id = ?`)}, "dynamodb.amazonaws.com", "ExecuteStatement",
			[]string{"dynamodb:PartiQLSelect arn:aws:dynamodb:us-east-1:111122223333:table/Orders"}},
		{"PartiQL SELECT on an index", []rowOpt{params("statement", `select id from "Orders"."byDate"`)}, "dynamodb.amazonaws.com", "ExecuteStatement",
			[]string{"dynamodb:PartiQLSelect arn:aws:dynamodb:us-east-1:111122223333:table/Orders/index/byDate"}},
		{"PartiQL INSERT", []rowOpt{params("statement", `INSERT INTO "Orders" value {'id': ?}`)}, "dynamodb.amazonaws.com", "ExecuteStatement",
			[]string{"dynamodb:PartiQLInsert arn:aws:dynamodb:us-east-1:111122223333:table/Orders"}},
		{"PartiQL UPDATE and DELETE in a transaction", []rowOpt{params("transactStatements.statement", `UPDATE "Orders" SET a = 1 WHERE id = ?`, "transactStatements.statement", `DELETE FROM "Carts" WHERE id = ?`)},
			"dynamodb.amazonaws.com", "ExecuteTransaction",
			[]string{"dynamodb:PartiQLDelete arn:aws:dynamodb:us-east-1:111122223333:table/Carts", "dynamodb:PartiQLUpdate arn:aws:dynamodb:us-east-1:111122223333:table/Orders"}},

		// Resource builders.
		{"secret by name needs the random suffix", []rowOpt{params("secretId", "prod/db")}, "secretsmanager.amazonaws.com", "GetSecretValue",
			[]string{"secretsmanager:GetSecretValue arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????"}},
		{"secret by ARN", []rowOpt{params("secretId", "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf")}, "secretsmanager.amazonaws.com", "GetSecretValue",
			[]string{"secretsmanager:GetSecretValue arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"}},
		{"SSM parameter with a leading slash", []rowOpt{params("name", "/app/db/password")}, "ssm.amazonaws.com", "GetParameter",
			[]string{"ssm:GetParameter arn:aws:ssm:us-east-1:111122223333:parameter/app/db/password"}},
		{"SSM parameter without a leading slash", []rowOpt{params("name", "plain")}, "ssm.amazonaws.com", "GetParameter",
			[]string{"ssm:GetParameter arn:aws:ssm:us-east-1:111122223333:parameter/plain"}},
		{"SSM public parameter (no account in its ARN)", []rowOpt{params("name", "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")}, "ssm.amazonaws.com", "GetParameter",
			[]string{"ssm:GetParameter arn:aws:ssm:us-east-1:*:parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"}},
		{"SSM GetParameters names several", []rowOpt{params("names", "/a", "names", "b")}, "ssm.amazonaws.com", "GetParameters",
			[]string{"ssm:GetParameters arn:aws:ssm:us-east-1:111122223333:parameter/a", "ssm:GetParameters arn:aws:ssm:us-east-1:111122223333:parameter/b"}},
		{"SSM tags of a parameter named by resourceId", []rowOpt{params("resourceId", "/app/x")}, "ssm.amazonaws.com", "ListTagsForResource",
			[]string{"ssm:ListTagsForResource arn:aws:ssm:us-east-1:111122223333:parameter/app/x"}},
		{"SSM AWS-owned document has no account", []rowOpt{params("documentName", "AWS-RunShellScript", "instanceIds", "i-1")}, "ssm.amazonaws.com", "SendCommand",
			[]string{"ssm:SendCommand arn:aws:ec2:us-east-1:111122223333:instance/i-1", "ssm:SendCommand arn:aws:ssm:us-east-1:*:document/AWS-RunShellScript"}},
		{"queue URL", []rowOpt{params("queueUrl", "https://sqs.eu-west-1.amazonaws.com/444455556666/jobs")}, "sqs.amazonaws.com", "SendMessage",
			[]string{"sqs:SendMessage arn:aws:sqs:eu-west-1:444455556666:jobs"}},
		{"legacy queue URL", []rowOpt{params("queueUrl", "https://queue.amazonaws.com/444455556666/jobs")}, "sqs.amazonaws.com", "DeleteMessage",
			[]string{"sqs:DeleteMessage arn:aws:sqs:us-east-1:444455556666:jobs"}},
		{"topic ARN", []rowOpt{params("topicArn", "arn:aws:sns:us-east-1:111122223333:alerts")}, "sns.amazonaws.com", "Publish", []string{"sns:Publish arn:aws:sns:us-east-1:111122223333:alerts"}},
		{"log group in the form IAM evaluates", []rowOpt{params("logGroupName", "/aws/lambda/f")}, "logs.amazonaws.com", "CreateLogGroup", []string{"logs:CreateLogGroup arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f:*"}},
		{"log group for the tagging API", []rowOpt{params("resourceArn", "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f")}, "logs.amazonaws.com", "ListTagsForResource",
			[]string{"logs:ListTagsForResource arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f"}},
		{"log stream", []rowOpt{params("logGroupName", "g", "logStreamName", "s")}, "logs.amazonaws.com", "PutLogEvents", []string{"logs:PutLogEvents arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s"}},
		{"table", []rowOpt{params("tableName", "Orders")}, "dynamodb.amazonaws.com", "GetItem", []string{"dynamodb:GetItem arn:aws:dynamodb:us-east-1:111122223333:table/Orders"}},
		{"role by name, path unknown", []rowOpt{params("roleName", "app")}, "iam.amazonaws.com", "GetRole",
			[]string{"iam:GetRole arn:aws:iam::111122223333:role/*/app", "iam:GetRole arn:aws:iam::111122223333:role/app"}},
		{"CreateRole with a path", []rowOpt{params("roleName", "app", "path", "/svc/")}, "iam.amazonaws.com", "CreateRole", []string{"iam:CreateRole arn:aws:iam::111122223333:role/svc/app"}},
		{"CreateUser without a path is at /", []rowOpt{params("userName", "bob")}, "iam.amazonaws.com", "CreateUser", []string{"iam:CreateUser arn:aws:iam::111122223333:user/bob"}},
		{"GetUser without a name is the caller", nil, "iam.amazonaws.com", "GetUser", []string{"iam:GetUser " + testUserARN}},
		{"managed policy ARN", []rowOpt{params("policyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess")}, "iam.amazonaws.com", "GetPolicy", []string{"iam:GetPolicy arn:aws:iam::aws:policy/ReadOnlyAccess"}},
		{"EC2 instance IDs", []rowOpt{params("instancesSet.items.instanceId", "i-1", "instancesSet.items.instanceId", "i-2")}, "ec2.amazonaws.com", "StopInstances",
			[]string{"ec2:StopInstances arn:aws:ec2:us-east-1:111122223333:instance/i-1", "ec2:StopInstances arn:aws:ec2:us-east-1:111122223333:instance/i-2"}},
		{"EC2 Describe takes no resource", []rowOpt{params("instancesSet.items.instanceId", "i-1")}, "ec2.amazonaws.com", "DescribeInstances", []string{"ec2:DescribeInstances *"}},
		{"AssumeRole", []rowOpt{params("roleArn", "arn:aws:iam::444455556666:role/x/deploy", "roleSessionName", "s")}, "sts.amazonaws.com", "AssumeRole",
			[]string{"sts:AssumeRole arn:aws:iam::444455556666:role/x/deploy"}},
		{"CloudWatch via monitoring", []rowOpt{params("alarmNames", "high-cpu")}, "monitoring.amazonaws.com", "DescribeAlarms", []string{"cloudwatch:DescribeAlarms arn:aws:cloudwatch:us-east-1:111122223333:alarm:high-cpu"}},
		{"SES via email", nil, "email.amazonaws.com", "GetSendQuota", []string{"ses:GetSendQuota *"}},
		{"Pinpoint via its event source", []rowOpt{params("applicationId", "app1")}, "pinpoint.amazonaws.com", "GetApp", []string{"mobiletargeting:GetApp arn:aws:mobiletargeting:us-east-1:111122223333:apps/app1"}},
		{"Cloud Control via cloudformation", nil, "cloudcontrolapi.amazonaws.com", "ListResources", []string{"cloudformation:ListResources *"}},

		// Partitions.
		{"GovCloud partition from the principal", []rowOpt{asRole("arn:aws-us-gov:iam::111122223333:role/app"), region("us-gov-west-1"), params("bucketName", "b", "key", "k")},
			s3Src, "GetObject", []string{"s3:GetObject arn:aws-us-gov:s3:::b/k"}},
		{"China partition from the principal", []rowOpt{asUser("arn:aws-cn:iam::111122223333:user/bob"), region("cn-north-1"), params("tableName", "T")},
			"dynamodb.amazonaws.com", "GetItem", []string{"dynamodb:GetItem arn:aws-cn:dynamodb:cn-north-1:111122223333:table/T"}},

		// Coarsened rows.
		{"coarsened to the first path segment", []rowOpt{coarsened(1), params("bucketName", "b", "key", "logs/*")}, s3Src, "GetObject", []string{"s3:GetObject arn:aws:s3:::b/logs/*"}},
		{"coarsened resources[]", []rowOpt{coarsened(1), resources("arn:aws:s3:::b/*")}, s3Src, "GetObject", []string{"s3:GetObject arn:aws:s3:::b/*"}},
		{"identifiers dropped", []rowOpt{coarsened(2)}, s3Src, "GetObject", []string{"s3:GetObject *"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mp := mapRowChecked(t, apiRow(c.src, c.ev, c.row...))
			if mp.Class != ClassMapped {
				t.Fatalf("class %s (%s), want mapped", mp.Class, mp.Reason)
			}
			if got := accessStrings(mp.Accesses); !equalStrings(got, c.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

// TestResourceNotes: a Resource that is not a specific ARN says why.
func TestResourceNotes(t *testing.T) {
	cases := []struct {
		name     string
		row      store.Row
		note     string // substring
		specific bool
	}{
		{"coarsened", apiRow(s3Src, "GetObject", coarsened(1), params("bucketName", "b", "key", "logs/*")), "coarsened", false},
		{"dropped", apiRow(s3Src, "GetObject", coarsened(2)), "dropped", false},
		{"no parameters", apiRow("ssm.amazonaws.com", "GetParameter"), "does not show the parameter", false},
		{"instance profile", apiRow("ec2.amazonaws.com", "RunInstances", params("iamInstanceProfile.name", "web")), "instance profile web", false},
		{"created", apiRow("ec2.amazonaws.com", "CreateVpc"), "the call creates this vpc", true},
		{"IAM path unknown", apiRow("iam.amazonaws.com", "GetRole", params("roleName", "app")), "without its path", true},
		{"secret suffix is specific", apiRow("secretsmanager.amazonaws.com", "GetSecretValue", params("secretId", "s")), "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mp := mapRowChecked(t, c.row)
			found := false
			for _, a := range mp.Accesses {
				if !strings.Contains(a.ResourceNote, c.note) {
					continue
				}
				if c.note == "" && a.ResourceNote != "" {
					continue
				}
				found = true
				if a.Specific != c.specific {
					t.Errorf("%s %s: specific %v, want %v", a.Action, a.Resource, a.Specific, c.specific)
				}
			}
			if !found {
				t.Errorf("no access with note %q in %+v", c.note, mp.Accesses)
			}
		})
	}
}

// TestUnmapped: an event whose action is not in the catalog is never
// guessed: it is unmapped with its reason.
func TestUnmapped(t *testing.T) {
	cases := []struct {
		name, src, ev, reason string
		opts                  []rowOpt
	}{
		{"unknown action", s3Src, "GetObjectFrobnication", "s3:GetObjectFrobnication is not an action in the catalog", nil},
		{"unknown service", "frobnicator.amazonaws.com", "Frob", `event source "frobnicator.amazonaws.com" has no IAM service prefix`, nil},
		{"PartiQL without its statement", "dynamodb.amazonaws.com", "ExecuteStatement", "PartiQL statement is not in the usage row", []rowOpt{params("tableName", "T")}},
		{"suffix stripped to an unknown action", "lambda.amazonaws.com", "Frobnicate20150331", "lambda:Frobnicate is not an action", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mp := mapRowChecked(t, apiRow(c.src, c.ev, c.opts...))
			if mp.Class != ClassUnmapped || !strings.Contains(mp.Reason, c.reason) || len(mp.Accesses) != 0 {
				t.Errorf("got %s %q %v, want unmapped %q", mp.Class, mp.Reason, mp.Accesses, c.reason)
			}
		})
	}
}

func TestStripAPIVersion(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"GetFunctionConfiguration20150331v2", "GetFunctionConfiguration", true},
		{"ListVersionsByFunction20150331", "ListVersionsByFunction", true},
		{"UpdateDistribution2016_11_25", "UpdateDistribution", true},
		{"CreateInvalidation2019_03_26", "CreateInvalidation", true},
		{"GetObject", "GetObject", false},
		{"DescribeDBInstances", "DescribeDBInstances", false},
		{"Get2", "Get2", false},
		{"GetS3v2", "GetS3v2", false},
		{"X99999999", "X99999999", false}, // not a date
	}
	for _, c := range cases {
		got, ok := stripAPIVersion(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("stripAPIVersion(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	// The unstripped name wins when it is itself an action.
	mp := mapRowChecked(t, apiRow("lambda.amazonaws.com", "GetFunction20150331v2", params("functionName", "f")))
	if got := accessStrings(mp.Accesses); len(got) != 1 || !strings.HasPrefix(got[0], "lambda:GetFunction ") {
		t.Errorf("GetFunction20150331v2 mapped to %v", got)
	}
}

// TestPublicParameterARNIsAllowed: the resource written for a public
// parameter fits the catalog's template and, in a policy, allows the ARN
// IAM evaluates (empty account) without matching a customer's parameter.
func TestPublicParameterARNIsAllowed(t *testing.T) {
	resource := "arn:aws:ssm:us-east-1:*:parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
	act, _ := catalog.Default().Action("ssm:GetParameter")
	if len(act.ResourceTypesFor(resource)) == 0 {
		t.Fatalf("%s fits no resource type of ssm:GetParameter", resource)
	}
	doc, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"` + resource + `"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	set := policy.PolicySet{Identity: []policy.Named{{Name: "p", Doc: doc}}}
	for req, want := range map[string]policy.Decision{
		"arn:aws:ssm:us-east-1::parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64":             policy.Allowed,
		"arn:aws:ssm:us-east-1:111122223333:parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64": policy.Allowed,
		"arn:aws:ssm:us-east-1:111122223333:parameter/app/db/password":                                                      policy.ImplicitDeny,
	} {
		if got := policy.Evaluate(set, policy.Request{Action: "ssm:GetParameter", Resource: req}).Decision; got != want {
			t.Errorf("%s: %v, want %v", req, got, want)
		}
	}
}
