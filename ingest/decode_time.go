package ingest

import "time"

// parseEventTime parses an RFC 3339 timestamp into Unix milliseconds. The
// form CloudTrail writes (2006-01-02T15:04:05Z, optionally with a fraction)
// is parsed by hand; anything else goes to time.Parse, so the accepted set
// and the results are exactly time.Parse(time.RFC3339, s)'s.
func parseEventTime(s string) (int64, bool) {
	if ms, ok := parseZuluFast(s); ok {
		return ms, true
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}

// minuteCache remembers the last "2006-01-02T15:04" prefix parsed: the
// events of one log file share a few minutes, so most timestamps need only
// their seconds parsed.
type minuteCache struct {
	prefix [16]byte
	ms     int64 // the prefix's minute in Unix milliseconds
	ok     bool
}

// parseEventTimeCached is parseEventTime with the minute cache.
func (c *minuteCache) parse(s string) (int64, bool) {
	if c.ok && len(s) == 20 && s[19] == 'Z' && s[16] == ':' && string(c.prefix[:]) == s[:16] {
		if sec, ok := timeDigits(s[17:19]); ok && sec <= 59 {
			return c.ms + int64(sec)*1000, true
		}
	}
	ms, ok := parseEventTime(s)
	if ok && len(s) == 20 && s[19] == 'Z' {
		if sec, ok2 := timeDigits(s[17:19]); ok2 {
			copy(c.prefix[:], s[:16])
			c.ms, c.ok = ms-int64(sec)*1000, true
		}
	}
	return ms, ok
}

func parseZuluFast(s string) (int64, bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return 0, false
	}
	year, ok1 := timeDigits(s[0:4])
	month, ok2 := timeDigits(s[5:7])
	day, ok3 := timeDigits(s[8:10])
	hour, ok4 := timeDigits(s[11:13])
	minute, ok5 := timeDigits(s[14:16])
	sec, ok6 := timeDigits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return 0, false
	}
	if month < 1 || month > 12 || day < 1 || day > timeMonthDays(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	var ms int64
	switch frac := s[19 : len(s)-1]; {
	case len(frac) == 0:
	case frac[0] == '.' && len(frac) >= 2 && len(frac) <= 10:
		for k := 1; k < len(frac); k++ {
			c := frac[k]
			if c < '0' || c > '9' {
				return 0, false
			}
			if k <= 3 {
				ms = ms*10 + int64(c-'0')
			}
		}
		for k := len(frac); k <= 3; k++ {
			ms *= 10
		}
	default:
		return 0, false
	}
	days := timeDaysFromCivil(year, month, day)
	return (days*86400+int64(hour)*3600+int64(minute)*60+int64(sec))*1000 + ms, true
}

func timeDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func timeIsLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func timeMonthDays(month, year int) int {
	switch month {
	case 2:
		if timeIsLeap(year) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// timeDaysFromCivil is the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (Howard Hinnant's algorithm).
func timeDaysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
