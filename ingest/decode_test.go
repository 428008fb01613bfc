package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// decCloneEvent deep-copies an event out of the decoder's reused memory.
func decCloneEvent(ev *Event) Event {
	c := *ev
	c.msgBuf = nil
	c.Source = strings.Clone(ev.Source)
	c.Name = strings.Clone(ev.Name)
	c.Region = strings.Clone(ev.Region)
	c.Recipient = strings.Clone(ev.Recipient)
	c.Type = strings.Clone(ev.Type)
	c.Category = strings.Clone(ev.Category)
	c.ReadOnly = strings.Clone(ev.ReadOnly)
	c.ErrorCode = strings.Clone(ev.ErrorCode)
	c.ErrorMessage = strings.Clone(ev.ErrorMessage)
	c.SharedEventID = strings.Clone(ev.SharedEventID)
	id := &c.Identity
	for _, p := range []*string{&id.Type, &id.ARN, &id.AccountID, &id.PrincipalID, &id.UserName, &id.InvokedBy,
		&id.IdentityProvider, &id.OnBehalfOfUserID, &id.OnBehalfOfStoreARN,
		&id.Issuer.Type, &id.Issuer.ARN, &id.Issuer.AccountID, &id.Issuer.PrincipalID, &id.Issuer.UserName} {
		*p = strings.Clone(*p)
	}
	c.Resources = nil
	for _, r := range ev.Resources {
		c.Resources = append(c.Resources, Resource{strings.Clone(r.ARN), strings.Clone(r.AccountID), strings.Clone(r.Type)})
	}
	c.Params = nil
	for _, p := range ev.Params {
		c.Params = append(c.Params, Param{strings.Clone(p.Name), strings.Clone(p.Value)})
	}
	return c
}

// decDecode decodes data and keeps clones of the events.
func decDecode(data []byte) (FileResult, []Event, error) {
	var evs []Event
	res, err := Decode(bytes.NewReader(data), func(ev *Event) error {
		evs = append(evs, decCloneEvent(ev))
		return nil
	})
	return res, evs, err
}

func decGzip(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func decFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "decode", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decCorpus(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(decodeSharedDir(t), "cloudtrail", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func reasonOf(err error) SkipReason {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe.Reason
	}
	if err != nil {
		return "not a FileError: " + SkipReason(err.Error())
	}
	return ""
}

func skips(kv ...any) map[SkipReason]int64 {
	if len(kv) == 0 {
		return nil
	}
	m := map[SkipReason]int64{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(SkipReason)] = int64(kv[i+1].(int))
	}
	return m
}

const decEvent = `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u","accountId":"111122223333"},"eventTime":"2024-01-02T03:04:05Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","requestParameters":{"bucketName":"b","key":"k"},"recipientAccountId":"111122223333"}`

func TestDecodeFormats(t *testing.T) {
	records := decFixture(t, "kitchen-sink.json")
	cases := []struct {
		name    string
		in      []byte
		format  Format
		gz      bool
		events  int64
		skipped map[SkipReason]int64
		reason  SkipReason
		errHas  string // substring of the error message
		check   func(t *testing.T, evs []Event)
		lax     bool // the reference decoder, being strict, disagrees
	}{
		{name: "records", in: records, format: FormatRecords, events: 3,
			skipped: skips(SkipMissingEventSource, 1, SkipInvalidEventTime, 1, SkipMissingUserIdentity, 1, SkipNotAnObject, 1),
			check:   checkKitchenSink},
		{name: "records gzip", in: decGzip(t, records), format: FormatRecords, gz: true, events: 3,
			skipped: skips(SkipMissingEventSource, 1, SkipInvalidEventTime, 1, SkipMissingUserIdentity, 1, SkipNotAnObject, 1),
			check:   checkKitchenSink},
		{name: "records empty", in: []byte(`{"Records":[]}`), format: FormatRecords},
		{name: "records empty with whitespace", in: []byte("\n {\n \"Records\" : [ ] \n}\n"), format: FormatRecords},
		{name: "records after other keys", in: []byte(`{"a":{"Records":1},"b":[{"c":"d"}],"Records":[` + decEvent + `],"z":null}`), format: FormatRecords, events: 1},
		{name: "records with byte order mark", in: []byte("\xef\xbb\xbf{\"Records\":[" + decEvent + "]}"), format: FormatRecords, events: 1},
		{name: "records concatenated", in: []byte(`{"Records":[` + decEvent + `]}` + "\n" + `{"Records":[` + decEvent + `,` + decEvent + `]}`), format: FormatRecords, events: 3},
		{name: "records then garbage", in: []byte(`{"Records":[` + decEvent + `]} x`), format: FormatRecords, events: 1, reason: SkipInvalidJSON, errHas: fmt.Sprintf("after the top-level value at byte %d (line 1)", len(`{"Records":[]} `)+len(decEvent))},
		{name: "records then an event", in: []byte(`{"Records":[]}` + decEvent), format: FormatRecords, reason: SkipInvalidJSON},
		{name: "records null is not a log file", in: []byte(`{"Records":null}`), format: FormatNotCloudTrail, reason: SkipNotCloudTrail},
		{name: "array", in: decFixture(t, "array.json"), format: FormatArray, events: 2},
		{name: "array empty", in: []byte(`[]`), format: FormatArray},
		{name: "array of numbers", in: []byte(`[1,2]`), format: FormatNotCloudTrail, reason: SkipNotCloudTrail},
		{name: "array of other objects", in: []byte(`[{"a":1}]`), format: FormatNotCloudTrail, reason: SkipNotCloudTrail},
		{name: "array with a non-object later", in: []byte(`[` + decEvent + `,1,"x",null]`), format: FormatArray, events: 1, skipped: skips(SkipNotAnObject, 3)},
		{name: "ndjson lake export", in: decFixture(t, "lake-export.ndjson"), format: FormatNDJSON, events: 2},
		{name: "ndjson crlf", in: []byte(decEvent + "\r\n" + decEvent + "\r\n"), format: FormatNDJSON, events: 2},
		{name: "ndjson non-objects", in: []byte(decEvent + "\n42\n\"s\"\n[1]\n{}\n"), format: FormatNDJSON, events: 1,
			skipped: skips(SkipNotAnObject, 3, SkipMissingEventSource, 1)},
		{name: "cloudwatch logs export", in: decFixture(t, "cloudwatch-export.txt"), format: FormatNDJSON, events: 2},
		{name: "eventbridge", in: decFixture(t, "eventbridge.ndjson"), format: FormatNDJSON, events: 2, skipped: skips(SkipMissingEventSource, 1),
			check: func(t *testing.T, evs []Event) {
				if evs[0].Name != "PutObject" || evs[1].Name != "ConsoleLogin" || evs[1].Type != "AwsConsoleSignIn" {
					t.Errorf("eventbridge details: %+v", evs)
				}
				if len(evs[0].Resources) != 2 {
					t.Errorf("detail resources not kept: %+v", evs[0].Resources)
				}
			}},
		{name: "lookup events", in: decFixture(t, "lookup-events.json"), format: FormatLookupEvents, events: 2, skipped: skips(SkipInvalidEmbedded, 1), check: checkLookup},
		{name: "lookup items ndjson", in: decFixture(t, "lookup-items.ndjson"), format: FormatNDJSON, events: 2, check: checkLookup},
		{name: "lookup item with embedded non-object", in: []byte(`{"CloudTrailEvent":"[1]"}` + "\n" + `{"CloudTrailEvent":` + jsonString(decEvent) + `}`), format: FormatNDJSON, events: 1, skipped: skips(SkipNotAnObject, 1)},
		{name: "logstash", in: decCorpus(t, "otrf-security-datasets/ec2_proxy_s3_exfiltration_2020-09-14011940.json"), format: FormatNDJSON, events: 103,
			check: func(t *testing.T, evs []Event) {
				if evs[0].Time != 1600044263000 { // @timestamp 2020-09-14T00:44:23.000Z
					t.Errorf("@timestamp: got %d", evs[0].Time)
				}
			}},
		{name: "digest", in: decFixture(t, "digest.json"), format: FormatDigest, reason: SkipDigest, errHas: `"digestStartTime" at byte 31`},
		{name: "digest gzip", in: decGzip(t, decFixture(t, "digest.json")), format: FormatDigest, gz: true, reason: SkipDigest},
		{name: "insights", in: decFixture(t, "insights.json"), format: FormatInsights, reason: SkipInsights},
		{name: "insight after an api call", in: []byte(`{"Records":[` + decEvent + `,{"eventType":"AwsCloudTrailInsight","eventTime":"2024-01-01T00:00:00Z"}]}`), format: FormatRecords, events: 1, skipped: skips(SkipInsightEvent, 1)},
		{name: "csv", in: decCorpus(t, "otrf-security-datasets/AWS_S3_HoneyBucketLogs.csv"), format: FormatNotCloudTrail, reason: SkipNotCloudTrail, errHas: "starting with 'E' at byte 0"},
		{name: "other json object", in: decCorpus(t, "aws-cloudtrail-processing-library-fixtures/SQSMessageBody"), format: FormatNotCloudTrail, reason: SkipNotCloudTrail},
		{name: "json string", in: []byte(`"hello"`), format: FormatNotCloudTrail, reason: SkipNotCloudTrail},
		{name: "json number", in: []byte(`2024`), format: FormatNotCloudTrail, reason: SkipNotCloudTrail},
		{name: "zero bytes", in: nil, format: FormatEmpty, reason: SkipEmptyFile, errHas: "0 bytes"},
		{name: "whitespace only", in: []byte(" \n\t\r\n"), format: FormatEmpty, reason: SkipEmptyFile, errHas: "whitespace (5 bytes)"},
		{name: "gzip of nothing", in: decGzip(t, nil), format: FormatEmpty, gz: true, reason: SkipEmptyFile},
		{name: "invalid json", in: decCorpus(t, "aws-cloudtrail-processing-library-fixtures/SerializerTestFileBadJsonFormat.json"), format: FormatRecords, reason: SkipInvalidJSON, errHas: "at byte 1293 (line 37)"},
		{name: "invalid json in skipped string", in: []byte(`{"Records":[{"userAgent":"a\qb"}]}`), format: FormatRecords, reason: SkipInvalidJSON, errHas: "escape code at byte 28"},
		{name: "control character in skipped object", in: []byte("{\"Records\":[{\"responseElements\":{\"a\":\"x\ty\"}}]}"), format: FormatRecords, reason: SkipInvalidJSON, errHas: "in string literal at byte 39"},
		{name: "unbalanced skipped object", in: []byte(`{"Records":[{"responseElements":{"a":[1}}]}`), format: FormatRecords, reason: SkipInvalidJSON},
		// Skipped objects and arrays are read by their string and bracket
		// structure; their inner grammar is not checked (the reference
		// decoder rejects this one).
		{name: "grammar inside a skipped object is not checked", in: []byte(`{"Records":[{"responseElements":{"a" 1}}]}`), format: FormatRecords, skipped: skips(SkipMissingEventSource, 1), lax: true},
		{name: "invalid escape", in: []byte(`{"Records":[{"eventName":"a\qb"}]}`), format: FormatRecords, reason: SkipInvalidJSON, errHas: "escape code at byte 28"},
		{name: "control character in string", in: []byte("{\"Records\":[{\"x\":\"a\tb\"}]}"), format: FormatRecords, reason: SkipInvalidJSON},
		{name: "truncated json", in: []byte(`{"Records":[` + decEvent[:100]), format: FormatRecords, reason: SkipInvalidJSON, errHas: "unexpected end of input"},
		{name: "truncated json after an event", in: []byte(`{"Records":[` + decEvent + `,`), format: FormatRecords, events: 1, reason: SkipInvalidJSON},
		{name: "ndjson bad line", in: []byte(decEvent + "\n" + decEvent + "\n{\"eventName\":}\n"), format: FormatNDJSON, events: 2, reason: SkipInvalidJSON, errHas: "(line 3)"},
		{name: "truncated gzip", in: decGzip(t, records)[:500], format: FormatRecords, gz: true, reason: SkipCorruptGzip},
		{name: "corrupt gzip", in: corrupt(decGzip(t, records)), gz: true, reason: SkipCorruptGzip},
		{name: "gzip then garbage", in: append(decGzip(t, records), "garbage"...), format: FormatRecords, gz: true, events: 3,
			skipped: skips(SkipMissingEventSource, 1, SkipInvalidEventTime, 1, SkipMissingUserIdentity, 1, SkipNotAnObject, 1), reason: SkipCorruptGzip},
		{name: "multi-member gzip", in: append(decGzip(t, []byte(`{"Records":[`+decEvent+`]}`)), decGzip(t, []byte(`{"Records":[`+decEvent+`]}`))...), format: FormatRecords, gz: true, events: 2},
		{name: "gzip members split mid-document", in: append(decGzip(t, []byte(`{"Records":[`+decEvent[:50])), decGzip(t, []byte(decEvent[50:]+`]}`))...), format: FormatRecords, gz: true, events: 1},
		{name: "event with unknown fields only", in: []byte(`{"Records":[{"foo":"bar","nested":{"eventSource":"x"}}]}`), format: FormatRecords, skipped: skips(SkipMissingEventSource, 1)},
		{name: "missing event name", in: []byte(`{"Records":[{"eventSource":"s3.amazonaws.com"}]}`), format: FormatRecords, skipped: skips(SkipMissingEventName, 1)},
		{name: "missing event time", in: []byte(`{"Records":[{"eventSource":"s3.amazonaws.com","eventName":"x","eventTime":null}]}`), format: FormatRecords, skipped: skips(SkipMissingEventTime, 1)},
		{name: "timestamp prefix not followed by an object", in: []byte("2024-01-01T00:00:00Z hello\n"), format: FormatNotCloudTrail, reason: SkipNotCloudTrail},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, evs, err := decDecode(tc.in)
			if got := reasonOf(err); got != tc.reason {
				t.Fatalf("reason %q, want %q (err %v)", got, tc.reason, err)
			}
			if tc.errHas != "" && (err == nil || !strings.Contains(err.Error(), tc.errHas)) {
				t.Errorf("error %v does not say %q", err, tc.errHas)
			}
			if tc.format != "" && res.Format != tc.format {
				t.Errorf("format %q, want %q", res.Format, tc.format)
			}
			if res.Gzipped != tc.gz {
				t.Errorf("gzipped %v, want %v", res.Gzipped, tc.gz)
			}
			if res.Events != tc.events || int64(len(evs)) != tc.events {
				t.Errorf("events %d (callbacks %d), want %d", res.Events, len(evs), tc.events)
			}
			if !reflect.DeepEqual(res.EventsSkipped, tc.skipped) {
				t.Errorf("skipped %v, want %v", res.EventsSkipped, tc.skipped)
			}
			if tc.check != nil && err == nil {
				tc.check(t, evs)
			}
			// Every case also goes through the reference decoder.
			if !tc.lax {
				decCompare(t, tc.in, res, evs, err)
			}
		})
	}
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	b.WriteByte('"')
	return b.String()
}

func corrupt(b []byte) []byte {
	c := bytes.Clone(b)
	for i := len(c) / 3; i < len(c)/3+40; i++ {
		c[i] ^= 0x5a
	}
	return c
}

func checkKitchenSink(t *testing.T, evs []Event) {
	t.Helper()
	run := evs[0]
	want := Event{
		Time:          1709288130123,
		Source:        "ec2.amazonaws.com",
		Name:          "RunInstances",
		Region:        "us-gov-west-1",
		Recipient:     "111122223333",
		Type:          "AwsApiCall",
		Category:      "Management",
		ReadOnly:      "false",
		ErrorCode:     "Client.UnauthorizedOperation",
		ErrorMessage:  run.ErrorMessage,
		SharedEventID: "0d8b9b3a-0000-0000-0000-000000000000",
		Identity: Identity{
			Type:               "AssumedRole",
			ARN:                "arn:aws-us-gov:sts::111122223333:assumed-role/Admin/alice@example.com",
			AccountID:          "111122223333",
			PrincipalID:        "AROAEXAMPLEROLEID0001:alice@example.com",
			IdentityProvider:   "arn:aws-us-gov:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
			OnBehalfOfUserID:   "94482488-3041-7026-18f3-be45837cd0e4",
			OnBehalfOfStoreARN: "arn:aws:identitystore::111122223333:identitystore/d-9067230000",
			Issuer:             SessionIssuer{Type: "Role", PrincipalID: "AROAEXAMPLEROLEID0001", ARN: "arn:aws-us-gov:iam::111122223333:role/sso/Admin", AccountID: "111122223333", UserName: "Admin"},
		},
		Resources: []Resource{
			{ARN: "arn:aws-us-gov:ec2:us-gov-west-1:111122223333:instance/i-0123456789abcdef0", AccountID: "111122223333", Type: "AWS::EC2::Instance"},
			{ARN: "arn:aws-us-gov:s3:::bucket/prefix/*", Type: "AWS::S3::Object"},
		},
		Params: []Param{
			{"instancesSet.items.imageId", "ami-0abcdef1234567890"},
			{"iamInstanceProfile.arn", "arn:aws-us-gov:iam::111122223333:instance-profile/app-profile"},
			{"iamInstanceProfile.name", "app-profile"},
			{"networkInterfaceSet.items.subnetId", "subnet-0123456789abcdef0"},
			{"networkInterfaceSet.items.groupSet.items.groupId", "sg-0123456789abcdef0"},
			{"tagSpecificationSet.items.resourceType", "instance"},
			{"tagSpecificationSet.items.tags.key", "Name"},
			{"escapedKey", "kept-after-unescaping"},
			{"keyName", "deploy-key"},
		},
	}
	if !reflect.DeepEqual(run, want) {
		t.Errorf("RunInstances event:\n got %+v\nwant %+v", run, want)
	}
	if !strings.HasPrefix(run.ErrorMessage, "You are not authorized") {
		t.Errorf("error message %q", run.ErrorMessage)
	}
	cp := evs[1]
	wantParams := []Param{{"bucketName", "dest-bucket"}, {"x-amz-copy-source", "src-bucket/path/to/object.txt"}, {"key", "copied/object.txt"}}
	if !reflect.DeepEqual(cp.Params, wantParams) || cp.ReadOnly != "false" || cp.Identity.UserName != "bob" {
		t.Errorf("CopyObject event: %+v", cp)
	}
	dec := evs[2]
	if dec.Source != "kms.amazonaws.com" || dec.Identity.Type != "AWSAccount" || dec.Identity.InvokedBy != "" || dec.ReadOnly != "true" {
		t.Errorf("duplicate keys must resolve to the last: %+v", dec)
	}
	if dec.Time != 1709281020000 { // 10:17:00+02:00
		t.Errorf("offset time: %d", dec.Time)
	}
	if len(dec.Params) != 2 || dec.Params[0].Name != "encryptionContext.aws:lambda:FunctionArn" || dec.Params[1].Name != "keyId" {
		t.Errorf("last requestParameters wins: %+v", dec.Params)
	}
}

func checkLookup(t *testing.T, evs []Event) {
	t.Helper()
	if evs[0].Name != "DescribeTable" || evs[0].Identity.UserName != "carol" || evs[0].ReadOnly != "true" ||
		len(evs[0].Params) != 1 || evs[0].Params[0] != (Param{"tableName", "orders"}) {
		t.Errorf("first LookupEvents event: %+v", evs[0])
	}
	want := []Param{{"functionName", "fn"}, {"role", "arn:aws:iam::111122223333:role/fn-role"}, {"code.s3Bucket", "artifacts"}, {"code.s3Key", "fn.zip"}}
	if !reflect.DeepEqual(evs[1].Params, want) {
		t.Errorf("CreateFunction params %+v, want %+v", evs[1].Params, want)
	}
}

// decCompare checks Decode's outcome against the reference decoder.
func decCompare(t *testing.T, in []byte, res FileResult, evs []Event, err error) {
	t.Helper()
	ref := refDecode(in)
	if !ref.ok {
		return
	}
	if ref.reason == SkipInvalidJSON && reasonOf(err) != SkipInvalidJSON {
		// Decode checks the objects and arrays it skips for string and
		// bracket structure only, so it may read past some invalid JSON
		// the strict reference rejects. The converse must never happen.
		return
	}
	if got := reasonOf(err); got != ref.reason {
		t.Fatalf("reference: reason %q, fast %q (%v)", ref.reason, got, err)
	}
	if ref.format != "" && res.Format != ref.format {
		t.Errorf("reference: format %q, fast %q", ref.format, res.Format)
	}
	if err != nil {
		return
	}
	want := ref.skipped
	if len(want) == 0 {
		want = nil
	}
	if !reflect.DeepEqual(res.EventsSkipped, want) {
		t.Errorf("reference: skipped %v, fast %v", want, res.EventsSkipped)
	}
	if len(evs) != len(ref.events) {
		t.Fatalf("reference: %d events, fast %d", len(ref.events), len(evs))
	}
	for i := range evs {
		if !reflect.DeepEqual(evs[i], ref.events[i]) {
			t.Fatalf("event %d differs:\n fast %+v\n  ref %+v", i, evs[i], ref.events[i])
		}
	}
}

// decCorpusFiles lists every file under ../shared/cloudtrail and the
// decoder fixtures.
func decCorpusFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	root := filepath.Join(decodeSharedDir(t), "cloudtrail")
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fx, _ := filepath.Glob(filepath.Join("testdata", "decode", "*"))
	files = append(files, fx...)
	sort.Strings(files)
	return files
}

// TestDecodeCorpora decodes every corpus file with expected counts that were
// established independently (a Python json.load count of the records and of
// those missing eventSource/eventName/eventTime/userIdentity).
func TestDecodeCorpora(t *testing.T) {
	type want struct {
		format  Format
		events  int64
		skipped map[SkipReason]int64
		reason  SkipReason
	}
	lib := "aws-cloudtrail-processing-library-fixtures/"
	exact := map[string]want{
		lib + "SQSMessageBody":                                                                               {FormatNotCloudTrail, 0, nil, SkipNotCloudTrail},
		lib + "SQSMessageBodyWrongFormat":                                                                    {FormatNotCloudTrail, 0, nil, SkipNotCloudTrail},
		lib + "SerializerAllFieldsNull.json":                                                                 {FormatRecords, 1, skips(SkipMissingEventSource, 1), ""},
		lib + "SerializerTestFile.json":                                                                      {FormatRecords, 6, nil, ""},
		lib + "SerializerTestFileBadFieldName.json":                                                          {FormatRecords, 1, skips(SkipMissingEventSource, 1), ""},
		lib + "SerializerTestFileBadJsonFormat.json":                                                         {FormatRecords, 0, nil, SkipInvalidJSON},
		lib + "SerializerTestFileCompact.json":                                                               {FormatRecords, 6, nil, ""},
		lib + "SerializerTestFileCompact.json.gz":                                                            {FormatRecords, 6, nil, ""},
		lib + "SerializerTestFileLocation.json":                                                              {FormatRecords, 6, nil, ""},
		lib + "SerializerTestFileMissField.json":                                                             {FormatRecords, 3, skips(SkipInvalidEventTime, 1), ""},
		lib + "SerializerTestFileNewFieldAtRandomPlaces.json":                                                {FormatRecords, 2, nil, ""},
		lib + "SerializerTestFileNewFieldName.json":                                                          {FormatRecords, 1, skips(SkipMissingEventSource, 1), ""},
		lib + "SerializerTestFileNewFieldsInRoot.json":                                                       {FormatRecords, 2, nil, ""},
		lib + "SerializerTestFileNewFieldsInUserIdentity.json":                                               {FormatRecords, 2, nil, ""},
		lib + "SerializerVariousUserIdentityTestFile.json":                                                   {FormatRecords, 1, nil, ""},
		"otrf-security-datasets/AWS_S3_HoneyBucketLogs.csv":                                                  {FormatNotCloudTrail, 0, nil, SkipNotCloudTrail},
		"otrf-security-datasets/ec2_proxy_s3_exfiltration_2020-09-14011940.json":                             {FormatNDJSON, 103, nil, ""},
		"trailscraper-fixtures/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz": {FormatRecords, 2, nil, ""},
		"trailscraper-fixtures/events-for-smoke-test.json":                                                   {FormatRecords, 3, nil, ""},
		"trailscraper-fixtures/expected-trailscraper-generate-output.json":                                   {FormatNotCloudTrail, 0, nil, SkipNotCloudTrail},
		"trailscraper-fixtures/policy-to-guess.json":                                                         {FormatNotCloudTrail, 0, nil, SkipNotCloudTrail},
	}
	root := filepath.Join(decodeSharedDir(t), "cloudtrail")
	var invictusFiles, invictusEvents, lakeFiles, lakeEvents int64
	checked := 0
	for _, p := range decCorpusFiles(t) {
		rel, err := filepath.Rel(root, p)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		base := filepath.Base(rel)
		if base == "LICENSE" || strings.HasSuffix(base, ".md") || strings.HasSuffix(base, ".parquet") {
			continue // not log files; the Parquet samples are the securitylake source's
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		res, evs, err := decDecode(data)
		switch {
		case strings.HasPrefix(rel, "invictus-aws_dataset/"):
			if err != nil || res.Format != FormatRecords || res.EventsSkipped != nil {
				t.Errorf("%s: %v %v %v", rel, res.Format, res.EventsSkipped, err)
			}
			invictusFiles++
			invictusEvents += res.Events
		case strings.Contains(rel, "/input/"):
			if err != nil || res.Format != FormatRecords || !res.Gzipped || res.Events != 1 {
				t.Errorf("%s: %+v %v", rel, res, err)
			}
			lakeFiles++
			lakeEvents += res.Events
		default:
			w, ok := exact[rel]
			if !ok {
				t.Errorf("%s: no expectation (format %s, %d events, skipped %v, err %v)", rel, res.Format, res.Events, res.EventsSkipped, err)
				continue
			}
			checked++
			if res.Format != w.format || res.Events != w.events || !reflect.DeepEqual(res.EventsSkipped, w.skipped) || reasonOf(err) != w.reason {
				t.Errorf("%s: got %s %d %v %q, want %s %d %v %q", rel, res.Format, res.Events, res.EventsSkipped, reasonOf(err), w.format, w.events, w.skipped, w.reason)
			}
		}
		t.Run(rel, func(t *testing.T) { decCompare(t, data, res, evs, err) })
	}
	if invictusFiles != 55 || invictusEvents != 2900 {
		t.Errorf("invictus: %d files, %d events; want 55 files, 2900 events", invictusFiles, invictusEvents)
	}
	if lakeFiles != 21 || lakeEvents != 21 {
		t.Errorf("security lake raw inputs: %d files, %d events; want 21, 21", lakeFiles, lakeEvents)
	}
	if checked != len(exact) {
		t.Errorf("checked %d of %d expected files", checked, len(exact))
	}
}

// TestDecodeFixturesMatchReference runs the differential test on the
// fixtures in plain and gzip form.
func TestDecodeFixturesMatchReference(t *testing.T) {
	fx, _ := filepath.Glob(filepath.Join("testdata", "decode", "*"))
	for _, p := range fx {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, gz := range []bool{false, true} {
			in := data
			if gz {
				in = decGzip(t, data)
			}
			t.Run(fmt.Sprintf("%s gzip=%v", filepath.Base(p), gz), func(t *testing.T) {
				res, evs, err := decDecode(in)
				decCompare(t, in, res, evs, err)
			})
		}
	}
}

// TestDecodeMisleadingNames: the object name never decides gzip.
func TestDecodeMisleadingNames(t *testing.T) {
	dir := t.TempDir()
	plain := []byte(`{"Records":[` + decEvent + `]}`)
	files := map[string][]byte{
		"plain-named.json.gz": plain,
		"gzip-named.json":     decGzip(t, plain),
		"gzip-no-extension":   decGzip(t, plain),
		"plain.gz":            plain,
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res, err := Decode(f, func(*Event) error { return nil })
			if err != nil || res.Events != 1 {
				t.Fatalf("%+v %v", res, err)
			}
			if wantGz := data[0] == 0x1f; res.Gzipped != wantGz {
				t.Errorf("gzipped %v, want %v", res.Gzipped, wantGz)
			}
		})
	}
}

type failingReader struct {
	r     io.Reader
	after int
	n     int
}

var errDisk = errors.New("disk on fire")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n >= f.after {
		return 0, errDisk
	}
	if len(p) > f.after-f.n {
		p = p[:f.after-f.n]
	}
	n, err := f.r.Read(p)
	f.n += n
	return n, err
}

func TestDecodeReadErrors(t *testing.T) {
	big := bytes.Repeat([]byte(decEvent+"\n"), 2000)
	for _, tc := range []struct {
		name  string
		data  []byte
		after int
	}{
		{"plain at start", big, 0},
		{"plain midway", big, 100_000},
		{"gzip at start", decGzip(t, big), 1},
		{"gzip midway", decGzip(t, big), 3000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n int
			_, err := Decode(&failingReader{r: bytes.NewReader(tc.data), after: tc.after}, func(*Event) error { n++; return nil })
			if reasonOf(err) != SkipReadError || !errors.Is(err, errDisk) {
				t.Fatalf("got %v, want read_error wrapping %v", err, errDisk)
			}
		})
	}
}

func TestDecodeCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	res, err := Decode(strings.NewReader(decEvent+"\n"+decEvent+"\n"), func(*Event) error { n++; return stop })
	if err != stop || n != 1 || res.Events != 1 {
		t.Fatalf("got %v after %d callbacks", err, n)
	}
}

// TestDecodeConcurrentClones decodes the corpora from several goroutines at
// once (pooled decoders, reused events) with consumers that keep clones,
// and checks every goroutine saw exactly what a lone decode sees. Run it
// with -race.
func TestDecodeConcurrentClones(t *testing.T) {
	var inputs [][]byte
	var want [][]Event
	for _, p := range decCorpusFiles(t) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		_, evs, err := decDecode(data)
		if err != nil || len(evs) == 0 {
			continue
		}
		inputs, want = append(inputs, data), append(want, evs)
		if data[0] != 0x1f {
			inputs, want = append(inputs, decGzip(t, data)), append(want, evs)
		}
	}
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func(g int) {
			for k := range inputs {
				i := (k + g*7) % len(inputs)
				_, evs, err := decDecode(inputs[i])
				if err == nil && !reflect.DeepEqual(evs, want[i]) {
					err = fmt.Errorf("input %d decoded differently in goroutine %d", i, g)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}(g)
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
