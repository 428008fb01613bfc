package generate

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func coveredBy(set []string, q string) bool {
	for _, p := range set {
		if covers(p, q) {
			return true
		}
	}
	return false
}

// TestCollapseDemoShape is the report-builder role of testdata/demo: 24
// objects under one deep prefix and 2 elsewhere in the bucket. A threshold
// of 20 collapses the deep prefix only; 24 and 25 keep every object (they
// once widened to the whole bucket, because the root counted the deep
// prefix's 24 objects as its own entries).
func TestCollapseDemoShape(t *testing.T) {
	var res []string
	for i := range 24 {
		res = append(res, fmt.Sprintf("arn:aws:s3:::reports-bucket/exports/2024/06/02/part-%02d.csv", i))
	}
	res = append(res, "arn:aws:s3:::reports-bucket/reference/a.csv", "arn:aws:s3:::reports-bucket/reference/b.csv")
	tests := []struct {
		name      string
		threshold int
		want      []string // resources expected in the output
		count     int
	}{
		{"below the deep prefix's 24", 20, []string{"arn:aws:s3:::reports-bucket/exports/2024/06/02/*", "arn:aws:s3:::reports-bucket/reference/a.csv"}, 3},
		{"at 24", 24, []string{"arn:aws:s3:::reports-bucket/exports/2024/06/02/part-23.csv"}, 26},
		{"above 24", 25, []string{"arn:aws:s3:::reports-bucket/reference/b.csv"}, 26},
		{"one", 1, []string{"arn:aws:s3:::reports-bucket/*"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, wid := compressResources("s3:GetObject", res, Options{CollapseThreshold: tc.threshold})
			if len(got) != tc.count {
				t.Errorf("%d resources, want %d: %v", len(got), tc.count, got)
			}
			for _, w := range tc.want {
				if !contains(got, w) {
					t.Errorf("want %s in %v", w, got)
				}
			}
			if contains(got, "arn:aws:s3:::reports-bucket/*") != (tc.threshold == 1) {
				t.Errorf("whole bucket granted at threshold %d: %v", tc.threshold, got)
			}
			for _, w := range wid {
				if !contains(got, w.Resource) || w.Reason == "" || w.Replaced < 2 {
					t.Errorf("widening %+v does not explain a resource of %v", w, got)
				}
			}
		})
	}
}

// randomKeys draws object keys (or parameter names) from a small alphabet
// so that prefixes are shared: a few directories of one to three segments
// that each hold up to 40 names, and some keys scattered in between.
func randomKeys(r *rand.Rand) []string {
	seen := map[string]bool{}
	var out []string
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	dir := func() string {
		segs := make([]string, 1+r.IntN(3))
		for i := range segs {
			segs[i] = fmt.Sprintf("%c%d", 'a'+r.IntN(2), r.IntN(2))
		}
		return strings.Join(segs, "/") + "/"
	}
	for range 1 + r.IntN(4) {
		d, n := dir(), 1+r.IntN(40)
		for i := range n {
			add(fmt.Sprintf("%sk%02d", d, i))
		}
	}
	for range r.IntN(10) {
		add(fmt.Sprintf("%sx%d", dir()[:r.IntN(2)*2], r.IntN(20)))
	}
	return out
}

// TestCollapseMonotonic: for a fixed resource set, raising the threshold
// never widens any resource (every resource of the higher threshold's
// output is covered by one of the lower threshold's output), every output
// keeps every observed resource allowed, and nothing goes wider than its
// bucket (S3) or the first path segment (SSM parameters).
func TestCollapseMonotonic(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	const cases = 400
	for c := range cases {
		var res []string
		for _, k := range randomKeys(r) {
			bucket := []string{"b1", "b2"}[r.IntN(2)]
			res = append(res, "arn:aws:s3:::"+bucket+"/"+k)
			if r.IntN(3) == 0 {
				res = append(res, "arn:aws:ssm:eu-west-1:111122223333:parameter/"+k)
			}
		}
		res = sortedDistinct(res)
		t1 := 1 + r.IntN(30)
		t2 := t1 + 1 + r.IntN(30)
		out1, _ := compressResources("s3:GetObject", res, Options{CollapseThreshold: t1})
		out2, _ := compressResources("s3:GetObject", res, Options{CollapseThreshold: t2})
		for _, q := range out2 {
			if !coveredBy(out1, q) {
				t.Fatalf("case %d: threshold %d gives %s, which threshold %d (%v) does not cover", c, t2, q, t1, out1)
			}
		}
		for _, out := range [][]string{out1, out2} {
			for _, o := range res {
				if !coveredBy(out, o) {
					t.Fatalf("case %d: observed %s lost: %v", c, o, out)
				}
			}
			for _, q := range out {
				switch {
				case strings.HasPrefix(q, "arn:aws:s3:::"):
					bucket, rest, ok := strings.Cut(strings.TrimPrefix(q, "arn:aws:s3:::"), "/")
					if !ok || bucket == "" || strings.Contains(bucket, "*") || rest == "" {
						t.Fatalf("case %d: %s is wider than its bucket", c, q)
					}
				case strings.HasPrefix(q, "arn:aws:ssm:"):
					if strings.HasSuffix(q, ":parameter/*") {
						t.Fatalf("case %d: %s is every parameter of the region", c, q)
					}
				}
			}
		}
	}
}

func sortedDistinct(s []string) []string {
	m := map[string]bool{}
	for _, v := range s {
		m[v] = true
	}
	return sortedKeys(m)
}
