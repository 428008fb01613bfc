package policy

import "testing"

func TestGlob(t *testing.T) {
	tests := []struct {
		name, pattern, s string
		fold, want       bool
	}{
		{"literal equal", "GetObject", "GetObject", false, true},
		{"literal differs", "GetObject", "GetObjects", false, false},
		{"literal shorter input", "GetObject", "Get", false, false},
		{"empty pattern empty input", "", "", false, true},
		{"empty pattern nonempty input", "", "a", false, false},
		{"star alone", "*", "", false, true},
		{"star matches slash and colon", "a*z", "a/b:c/z", false, true},
		{"prefix star", "Get*", "GetObject", false, true},
		{"suffix star", "*Object", "GetObject", false, true},
		{"inner star", "G*Obj*t", "GetObject", false, true},
		{"star needs suffix", "*Object", "GetObjects", false, false},
		{"two stars backtrack", "*a*b", "xaxaxb", false, true},
		{"overlapping prefix suffix", "ab*ba", "aba", false, false},
		{"question one char", "G?tObject", "GetObject", false, true},
		{"question not zero chars", "G?Object", "GObject", false, false},
		{"question multibyte", "a?b", "aéb", false, true},
		{"question in last chunk multibyte", "*?b", "éb", false, true},
		{"question in last chunk too short", "*??b", "éb", false, false},
		{"case fold", "getobject", "GetObject", true, true},
		{"case kept", "getobject", "GetObject", false, false},
		{"star then question", "*?", "", false, false},
		{"leftmost middle chunk", "*ab*c", "abab-c", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := plainGlob(tt.pattern, tt.fold)
			if got := g.match(tt.s); got != tt.want {
				t.Errorf("glob %q (fold %v) match %q = %v, want %v", tt.pattern, tt.fold, tt.s, got, tt.want)
			}
		})
	}
}
