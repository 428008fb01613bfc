package ingest

import (
	"fmt"
	"testing"
	"time"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseTimeBound(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		upper bool
		want  string
		err   bool
	}{
		{"date as since", "2024-06-01", false, "2024-06-01T00:00:00Z", false},
		{"date as until includes the day", "2024-06-30", true, "2024-07-01T00:00:00Z", false},
		{"rfc3339", "2024-06-01T12:30:00Z", true, "2024-06-01T12:30:00Z", false},
		{"offset normalised to UTC", "2024-06-01T02:00:00+02:00", false, "2024-06-01T00:00:00Z", false},
		{"garbage", "yesterday", false, "", true},
		{"day out of range", "2024-02-30", false, "", true},
		{"days before now", "30d", false, "2024-06-01T08:20:30Z", false},
		{"days before now as until", "1d", true, "2024-06-30T08:20:30Z", false},
		{"hours before now", "720h", false, "2024-06-01T08:20:30Z", false},
		{"a Go duration, truncated to the second", "1h30m0.5s", false, "2024-07-01T06:50:29Z", false},
		{"no negative durations", "-30d", false, "", true},
		{"no zero durations", "0d", false, "", true},
		{"no fractional days", "1.5d", false, "", true},
	}
	now := time.Date(2024, 7, 1, 10, 20, 30, 400e6, time.FixedZone("CEST", 7200))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTimeBoundAt(tt.in, tt.upper, now)
			if tt.err {
				if err == nil {
					t.Fatalf("ParseTimeBound(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := mustTime(t, tt.want); !got.Equal(want) {
				t.Errorf("ParseTimeBound(%q) = %v, want %v", tt.in, got, want)
			}
		})
	}
}

func TestFilterValidate(t *testing.T) {
	tests := []struct {
		name string
		f    Filter
		ok   bool
	}{
		{"empty", Filter{}, true},
		{"since after until", Filter{Since: time.Unix(100, 0), Until: time.Unix(50, 0)}, false},
		{"shard out of range", Filter{Shard: Shard{Index: 3, Count: 3}}, false},
		{"bad account", Filter{Accounts: []string{"12345"}}, false},
		{"bad org", Filter{OrgIDs: []string{"org-1"}}, false},
		{"good", Filter{Accounts: []string{"111122223333"}, OrgIDs: []string{"o-abcde12345"}, Shard: Shard{Index: 1, Count: 4}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.f.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestFilterDir(t *testing.T) {
	window := Filter{Since: mustTime(t, "2024-06-01T00:00:00Z"), Until: mustTime(t, "2024-06-03T00:00:00Z")}
	tests := []struct {
		name   string
		f      Filter
		prefix string
		want   dirVerdict
	}{
		{"region without window: list it all", Filter{}, "AWSLogs/111122223333/CloudTrail/us-east-1/", dirAll},
		{"region with window: descend", window, "AWSLogs/111122223333/CloudTrail/us-east-1/", dirDescend},
		{"year overlapping", window, "AWSLogs/111122223333/CloudTrail/us-east-1/2024/", dirDescend},
		{"year before", window, "AWSLogs/111122223333/CloudTrail/us-east-1/2023/", dirPrune},
		{"month partly in", window, "AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/", dirDescend},
		{"day before since", window, "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/31/", dirPrune},
		{"since's day", window, "AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/01/", dirAll},
		{"until's last day", window, "AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/02/", dirAll},
		{"late delivery day", window, "AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/03/", dirAll},
		{"after late delivery", window, "AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/04/", dirPrune},
		{"whole month inside", Filter{Since: mustTime(t, "2024-01-01T00:00:00Z"), Until: mustTime(t, "2024-12-31T00:00:00Z")},
			"AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/", dirAll},
		{"other account", Filter{Accounts: []string{"444455556666"}}, "AWSLogs/111122223333/", dirPrune},
		{"org account", Filter{Accounts: []string{"444455556666"}}, "AWSLogs/o-abcde12345/444455556666/", dirDescend},
		{"other org", Filter{OrgIDs: []string{"o-zzzzz99999"}}, "AWSLogs/o-abcde12345/", dirPrune},
		{"non-org account when an org is asked", Filter{OrgIDs: []string{"o-abcde12345"}}, "AWSLogs/111122223333/", dirPrune},
		{"other region", Filter{Regions: []string{"eu-west-1"}}, "AWSLogs/111122223333/CloudTrail/us-east-1/", dirPrune},
		{"outside the layout", Filter{Accounts: []string{"444455556666"}}, "exports/", dirDescend},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.dir(ParseDir(tt.prefix)); got != tt.want {
				t.Errorf("dir(%q) = %v, want %v", tt.prefix, got, tt.want)
			}
		})
	}
}

func TestFilterObject(t *testing.T) {
	const day = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/01/"
	f := Filter{Since: mustTime(t, "2024-06-01T12:00:00Z")}
	tests := []struct {
		name   string
		key    string
		want   objectVerdict
		reason SkipReason
	}{
		{"named before since minus the margin", day + "111122223333_CloudTrail_us-east-1_20240601T1055Z_x.json.gz", objectOutsideWindow, ""},
		{"named within the margin", day + "111122223333_CloudTrail_us-east-1_20240601T1105Z_x.json.gz", objectRead, ""},
		{"named after since", day + "111122223333_CloudTrail_us-east-1_20240601T1410Z_x.json.gz", objectRead, ""},
		{"no time in the name", day + "export.json", objectRead, ""},
		{"digest by layout", "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/06/01/d.json.gz", objectSkip, SkipDigest},
		{"insight by layout", "AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/06/01/i.json.gz", objectSkip, SkipInsights},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := f.object(Object{Key: tt.key})
			if got != tt.want || reason != tt.reason {
				t.Errorf("object(%q) = %v %q, want %v %q", tt.key, got, reason, tt.want, tt.reason)
			}
		})
	}
}

func TestFilterEvent(t *testing.T) {
	f := Filter{
		Since:    mustTime(t, "2024-06-01T00:00:00Z"),
		Until:    mustTime(t, "2024-06-02T00:00:00Z"),
		Accounts: []string{"111122223333"},
		Regions:  []string{"us-east-1"},
	}
	in := mustTime(t, "2024-06-01T10:00:00Z").UnixMilli()
	dir := ParseDir("AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/01/")
	tests := []struct {
		name string
		ev   Event
		dir  Position
		want eventVerdict
	}{
		{"inside", Event{Time: in, Recipient: "111122223333", Region: "us-east-1"}, Position{}, eventKeep},
		{"at since", Event{Time: f.Since.UnixMilli(), Recipient: "111122223333", Region: "us-east-1"}, Position{}, eventKeep},
		{"at until is outside", Event{Time: f.Until.UnixMilli(), Recipient: "111122223333", Region: "us-east-1"}, Position{}, eventOutsideWindow},
		{"before since", Event{Time: f.Since.UnixMilli() - 1, Recipient: "111122223333", Region: "us-east-1"}, Position{}, eventOutsideWindow},
		{"other account", Event{Time: in, Recipient: "444455556666", Region: "us-east-1"}, Position{}, eventFiltered},
		{"other region", Event{Time: in, Recipient: "111122223333", Region: "eu-west-1"}, Position{}, eventFiltered},
		{"no recipient, path says", Event{Time: in, Region: "us-east-1"}, dir, eventKeep},
		{"no recipient, no path", Event{Time: in, Region: "us-east-1"}, Position{}, eventFiltered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.event(&tt.ev, &tt.dir); got != tt.want {
				t.Errorf("event = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestShardIsAPartition(t *testing.T) {
	keys := []string{"a", "b", "AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/01/x.json.gz", "c/d", "e", "f", "g", "h"}
	for i := range 40 {
		keys = append(keys, fmt.Sprintf("AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/%02d/111122223333_CloudTrail_us-east-1_20240601T%04dZ_x.json.gz", 1+i%28, i))
	}
	const n = 3
	seen := map[string]int{}
	perShard := [n]int{}
	for i := range n {
		f := Filter{Shard: Shard{Index: i, Count: n}}
		for _, k := range keys {
			if v, _ := f.object(Object{Key: k}); v == objectRead {
				seen[k]++
				perShard[i]++
			}
		}
	}
	for _, k := range keys {
		if seen[k] != 1 {
			t.Errorf("key %q taken by %d shards, want exactly 1", k, seen[k])
		}
	}
	for i, c := range perShard {
		if c == 0 {
			t.Errorf("shard %d/%d took none of %d keys", i, n, len(keys))
		}
	}
}

// TestShardOfIsStable pins the assignment (the values are FNV-1a 64 mod 7
// computed by an independent implementation): shards of one array job may
// run different builds of iamtailor, and a bucket, a trail prefix in it and
// a local copy must agree.
func TestShardOfIsStable(t *testing.T) {
	const key = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/01/111122223333_CloudTrail_us-east-1_20240601T0005Z_ab12cd34ef56gh78.json.gz"
	tests := []struct {
		name string
		key  string
		want int
	}{
		{"bucket root", key, 3},
		{"under a trail prefix", "org-trail/" + key, 3},
		{"under a deeper prefix", "a/b/" + key, 3},
		{"AWSLogs inside a name is not the segment", "xAWSLogs/111122223333/CloudTrail/x.json.gz", 0},
		{"outside the layout", "exports/2024-06-01.json", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shardOf(tt.key, 7); got != tt.want {
				t.Errorf("shardOf(%q, 7) = %d, want %d", tt.key, got, tt.want)
			}
		})
	}
}

func TestParseShard(t *testing.T) {
	tests := []struct {
		in   string
		want Shard
		err  bool
	}{
		{"0/4", Shard{0, 4}, false},
		{"3/4", Shard{3, 4}, false},
		{"0/1", Shard{0, 1}, false},
		{"4/4", Shard{}, true},
		{"-1/4", Shard{}, true},
		{"1/0", Shard{}, true},
		{"1", Shard{}, true},
		{"a/b", Shard{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseShard(tt.in)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("ParseShard(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}
