package generate

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/iamtailor/iamtailor/analyze"
)

// benchUsages builds n principals with perPrincipal distinct observed
// accesses each, drawn like the property test's usage: random catalog
// actions of common services on ARNs that fit their templates, S3 keys
// sharing prefixes.
func benchUsages(n, perPrincipal int) []analyze.PrincipalUsage {
	c := cat()
	r := rand.New(rand.NewPCG(42, 42))
	usages := make([]analyze.PrincipalUsage, 0, n)
	for i := 0; i < n; i++ {
		u := analyze.PrincipalUsage{Principal: role(fmt.Sprintf("service-%04d", i))}
		seen := map[analyze.Access]bool{}
		for len(u.Observed) < perPrincipal {
			svc, _ := c.Service(propertyServices[r.IntN(len(propertyServices))])
			a := svc.Actions[r.IntN(len(svc.Actions))]
			resource := "*"
			if a.TakesResources() {
				rt := a.Resources[r.IntN(len(a.Resources))].Type
				resource = randomARN(r, rt.ARN, "aws")
				if len(a.ResourceTypesFor(resource)) == 0 {
					continue
				}
			}
			o := obs(a.FullName(), resource)
			if resource == "*" && a.TakesResources() {
				o.ResourceNote = "bench"
			}
			if seen[o.Access] {
				continue
			}
			seen[o.Access] = true
			u.Observed = append(u.Observed, o)
		}
		u.Events = int64(len(u.Observed))
		usages = append(usages, u)
	}
	return usages
}

// BenchmarkGenerate is issue 6's generation target: 1,000 principals with
// 100,000 distinct observed accesses in total, generated, validated and
// rendered (JSON and summary). Target: under 5 s per operation.
func BenchmarkGenerate(b *testing.B) {
	usages := benchUsages(1000, 100)
	opts := DefaultOptions()
	b.ResetTimer()
	for b.Loop() {
		run, err := Generate(usages, cat(), opts)
		if err != nil {
			b.Fatal(err)
		}
		if run.Failed() != 0 {
			b.Fatalf("%d principals failed: %s", run.Failed(), run.Results[0].Summary.Error)
		}
		if _, err := run.Files(FormatJSON); err != nil {
			b.Fatal(err)
		}
	}
}
