package ingest

import (
	"testing"
	"time"
)

func TestParseDir(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		want   Position
	}{
		{"bucket root", "", Position{Level: LevelOutside}},
		{"plain directory", "logs/2024/", Position{Level: LevelOutside}},
		{"AWSLogs", "AWSLogs/", Position{Level: LevelLogs}},
		{"under a trail prefix", "cloudtrail/AWSLogs/", Position{Level: LevelLogs}},
		{"account", "AWSLogs/111122223333/", Position{Level: LevelAccount, Account: "111122223333"}},
		{"org", "AWSLogs/o-abcde12345/", Position{Level: LevelOrg, Org: "o-abcde12345"}},
		{"org account", "AWSLogs/o-abcde12345/444455556666/", Position{Level: LevelAccount, Org: "o-abcde12345", Account: "444455556666"}},
		{"trail", "AWSLogs/111122223333/CloudTrail/", Position{Level: LevelTrail, Account: "111122223333", Service: "CloudTrail"}},
		{"digest", "AWSLogs/111122223333/CloudTrail-Digest/", Position{Level: LevelOutside, Account: "111122223333", Service: "CloudTrail-Digest"}},
		{"region", "AWSLogs/111122223333/CloudTrail/us-gov-west-1/", Position{Level: LevelRegion, Account: "111122223333", Service: "CloudTrail", Region: "us-gov-west-1"}},
		{"day", "p/AWSLogs/o-abcde12345/444455556666/CloudTrail/eu-west-1/2024/06/01/",
			Position{Level: LevelDay, Org: "o-abcde12345", Account: "444455556666", Service: "CloudTrail", Region: "eu-west-1", Year: 2024, Month: 6, Day: 1}},
		{"no such day", "AWSLogs/111122223333/CloudTrail/us-east-1/2023/02/30/",
			Position{Level: LevelOutside, Account: "111122223333", Service: "CloudTrail", Region: "us-east-1", Year: 2023, Month: 2}},
		{"below a day", "AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/01/x/",
			Position{Level: LevelOutside, Account: "111122223333", Service: "CloudTrail", Region: "us-east-1", Year: 2024, Month: 6, Day: 1}},
		{"not an account", "AWSLogs/1111/", Position{Level: LevelOutside}},
		{"not a region", "AWSLogs/111122223333/CloudTrail/global/", Position{Level: LevelOutside, Account: "111122223333", Service: "CloudTrail"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseDir(tt.prefix); got != tt.want {
				t.Errorf("ParseDir(%q) = %+v, want %+v", tt.prefix, got, tt.want)
			}
		})
	}
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		name     string
		key      string
		inLayout bool
		nameTime string
	}{
		{"log", "AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/01/111122223333_CloudTrail_us-east-1_20240601T0005Z_ab12cd34ef56gh78.json.gz", true, "2024-06-01T00:05:00Z"},
		{"digest", "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/06/01/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240601T010000Z.json.gz", false, ""},
		{"flat", "218007301253_CloudTrail_us-east-1_20230710T1145Z_s7dpHbl38neqZbm2.json", false, "2023-07-10T11:45:00Z"},
		{"no time", "events.json", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := ParseKey(tt.key)
			if info.InLayout != tt.inLayout {
				t.Errorf("InLayout = %v, want %v", info.InLayout, tt.inLayout)
			}
			var want time.Time
			if tt.nameTime != "" {
				want, _ = time.Parse(time.RFC3339, tt.nameTime)
			}
			if !info.NameTime.Equal(want) {
				t.Errorf("NameTime = %v, want %v", info.NameTime, want)
			}
		})
	}
}

func TestRegionAndIDShapes(t *testing.T) {
	for _, s := range []string{"us-east-1", "eu-central-2", "us-gov-west-1", "cn-northwest-1", "us-isob-east-1", "ap-southeast-5"} {
		if !isRegionName(s) {
			t.Errorf("isRegionName(%q) = false", s)
		}
	}
	for _, s := range []string{"global", "us-east", "US-EAST-1", "us--1", "2024"} {
		if isRegionName(s) {
			t.Errorf("isRegionName(%q) = true", s)
		}
	}
	for _, s := range []string{"o-abcde12345", "o-a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6"} {
		if !isOrgID(s) {
			t.Errorf("isOrgID(%q) = false", s)
		}
	}
	for _, s := range []string{"o-abc", "o-ABCDE12345", "abcde12345", "o-abcde_12345"} {
		if isOrgID(s) {
			t.Errorf("isOrgID(%q) = true", s)
		}
	}
}
