package ingest

import (
	"strconv"
	"strings"
	"time"
)

// CloudTrail delivers to S3 under
//
//	[prefix/]AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>
//	[prefix/]AWSLogs/<o-org-id>/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>   (organization trails)
//
// with digests under CloudTrail-Digest/ and Insights events under
// CloudTrail-Insight/ in place of CloudTrail/. Log file names carry the
// delivery time: <account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<unique>.json.gz.

// Level is a depth in the CloudTrail layout.
type Level int

const (
	// LevelOutside is not (or no longer) in the layout: everything below is
	// read, and time filtering happens per event.
	LevelOutside Level = iota
	LevelLogs          // AWSLogs/: children are accounts and organization ids
	LevelOrg           // AWSLogs/<o-org-id>/: children are accounts
	LevelAccount       // …/<account>/: children are CloudTrail, CloudTrail-Digest, …
	LevelTrail         // …/CloudTrail/: children are regions
	LevelRegion        // children are years
	LevelYear          // children are months
	LevelMonth         // children are days
	LevelDay           // children are log files
)

// Position is where a directory prefix or an object lies in the layout,
// with every component known from its path. Components above a point where
// the path leaves the layout stay known (Level is then LevelOutside).
type Position struct {
	Level   Level
	Org     string // o-… for organization trails
	Account string
	// Service is the segment after the account: "CloudTrail",
	// "CloudTrail-Digest", "CloudTrail-Insight" or another service's name.
	Service string
	Region  string
	Year    int
	Month   int
	Day     int
}

const awsLogsSegment = "AWSLogs"

// ParseDir returns the position of a directory prefix ("" or ending in "/").
func ParseDir(prefix string) Position {
	segs := strings.Split(strings.TrimSuffix(prefix, "/"), "/")
	if prefix == "" {
		segs = nil
	}
	var p Position
	for _, s := range segs {
		p = p.child(s)
	}
	return p
}

// child is the position of the sub-prefix named seg below p.
func (p Position) child(seg string) Position {
	c := p
	c.Level = LevelOutside
	switch p.Level {
	case LevelOutside:
		if seg == awsLogsSegment {
			return Position{Level: LevelLogs}
		}
	case LevelLogs:
		switch {
		case isOrgID(seg):
			c.Org, c.Level = seg, LevelOrg
		case isAccountID(seg):
			c.Account, c.Level = seg, LevelAccount
		}
	case LevelOrg:
		if isAccountID(seg) {
			c.Account, c.Level = seg, LevelAccount
		}
	case LevelAccount:
		c.Service = seg
		if seg == "CloudTrail" {
			c.Level = LevelTrail
		}
	case LevelTrail:
		if isRegionName(seg) {
			c.Region, c.Level = seg, LevelRegion
		}
	case LevelRegion:
		if n, ok := digits(seg, 4); ok && n >= 1970 {
			c.Year, c.Level = n, LevelYear
		}
	case LevelYear:
		if n, ok := digits(seg, 2); ok && n >= 1 && n <= 12 {
			c.Month, c.Level = n, LevelMonth
		}
	case LevelMonth:
		if n, ok := digits(seg, 2); ok && n >= 1 && n <= daysIn(p.Year, p.Month) {
			c.Day, c.Level = n, LevelDay
		}
	}
	return c
}

// skipReason says why a prefix at this position holds nothing to read, or
// "" when it may.
func (p Position) skipReason() SkipReason {
	switch {
	case p.Service == "" || p.Service == "CloudTrail":
		return ""
	case p.Service == "CloudTrail-Digest":
		return SkipDigest
	case p.Service == "CloudTrail-Insight":
		return SkipInsights
	default:
		return SkipOtherServicePrefix
	}
}

// ObjectInfo is what an object's key says about it.
type ObjectInfo struct {
	// Dir is the position of the directory holding the object.
	Dir Position
	// InLayout is true for a log file in a day directory of the layout.
	InLayout bool
	// NameTime is the delivery time in the file name, zero if the name
	// carries none. CloudTrail names a file after its delivery, so it holds
	// no event later than that.
	NameTime time.Time
}

// ParseKey returns what an object's key says about it.
func ParseKey(key string) ObjectInfo {
	dir, name := "", key
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		dir, name = key[:i+1], key[i+1:]
	}
	info := ObjectInfo{Dir: ParseDir(dir), NameTime: nameTime(name)}
	info.InLayout = info.Dir.Level == LevelDay
	return info
}

// nameTime parses the _YYYYMMDDTHHmmZ_ (logs) or _YYYYMMDDTHHmmssZ (digests)
// field of a CloudTrail file name.
func nameTime(name string) time.Time {
	for _, field := range strings.Split(name, "_") {
		if len(field) != len("20060102T1504Z") || field[8] != 'T' || field[13] != 'Z' {
			continue
		}
		if t, err := time.Parse("20060102T1504Z", field); err == nil {
			return t
		}
	}
	return time.Time{}
}

// dayRange is the interval of UTC days a layout position covers,
// [first, end) in days since 1970-01-01; ok is false above the region level.
func (p Position) dayRange() (first, end int64, ok bool) {
	switch p.Level {
	case LevelYear:
		return epochDay(p.Year, 1, 1), epochDay(p.Year+1, 1, 1), true
	case LevelMonth:
		return epochDay(p.Year, p.Month, 1), epochDay(p.Year, p.Month+1, 1), true
	case LevelDay:
		d := epochDay(p.Year, p.Month, p.Day)
		return d, d + 1, true
	}
	return 0, 0, false
}

func epochDay(y, m, d int) int64 {
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func digits(s string, n int) (int, bool) {
	if len(s) != n {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.Atoi(s)
	return v, err == nil
}

func isAccountID(s string) bool {
	_, ok := digits(s, 12)
	return ok
}

// isOrgID matches AWS Organizations ids: "o-" and 10 to 32 lower-case
// letters or digits.
func isOrgID(s string) bool {
	if !strings.HasPrefix(s, "o-") || len(s) < 12 || len(s) > 34 {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// isRegionName accepts the shape of region names in every partition
// (us-east-1, us-gov-west-1, cn-north-1, eu-isoe-west-1) without a list
// that would go stale.
func isRegionName(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 {
		return false
	}
	if _, err := strconv.Atoi(parts[len(parts)-1]); err != nil {
		return false
	}
	for _, p := range parts[:len(parts)-1] {
		if p == "" {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < 'a' || p[i] > 'z' {
				return false
			}
		}
	}
	return true
}
