package analyze_test

import (
	"testing"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/catalog"
)

// BenchmarkReviewAdministrator reviews a principal allowed "*" on "*" with
// a resource-scoped Deny and a boundary: every catalog action is a
// candidate, decided on every pattern.
func BenchmarkReviewAdministrator(b *testing.B) {
	cat := catalog.Default()
	set := rvSet(b, map[string]string{
		"admin": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
			{"Effect":"Deny","Action":"s3:Delete*","Resource":"arn:aws:s3:::prod-*"}]}`,
	}, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`)
	usage := analyze.PrincipalUsage{Principal: rvRole("admin"), Events: 2, Observed: []analyze.Observed{
		rvObs("ec2:DescribeInstances", "*", 1), rvObs("s3:GetObject", rvBucket1+"/a", 1),
	}}
	cov := rvCoverage(rvAccount, rvManagementOnly)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pf := analyze.Review(analyze.ReviewInput{Usage: usage, Current: set}, cat, cov)
		if pf.Counts.Granted < 20000 {
			b.Fatalf("granted %d", pf.Counts.Granted)
		}
	}
}
