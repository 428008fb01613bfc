package analyze

// stripAPIVersion removes the API-version suffix some services append to
// eventName: Lambda's "20150331" and "20150331v2"
// (GetFunctionConfiguration20150331v2), CloudFront's "2016_11_25"
// (UpdateDistribution2016_11_25). It reports whether it removed one. The
// mapper uses the result only when the unstripped name is not itself a
// catalog action.
func stripAPIVersion(name string) (string, bool) {
	end := len(name)
	// Optional "v" and digits after the date: "v2".
	if i := end; i > 0 && isDigit(name[i-1]) {
		j := i
		for j > 0 && isDigit(name[j-1]) {
			j--
		}
		if j > 0 && name[j-1] == 'v' && j < i {
			if base, ok := stripDate(name[:j-1]); ok {
				return base, true
			}
		}
	}
	return stripDate(name)
}

// stripDate removes a trailing YYYYMMDD or YYYY_MM_DD that follows at least
// one letter.
func stripDate(name string) (string, bool) {
	n := len(name)
	switch {
	case n > 8 && allDigits(name[n-8:]) && plausibleDate(name[n-8:n-4], name[n-4:n-2], name[n-2:]):
		if isLetter(name[n-9]) {
			return name[:n-8], true
		}
	case n > 10 && allDigits(name[n-10:n-6]) && name[n-6] == '_' && allDigits(name[n-5:n-3]) && name[n-3] == '_' && allDigits(name[n-2:]) &&
		plausibleDate(name[n-10:n-6], name[n-5:n-3], name[n-2:]):
		if isLetter(name[n-11]) {
			return name[:n-10], true
		}
	}
	return name, false
}

func plausibleDate(y, m, d string) bool {
	return (y[:2] == "19" || y[:2] == "20") && m >= "01" && m <= "12" && d >= "01" && d <= "31"
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
