package ingest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// decodeParams decodes one event whose requestParameters is rp and returns
// its kept parameters.
func decodeParams(t *testing.T, rp string) []Param {
	t.Helper()
	in := `{"Records":[{"eventVersion":"1.08","userIdentity":{"type":"IAMUser"},"eventTime":"2024-01-01T00:00:00Z","eventSource":"x.amazonaws.com","eventName":"X","requestParameters":` + rp + `}]}`
	res, evs, err := decDecode([]byte(in))
	if err != nil || res.Events != 1 {
		t.Fatalf("decode %s: %+v %v", rp, res, err)
	}
	decCompare(t, []byte(in), res, evs, err)
	return evs[0].Params
}

func TestParamRule(t *testing.T) {
	p := func(kv ...string) []Param {
		var ps []Param
		for i := 0; i < len(kv); i += 2 {
			ps = append(ps, Param{kv[i], kv[i+1]})
		}
		return ps
	}
	for _, tc := range []struct {
		name string
		rp   string
		want []Param
	}{
		// What later stages need.
		{"s3 object", `{"bucketName":"b","Host":"b.s3.amazonaws.com","key":"a/b.txt","versionId":"v1"}`, p("bucketName", "b", "key", "a/b.txt", "versionId", "v1")},
		{"s3 copy", `{"bucketName":"dst","x-amz-copy-source":"src/k","key":"k2"}`, p("bucketName", "dst", "x-amz-copy-source", "src/k", "key", "k2")},
		{"s3 list prefix", `{"bucketName":"b","prefix":"logs/","list-type":"2","max-keys":"1000","continuation-token":"1xyz"}`, p("bucketName", "b", "prefix", "logs/", "list-type", "2")},
		{"dynamodb", `{"tableName":"orders","key":{"pk":{"S":"user#1"}},"indexName":"gsi1"}`, p("tableName", "orders", "indexName", "gsi1")},
		{"lambda create", `{"functionName":"fn","role":"arn:aws:iam::1:role/r","code":{"s3Bucket":"art","s3Key":"fn.zip"},"environment":{"variables":{"DB_PASSWORD":"hunter2"}}}`,
			p("functionName", "fn", "role", "arn:aws:iam::1:role/r", "code.s3Bucket", "art", "code.s3Key", "fn.zip")},
		{"sqs", `{"queueUrl":"https://sqs.us-east-1.amazonaws.com/1/q","messageBody":"hello","receiptHandle":"AQEB..."}`, p("queueUrl", "https://sqs.us-east-1.amazonaws.com/1/q")},
		{"sns", `{"topicArn":"arn:aws:sns:us-east-1:1:t","message":"m","subject":"s"}`, p("topicArn", "arn:aws:sns:us-east-1:1:t")},
		{"secrets manager", `{"secretId":"prod/db","versionStage":"AWSCURRENT"}`, p("secretId", "prod/db")},
		{"secret arn and name", `{"SecretArn":"arn:aws:secretsmanager:us-east-1:1:secret:x","secretName":"x","SecretString":"{\"password\":\"p\"}","secretBinary":"AAAA"}`,
			p("SecretArn", "arn:aws:secretsmanager:us-east-1:1:secret:x", "secretName", "x")},
		{"ssm", `{"name":"/app/db/host","withDecryption":true}`, p("name", "/app/db/host")},
		{"ssm names", `{"names":["/a","/b"],"withDecryption":true}`, p("names", "/a", "names", "/b")},
		{"ssm put parameter value", `{"name":"/app/token","value":"s3cr3t","type":"SecureString","overwrite":true}`, p("name", "/app/token", "type", "SecureString")},
		{"kms", `{"keyId":"alias/app","encryptionContext":{"aws:s3:arn":"arn:aws:s3:::b/k"},"encryptionAlgorithm":"SYMMETRIC_DEFAULT","plaintext":"eA=="}`,
			p("keyId", "alias/app", "encryptionContext.aws:s3:arn", "arn:aws:s3:::b/k")},
		{"logs", `{"logGroupName":"/aws/lambda/fn","logStreamName":"2024/01/01/[$LATEST]abc","filterPattern":"ERROR","startTime":1700000000000}`,
			p("logGroupName", "/aws/lambda/fn", "logStreamName", "2024/01/01/[$LATEST]abc")},
		{"iam", `{"roleName":"r","policyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess","path":"/service-role/","assumeRolePolicyDocument":"{\"Version\":\"2012-10-17\"}","userName":"u","groupName":"g","instanceProfileName":"ip"}`,
			p("roleName", "r", "policyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess", "path", "/service-role/", "userName", "u", "groupName", "g", "instanceProfileName", "ip")},
		{"iam policy document inline", `{"policyName":"p","policyDocument":"%7B%22Version%22%3A%222012-10-17%22%7D","roleName":"r"}`, p("policyName", "p", "roleName", "r")},
		{"run instances", `{"instancesSet":{"items":[{"imageId":"ami-1","minCount":1}]},"userData":"<sensitiveDataRemoved>","iamInstanceProfile":{"arn":"arn:aws:iam::1:instance-profile/p","name":"p"},"clientToken":"0f1e","instanceType":"t3.micro"}`,
			p("instancesSet.items.imageId", "ami-1", "iamInstanceProfile.arn", "arn:aws:iam::1:instance-profile/p", "iamInstanceProfile.name", "p", "instanceType", "t3.micro")},
		{"ec2 instance ids", `{"instancesSet":{"items":[{"instanceId":"i-1"},{"instanceId":"i-2"}]},"filterSet":{}}`, p("instancesSet.items.instanceId", "i-1", "instancesSet.items.instanceId", "i-2")},
		// Enumerations, presence keys and statements.
		{"ssm tagging", `{"resourceType":"Parameter","resourceId":"/app/db","tags":[{"key":"team","value":"x"}]}`, p("resourceType", "Parameter", "resourceId", "/app/db", "tags.key", "team")},
		{"ec2 tag on create", `{"tagSpecificationSet":{"items":[{"resourceType":"instance","tags":[{"key":"Name","value":"web"}]}]},"instanceType":"t3.micro"}`,
			p("tagSpecificationSet.items.resourceType", "instance", "tagSpecificationSet.items.tags.key", "Name", "instanceType", "t3.micro")},
		{"elbv2 create", `{"name":"lb","type":"network","scheme":"internal","subnets":["subnet-1"]}`, p("name", "lb", "type", "network")},
		{"lambda qualifier", `{"functionName":"fn","qualifier":"live","invocationType":"Event","logType":"None"}`,
			p("functionName", "fn", "qualifier", "live", "invocationType", "Event", "logType", "None")},
		{"api gateway", `{"restApiId":"a1","resourceId":"r1","httpMethod":"POST","authorizationType":"NONE"}`,
			p("restApiId", "a1", "resourceId", "r1", "httpMethod", "POST", "authorizationType", "NONE")},
		{"cloudtrail tags", `{"resourceIdList":["arn:aws:cloudtrail:us-east-1:1:trail/t"],"tagsList":[{"key":"k","value":"v"}]}`, p("resourceIdList", "arn:aws:cloudtrail:us-east-1:1:trail/t", "tagsList.key", "k")},
		{"s3 headers", `{"bucketName":"b","key":"k","x-amz-acl":"public-read","x-amz-grant-read":"uri=\"http://acs.amazonaws.com/groups/global/AllUsers\"","x-amz-grant-full-control":"id=\"` + strings.Repeat("7", 64) + `\"","x-amz-tagging":"team=a&env=prod"}`,
			p("bucketName", "b", "key", "k", "x-amz-acl", "public-read", "x-amz-grant-read", `uri="http://acs.amazonaws.com/groups/global/AllUsers"`, "x-amz-grant-full-control", omittedParamValue, "x-amz-tagging", "team=a&env=prod")},
		{"s3 create bucket headers", `{"bucketName":"b","x-amz-bucket-object-lock-enabled":"true","x-amz-object-ownership":"BucketOwnerEnforced","Host":"b.s3.amazonaws.com"}`,
			p("bucketName", "b", "x-amz-bucket-object-lock-enabled", "true", "x-amz-object-ownership", "BucketOwnerEnforced")},
		{"long or odd presence values", `{"x-amz-tagging":"` + strings.Repeat("k=v&", 20) + `","x-amz-grant-write":"AKIAEXAMPLEKEYID0003","x-amz-grant-read-acp":"","grantTokens":["t"]}`,
			p("x-amz-tagging", omittedParamValue, "x-amz-grant-write", omittedParamValue)},
		{"kms grant names stay identifiers", `{"keyId":"k","grantId":"` + strings.Repeat("a", 100) + `","granteePrincipal":"arn:aws:iam::1:role/r"}`,
			p("keyId", "k", "grantId", strings.Repeat("a", 100), "granteePrincipal", "arn:aws:iam::1:role/r")},
		{"partiql statements", `{"statement":"SELECT * FROM \"orders\" WHERE pk='user#1'","parameters":[{"S":"secret"}]}`, p("statement", "SELECT")},
		{"partiql lower case and parenthesis", `{"statements":[{"statement":"  insert into t value {'a':1}"},{"statement":"(update t set a=1)"},{"statement":"exists(select 1 from t)"}]}`,
			p("statements.statement", "INSERT", "statements.statement", "UPDATE", "statements.statement", "EXISTS")},
		{"partiql transaction", `{"transactStatements":[{"statement":"DELETE FROM t WHERE pk=1"}],"clientRequestToken":"x"}`, p("transactStatements.statement", "DELETE")},
		{"statements without a keyword", `{"statement":"* FROM t","x":{"statement":"SELECTFROMWHEREGROUPBYORDER x"},"y":{"statement":"sélect"},"z":{"statement":""},"w":{"statement":"42"}}`, nil},
		{"statement id and name are identifiers", `{"statementId":"backdoor","statementName":"s1","action":"lambda:InvokeFunction"}`, p("statementId", "backdoor", "statementName", "s1")},
		// Never kept.
		{"assume role session and external id", `{"roleArn":"arn:aws:iam::1:role/r","roleSessionName":"botocore-session-1717836784","externalId":"shared-secret","durationSeconds":3600,"policy":"{}","serialNumber":"arn:aws:iam::1:mfa/u","tokenCode":"123456"}`,
			p("roleArn", "arn:aws:iam::1:role/r")},
		{"pagination and idempotency", `{"nextToken":"eyJ...","NextToken":"x","maxResults":50,"clientRequestToken":"f00","ClientToken":"c","idempotencyToken":"i","requestId":"r-1","uploadId":"u-1","marker":"m"}`, nil},
		{"credentials and secrets", `{"password":"p","Password":"p","oldPassword":"o","newPassword":"n","accessKeyId":"AKIAEXAMPLEKEYID0003","secretAccessKey":"s","sessionToken":"t","privateKey":"-----BEGIN","CertificateBody":"-----BEGIN CERT","authKey":"k","apiKey":"k","passphrase":"x","x-amz-server-side-encryption-customer-key":"k"}`, nil},
		{"values that look like credentials", `{"userName":"AKIAEXAMPLEKEYID0003","roleName":"ASIAEXAMPLEKEYID0004"}`, nil},
		{"presigned url", `{"templateURL":"https://b.s3.amazonaws.com/t.yaml?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKIA%2F&X-Amz-Signature=abc","stackName":"s"}`, p("stackName", "s")},
		{"documents and multi-line values", `{"name":"{\"a\":1}","names":["[1]"],"path":"a\nb","bucketName":"HIDDEN_DUE_TO_SECURITY_REASONS"}`, nil},
		{"numbers and booleans", `{"instanceId":5,"bucketName":true,"key":null,"names":[1,false]}`, nil},
		{"oversized value", `{"key":"` + strings.Repeat("k", 1025) + `","name":"` + strings.Repeat("n", 1024) + `"}`, p("name", strings.Repeat("n", 1024))},
		{"empty value", `{"key":""}`, nil},
		{"deny word anywhere in the path", `{"credentials":{"name":"n"},"SessionPolicy":{"arn":"a"},"tokenInfo":[{"id":"x"}]}`, nil},
		{"depth of six keys", `{"a":{"b":{"c":{"d":{"e":{"name":"five"},"name":"four"}}}}}`, p("a.b.c.d.e.name", "five", "a.b.c.d.name", "four")},
		{"deeper than six keys", `{"a":{"b":{"c":{"d":{"e":{"f":{"name":"seven"}}}}}}}`, nil},
		{"nested arrays", `{"names":[["x",["y"]]]}`, p("names", "x", "names", "y")},
		{"arrays do not count as keys but as containers", `{"names":[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]}`, nil},
		{"escaped key and value", `{"bucket\u004eame":"b\u00e9"}`, p("bucketName", "bé")},
		{"not an object", `"bucketName"`, nil},
		{"null", `null`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeParams(t, tc.rp)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestParamLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 100; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%dName":"v%d"`, i, i)
	}
	b.WriteString("}")
	got := decodeParams(t, b.String())
	if len(got) != maxParams || got[0] != (Param{"k0Name", "v0"}) || got[63] != (Param{"k63Name", "v63"}) {
		t.Errorf("got %d params, first %v last %v", len(got), got[0], got[len(got)-1])
	}
}

func TestClassifyParamKey(t *testing.T) {
	for key, want := range map[string]uint8{
		"bucketName": keyKeep, "BucketName": keyKeep, "x-amz-copy-source": keyKeep, "secretId": keyKeep, "SecretARN": keyKeep,
		"secretIds": keyKeep, "roleArn": keyKeep, "queueUrl": keyKeep, "templateURI": keyKeep, "DBClusterIdentifier": keyKeep,
		"aws:s3:arn": keyKeep, "workGroup": keyKeep, "cluster": keyKeep, "instancesSet": keyPlain, "filterSet": keyPlain,
		"maxResults": keyDeny, "max-keys": keyDeny, "Host": keyPlain, "value": keyPlain, "policyDocument": keyPlain, "userData": keyPlain,
		"password": keyDeny, "SecretString": keyDeny, "secretsmanager:x": keyDeny, "nextToken": keyDeny, "roleSessionName": keyDeny,
		"accessKeyId": keyDeny, "clientRequestToken": keyDeny, "requestId": keyDeny, "uploadId": keyDeny, "externalId": keyDeny,
		"SSECustomerKey": keyDeny, "PreSharedKey": keyDeny, "plaintext": keyDeny, "CiphertextBlob": keyDeny, "signature": keyDeny,
		"privateKeyName": keyDeny, "IdempotencyKey": keyDeny, "nonce": keyDeny, strings.Repeat("a", 129) + "Name": keyDeny,
		"resourceType": keyKeep, "type": keyKeep, "httpMethod": keyKeep, "qualifier": keyKeep, "resourceIdList": keyKeep,
		"x-amz-acl": keyKeep, "x-amz-object-ownership": keyKeep, "x-amz-bucket-object-lock-enabled": keyKeep, "tokenType": keyDeny,
		"x-amz-tagging": keyPresence, "x-amz-grant-read": keyPresence, "x-amz-grant-full-control": keyPresence, "grantTokens": keyDeny,
		"grantId": keyKeep, "statement": keyStatement, "Statement": keyStatement, "transactStatements": keyPlain, "statementId": keyKeep,
		"tagsList": keyPlain, "list-type": keyKeep, "x-amz-tagging-directive": keyPlain,
	} {
		if got := classifyParamKey(key); got != want {
			t.Errorf("%q: class %d, want %d", key, got, want)
		}
		var pc paramClassifier
		for i := 0; i < 3; i++ { // the cache gives the same answer
			if got := pc.class(key); got != want {
				t.Errorf("%q (cached, %d): class %d, want %d", key, i, got, want)
			}
		}
	}
}

// FuzzParams: any requestParameters value decodes like the reference, and
// nothing kept holds a line break, a document or an access key id.
func FuzzParams(f *testing.F) {
	for _, s := range []string{`{"bucketName":"b","key":"k"}`, `{"a":{"b":[{"name":"x"}]}}`, `{"names":["a","b"],"password":"p"}`,
		`{"x-amz-copy-source":"s/k","tags":[{"key":"k","value":"v"}]}`, `{"statement":"select 1","x-amz-tagging":"a=b","x-amz-grant-read":"id=1"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rp string) {
		in := []byte(`{"Records":[{"eventVersion":"1.08","userIdentity":{},"eventTime":"2024-01-01T00:00:00Z","eventSource":"x","eventName":"X","requestParameters":` + rp + `}]}`)
		res, evs, err := decDecode(in)
		decCompare(t, in, res, evs, err)
		for _, ev := range evs {
			if len(ev.Params) > maxParams {
				t.Fatalf("%d params", len(ev.Params))
			}
			for _, p := range ev.Params {
				if !keepParamValue(p.Value) || p.Name == "" {
					t.Fatalf("kept %q=%q", p.Name, p.Value)
				}
			}
		}
	})
}
