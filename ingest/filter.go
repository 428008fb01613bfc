package ingest

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamtailor/iamtailor/ingest/store"
)

// Filter selects what a run reads. Path components prune the listing of a
// tree in the CloudTrail layout (never the whole bucket is listed); events
// are then filtered again one by one, so files outside the layout get the
// same selection.
type Filter struct {
	// Since (inclusive) and Until (exclusive) bound eventTime; zero means
	// unbounded.
	Since, Until time.Time
	// Accounts, Regions and OrgIDs select by layout path and, for accounts
	// and regions, by each event's recipientAccountId and awsRegion. Empty
	// selects all. OrgIDs can only be checked from the path: files outside
	// the layout are read whatever it says.
	Accounts []string
	Regions  []string
	OrgIDs   []string
	// Shard takes a deterministic share of the objects, for array jobs.
	Shard Shard
}

// Shard is share Index of Count (0 ≤ Index < Count); Count 0 takes all.
// Objects are assigned by their keys alone (see shardOf), so n runs with
// shards 0/n … n-1/n over the same sources read every object exactly once.
type Shard struct {
	Index, Count int
}

// NameTimeMargin is how far before Since a file may be named and still be
// read. CloudTrail names a file after its delivery, so it holds no later
// event; the margin covers the minute truncation of the name and clock
// skew between the hosts that log and deliver, at the cost of reading at
// most an hour of extra files.
const NameTimeMargin = time.Hour

// LateDeliveryDays is how many days after Until's day the walk still lists:
// an event is filed under the day of its delivery, which for an event near
// midnight is the next day. Events delivered more than a day late are missed
// when Until is set; widen Until to be exhaustive.
const LateDeliveryDays = 1

// ParseTimeBound parses a --since or --until value: a date (2024-06-01, a
// whole UTC day), an RFC 3339 time, or a duration before now (see
// ParseTimeBoundAt). For an upper bound a date means the end of that day,
// so "--until 2024-06-30" includes June 30.
func ParseTimeBound(s string, upper bool) (time.Time, error) {
	return ParseTimeBoundAt(s, upper, time.Now())
}

// ParseTimeBoundAt is ParseTimeBound at the time now. A duration is a
// number of days (30d, of 24 hours each) or a Go duration (720h, 90m,
// 1h30m), and the bound is now minus it, to the second: "--since 30d" run
// at 2024-07-01T10:00:00Z is 2024-06-01T10:00:00Z. Usage rows are per UTC
// day, so on reading the store that selects whole days from June 1 on;
// ingest keeps events from that instant on.
func ParseTimeBoundAt(s string, upper bool, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if upper {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if d, ok := parseAgo(s); ok {
		return now.UTC().Add(-d).Truncate(time.Second), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a date (2024-06-01), an RFC 3339 time (2024-06-01T12:00:00Z) nor a duration before now (30d, 720h)", s)
}

// parseAgo parses a positive duration: Nd or a Go duration.
func parseAgo(s string) (time.Duration, bool) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 100*366 {
			return 0, false
		}
		return time.Duration(n) * 24 * time.Hour, true
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0
}

// Validate reports a filter that can select nothing by construction.
func (f *Filter) Validate() error {
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return fmt.Errorf("since %s is not before until %s", f.Since.Format(time.RFC3339), f.Until.Format(time.RFC3339))
	}
	if f.Shard.Count < 0 || f.Shard.Count > 0 && (f.Shard.Index < 0 || f.Shard.Index >= f.Shard.Count) {
		return fmt.Errorf("shard %d/%d: want 0 <= index < count", f.Shard.Index, f.Shard.Count)
	}
	for _, org := range f.OrgIDs {
		if !isOrgID(org) {
			return fmt.Errorf("org id %q: want o- followed by 10 to 32 lower-case letters or digits", org)
		}
	}
	for _, a := range f.Accounts {
		if !isAccountID(a) {
			return fmt.Errorf("account %q: want 12 digits", a)
		}
	}
	return nil
}

// listDays is the interval of day prefixes to list, [first, end) in days
// since 1970-01-01: Since's day through Until's day plus LateDeliveryDays.
func (f *Filter) listDays() (first, end int64, bounded bool) {
	if f.Since.IsZero() && f.Until.IsZero() {
		return 0, 0, false
	}
	first, end = -1<<40, 1<<40
	if !f.Since.IsZero() {
		first = floorDiv(f.Since.UnixMilli(), 86400_000)
	}
	if !f.Until.IsZero() {
		// Until is exclusive: its last included instant is a millisecond before.
		end = floorDiv(f.Until.UnixMilli()-1, 86400_000) + 1 + LateDeliveryDays
	}
	return first, end, true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// dirVerdict says what to do with a directory at position p.
type dirVerdict int

const (
	dirPrune   dirVerdict = iota // nothing below can match
	dirDescend                   // list it with a delimiter and look at its children
	dirAll                       // everything below matches: list it recursively
)

// dir decides about a directory prefix at position p.
func (f *Filter) dir(p Position) dirVerdict {
	if p.Org != "" && len(f.OrgIDs) > 0 && !slices.Contains(f.OrgIDs, p.Org) {
		return dirPrune
	}
	// A non-organization tree is not part of any organization's trail.
	if p.Account != "" && p.Org == "" && len(f.OrgIDs) > 0 {
		return dirPrune
	}
	if p.Account != "" && len(f.Accounts) > 0 && !slices.Contains(f.Accounts, p.Account) {
		return dirPrune
	}
	if p.Region != "" && len(f.Regions) > 0 && !slices.Contains(f.Regions, p.Region) {
		return dirPrune
	}
	switch p.Level {
	case LevelOutside, LevelLogs, LevelOrg, LevelAccount, LevelTrail:
		return dirDescend
	case LevelRegion:
		if _, _, bounded := f.listDays(); bounded {
			return dirDescend
		}
		return dirAll
	}
	lo, hi, _ := p.dayRange()
	first, end, bounded := f.listDays()
	switch {
	case !bounded:
		return dirAll
	case hi <= first || lo >= end:
		return dirPrune
	case lo >= first && hi <= end:
		return dirAll
	case p.Level == LevelDay:
		return dirAll
	default:
		return dirDescend
	}
}

// objectVerdict is what the key of an object found by listing decides.
type objectVerdict int

const (
	objectRead          objectVerdict = iota
	objectExcluded                    // another account, region, org or shard: not counted
	objectOutsideWindow               // named before Since: holds no event in range
	objectSkip                        // under CloudTrail-Digest/ or similar: skipped with a reason
)

// object decides about one listed object from its key alone.
func (f *Filter) object(o Object) (objectVerdict, SkipReason) {
	if f.Shard.Count > 1 && shardOf(o.Key, f.Shard.Count) != f.Shard.Index {
		return objectExcluded, ""
	}
	info := ParseKey(o.Key)
	if f.dir(info.Dir) == dirPrune {
		return objectExcluded, ""
	}
	if r := info.Dir.skipReason(); r != "" {
		return objectSkip, r
	}
	if !f.Since.IsZero() && !info.NameTime.IsZero() && info.NameTime.Add(NameTimeMargin).Before(f.Since) {
		return objectOutsideWindow, ""
	}
	return objectRead, ""
}

// shardOf assigns a key to one of n shards: the FNV-1a hash (64 bits) of
// the key from its AWSLogs/ segment on (the whole key when it has none),
// modulo n. That part of a log's key is the same in a bucket, under any
// trail prefix, and in a local copy, so those shard alike, and it never
// depends on the listing order, the run or the machine: the shards of an
// array job are a partition of the objects as long as every shard is given
// the same sources. Files outside the layout shard by their key below the
// source (see Object.Key).
func shardOf(key string, n int) int {
	if i := strings.Index(key, awsLogsSegment+"/"); i == 0 || i > 0 && key[i-1] == '/' {
		key = key[i:]
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	return int(h.Sum64() % uint64(n))
}

// ParseShard parses a --shard value "i/n": share i (from 0) of n.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want i/n with 0 <= i < n, such as 0/4 (i counts from 0, like JOB_COMPLETION_INDEX and AWS_BATCH_JOB_ARRAY_INDEX)", s)
	}
	return Shard{Index: i, Count: n}, nil
}

// eventVerdict is what the filter decides about one event.
type eventVerdict int

const (
	eventKeep          eventVerdict = iota
	eventOutsideWindow              // eventTime outside [Since, Until)
	eventFiltered                   // another account or region
)

// event decides about one event of an object at position dir. An event
// that lacks recipientAccountId or awsRegion (old or partial records) is
// judged by its object's path where the layout gives one.
func (f *Filter) event(ev *Event, dir *Position) eventVerdict {
	if !f.Since.IsZero() && ev.Time < f.Since.UnixMilli() ||
		!f.Until.IsZero() && ev.Time >= f.Until.UnixMilli() {
		return eventOutsideWindow
	}
	account, region := eventPlace(ev, dir)
	if len(f.Accounts) > 0 && !slices.Contains(f.Accounts, account) ||
		len(f.Regions) > 0 && !slices.Contains(f.Regions, region) {
		return eventFiltered
	}
	return eventKeep
}

// eventPlace is the account and region an event is filtered and scoped
// by: its recipientAccountId and awsRegion, or where its object's path
// gives them, the path's.
func eventPlace(ev *Event, dir *Position) (account, region string) {
	return orElse(ev.Recipient, dir.Account), orElse(ev.Region, dir.Region)
}

// Scope is the selection f makes among the events of an object it reads,
// as the store records it for the object: the time window and the
// per-event accounts and regions. OrgIDs and Shard select objects, not
// events, and are not part of it.
func (f *Filter) Scope() store.Scope {
	var s store.Scope
	if !f.Since.IsZero() {
		s.Since = f.Since.UnixMilli()
	}
	if !f.Until.IsZero() {
		s.Until = f.Until.UnixMilli()
	}
	if len(f.Accounts) > 0 {
		s.Accounts = slices.Compact(slices.Sorted(slices.Values(f.Accounts)))
	}
	if len(f.Regions) > 0 {
		s.Regions = slices.Compact(slices.Sorted(slices.Values(f.Regions)))
	}
	return s
}

// priorRuns are the filters of the scopes an object's coverage in the store
// is made of: an event (or a row) of the object was counted by an earlier
// run exactly when one of them keeps it. Judging by the very rules that
// counted it keeps the two in step, whatever those rules are.
type priorRuns []Filter

// priorRunsOf turns an object's coverage into the filters of its scopes.
func priorRunsOf(c store.Coverage) priorRuns {
	if len(c) == 0 {
		return nil
	}
	runs := make(priorRuns, len(c))
	for i, s := range c {
		f := &runs[i]
		if s.Since != 0 {
			f.Since = time.UnixMilli(s.Since).UTC()
		}
		if s.Until != 0 {
			f.Until = time.UnixMilli(s.Until).UTC()
		}
		f.Accounts, f.Regions = s.Accounts, s.Regions
	}
	return runs
}

// counted reports whether an earlier run counted the event.
func (p priorRuns) counted(ev *Event, dir *Position) bool {
	for i := range p {
		if p[i].event(ev, dir) == eventKeep {
			return true
		}
	}
	return false
}

// rowCounted reports whether an earlier run counted a usage row that was
// aggregated elsewhere.
func (p priorRuns) rowCounted(r *store.Row, dir *Position) bool {
	for i := range p {
		if p[i].row(r, dir) == eventKeep {
			return true
		}
	}
	return false
}

func orElse(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
