package authz

import (
	"fmt"
	"testing"
)

// largeDetails is an account at the size of a big real one: 5,000 roles
// with two inline policies and three of 1,000 customer managed policies
// each, documents URL-encoded as the API returns them.
func largeDetails() *Details {
	doc := func(i int) []byte {
		return DocumentText(awsEncode(fmt.Sprintf(`{"Version": "2012-10-17", "Statement": [{"Sid": "S%d", "Effect": "Allow", `+
			`"Action": ["s3:GetObject", "s3:PutObject", "sqs:SendMessage"], "Resource": ["arn:aws:s3:::bucket-%d/*", "arn:aws:sqs:us-east-1:123456789012:q-%d"]}]}`, i, i, i)))
	}
	const acct = "arn:aws:iam::123456789012:"
	d := &Details{}
	for i := 0; i < 1000; i++ {
		d.Policies = append(d.Policies, DetailPolicy{Arn: fmt.Sprintf("%spolicy/p%04d", acct, i), DefaultVersionID: "v1",
			PolicyVersionList: []DetailPolicyVersion{{VersionID: "v1", IsDefaultVersion: true, Document: doc(i)}}})
	}
	for i := 0; i < 5000; i++ {
		r := DetailRole{Arn: fmt.Sprintf("%srole/team/r%05d", acct, i), AssumeRolePolicyDocument: doc(i),
			RolePolicyList: []DetailInlinePolicy{{PolicyName: "a", PolicyDocument: doc(i)}, {PolicyName: "b", PolicyDocument: doc(i + 1)}}}
		for k := 0; k < 3; k++ {
			r.AttachedManagedPolicies = append(r.AttachedManagedPolicies, DetailAttachedPolicy{PolicyArn: fmt.Sprintf("%spolicy/p%04d", acct, (i*7+k*13)%1000)})
		}
		d.RoleDetailList = append(d.RoleDetailList, r)
	}
	return d
}

func BenchmarkFromDetails(b *testing.B) {
	d := largeDetails()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := FromDetails(d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppliedPoliciesAllRoles(b *testing.B) {
	acc, err := FromDetails(largeDetails())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range acc.Roles {
			if _, err := acc.AppliedPolicies(r.ARN); err != nil {
				b.Fatal(err)
			}
		}
	}
}
