package policy

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

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
		{"question not half a character", "*??", "€", false, false},
		{"question in middle chunk not half a character", "*??*x", "€x", false, false},
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

// FuzzGlob compares the matcher with a regular expression built from the
// same pattern.
func FuzzGlob(f *testing.F) {
	f.Add("G*Obj?ct", "GetObject", false)
	f.Add("*a*b?", "xaxabé", false)
	f.Add("getobject", "GetObject", true)
	f.Fuzz(func(t *testing.T, pattern, s string, fold bool) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			return
		}
		if fold && (!isASCII(pattern) || !isASCII(s)) {
			return // regexp (?i) also folds non-ASCII letters; IAM names are ASCII
		}
		var re strings.Builder
		re.WriteString("(?s)^")
		if fold {
			re.WriteString("(?i)")
		}
		for _, r := range pattern {
			switch r {
			case '*':
				re.WriteString(".*")
			case '?':
				re.WriteString(".")
			default:
				re.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		re.WriteString("$")
		want := regexp.MustCompile(re.String()).MatchString(s)
		g := plainGlob(pattern, fold)
		if got := g.match(s); got != want {
			t.Fatalf("glob %q (fold %v) match %q = %v, regexp says %v", pattern, fold, s, got, want)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
