package policy

import (
	"fmt"
	"testing"
)

// benchSet is a principal with a realistic attachment: an AWS-managed-style
// read-only policy, an application policy with resource-scoped statements,
// a conditional Deny and a NotAction guard, and a permission boundary.
func benchSet(b *testing.B) PolicySet {
	app := stmts(
		`{"Sid":"ReadData","Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion","s3:ListBucket"],"Resource":["arn:aws:s3:::data","arn:aws:s3:::data/*","arn:aws:s3:::logs-archive/2024/*"]}`,
		`{"Sid":"WriteReports","Effect":"Allow","Action":["s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::data/reports/${aws:username}/*"}`,
		`{"Sid":"Tables","Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:Query"],"Resource":["arn:aws:dynamodb:us-east-1:111122223333:table/Orders","arn:aws:dynamodb:us-east-1:111122223333:table/Orders/index/*"]}`,
		`{"Sid":"Functions","Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:*:111122223333:function:app-*"}`,
		`{"Sid":"Logs","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:*:*:log-group:/aws/lambda/app-*:*"}`,
		`{"Sid":"PassDeployer","Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/app/*","Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}}`,
		`{"Sid":"NoSecretsOutsideRegion","Effect":"Deny","Action":"secretsmanager:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}}`,
		`{"Sid":"NoIamExceptPass","Effect":"Deny","NotAction":["iam:PassRole","iam:Get*","iam:List*"],"Resource":"arn:aws:iam::*:*"}`,
	)
	readOnly := stmts(
		`{"Effect":"Allow","Action":["ec2:Describe*","ec2:Get*","s3:List*","s3:GetBucket*","dynamodb:Describe*","dynamodb:List*","lambda:List*","lambda:Get*","logs:Describe*","logs:Get*","sqs:Get*","sqs:List*","sns:Get*","sns:List*","iam:Get*","iam:List*","kms:List*","kms:Describe*"],"Resource":"*"}`,
	)
	boundary := stmts(
		`{"Effect":"Allow","NotAction":["iam:Create*","iam:Delete*","iam:Put*","iam:Attach*","organizations:*"],"Resource":"*"}`,
		`{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::data/reports/final/*"}`,
	)
	return PolicySet{
		Identity: []Named{{Name: "app", Doc: mustParse(b, app)}, {Name: "ReadOnly", Doc: mustParse(b, readOnly)}},
		Boundary: []Named{{Name: "boundary", Doc: mustParse(b, boundary)}},
	}
}

// benchRequests are 1,000 distinct requests over the services above.
func benchRequests() []Request {
	var out []Request
	for i := 0; len(out) < 1000; i++ {
		out = append(out,
			Request{"s3:GetObject", fmt.Sprintf("arn:aws:s3:::data/reports/user%d/2024/%d.csv", i%37, i)},
			Request{"s3:PutObject", fmt.Sprintf("arn:aws:s3:::data/reports/user%d/%d.csv", i%37, i)},
			Request{"dynamodb:Query", fmt.Sprintf("arn:aws:dynamodb:us-east-1:111122223333:table/Orders/index/i%d", i%5)},
			Request{"lambda:InvokeFunction", fmt.Sprintf("arn:aws:lambda:us-east-1:111122223333:function:app-%d", i%13)},
			Request{"logs:PutLogEvents", fmt.Sprintf("arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/app-%d:log-stream:2024/01/%02d/[$LATEST]x", i%13, i%28)},
			Request{"ec2:DescribeInstances", "*"},
			Request{"iam:PassRole", fmt.Sprintf("arn:aws:iam::111122223333:role/app/r%d", i%7)},
			Request{"iam:CreateRole", fmt.Sprintf("arn:aws:iam::111122223333:role/x%d", i)},
			Request{"secretsmanager:GetSecretValue", fmt.Sprintf("arn:aws:secretsmanager:us-east-1:111122223333:secret:s%d", i)},
			Request{"sqs:SendMessage", fmt.Sprintf("arn:aws:sqs:us-east-1:111122223333:q%d", i)},
		)
	}
	return out
}

// BenchmarkEvaluate100k evaluates 100,000 requests (one op) with the
// explanation Result.
func BenchmarkEvaluate100k(b *testing.B) {
	e := Compile(benchSet(b))
	reqs := benchRequests()
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for i := 0; i < 100000; i++ {
			_ = e.Evaluate(reqs[i%len(reqs)])
		}
	}
}

// BenchmarkDecide100k decides 100,000 requests (one op) without explanation.
func BenchmarkDecide100k(b *testing.B) {
	e := Compile(benchSet(b))
	reqs := benchRequests()
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for i := 0; i < 100000; i++ {
			_ = e.Decide(reqs[i%len(reqs)])
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	set := benchSet(b)
	b.ReportAllocs()
	for n := 0; n < b.N; n++ {
		_ = Compile(set)
	}
}

func BenchmarkParseCanonical(b *testing.B) {
	data := []byte(rfc3986(string(benchSet(b).Identity[0].Doc.Canonical())))
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for n := 0; n < b.N; n++ {
		d, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		_ = d.Canonical()
	}
}

// TestDecideDoesNotAllocate keeps Decide allocation-free: review decides
// every observed (action, resource) pair of every principal.
func TestDecideDoesNotAllocate(t *testing.T) {
	e := Compile(PolicySet{Identity: named(t, stmts(
		`{"Effect":"Allow","Action":["s3:Get*","iam:PassRole"],"Resource":["arn:aws:s3:::data/*","arn:aws:iam::*:role/${aws:username}"]}`,
		`{"Effect":"Deny","NotAction":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`,
	))})
	req := Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::data/a/b"}
	if n := testing.AllocsPerRun(100, func() { _ = e.Decide(req) }); n != 0 {
		t.Errorf("Decide allocates %v times per call", n)
	}
}
