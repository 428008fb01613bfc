package securitylake

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/iamtailor/iamtailor/ingest/store"
)

// The OCSF 1.1 (Security Lake v2) fixture: CloudTrail records turned into
// OCSF 1.1 rows by the mapping Security Lake documents for source version 2
// (the event dossiers of aws-samples/amazon-security-lake-ocsf-validation),
// written with parquet-go in its standard three-level list encoding.

type ocsf11Row struct {
	Metadata struct {
		Product struct {
			Name       string `parquet:"name"`
			VendorName string `parquet:"vendor_name"`
			Version    string `parquet:"version,optional"`
			Feature    struct {
				Name string `parquet:"name,optional"`
			} `parquet:"feature"`
		} `parquet:"product"`
		UID       string   `parquet:"uid,optional"`
		Profiles  []string `parquet:"profiles,list"`
		Version   string   `parquet:"version"`
		EventCode string   `parquet:"event_code,optional"`
	} `parquet:"metadata"`
	Time   int64 `parquet:"time,optional"`
	TimeDt int64 `parquet:"time_dt,optional,timestamp(microsecond)"`
	Cloud  struct {
		Region   string `parquet:"region,optional"`
		Provider string `parquet:"provider"`
	} `parquet:"cloud"`
	API struct {
		Operation string `parquet:"operation,optional"`
		Version   string `parquet:"version,optional"`
		Service   struct {
			Name string `parquet:"name,optional"`
		} `parquet:"service"`
		Request struct {
			UID  string `parquet:"uid,optional"`
			Data string `parquet:"data,optional"`
		} `parquet:"request"`
		Response struct {
			Error   string `parquet:"error,optional"`
			Message string `parquet:"message,optional"`
			Data    string `parquet:"data,optional"`
		} `parquet:"response"`
	} `parquet:"api"`
	Actor struct {
		User struct {
			Type          string `parquet:"type,optional"`
			Name          string `parquet:"name,optional"`
			UID           string `parquet:"uid,optional"`
			UIDAlt        string `parquet:"uid_alt,optional"`
			CredentialUID string `parquet:"credential_uid,optional"`
			Account       struct {
				UID string `parquet:"uid,optional"`
			} `parquet:"account"`
		} `parquet:"user"`
		Session struct {
			Issuer string `parquet:"issuer,optional"`
		} `parquet:"session"`
		InvokedBy string `parquet:"invoked_by,optional"`
		IDP       struct {
			Name string `parquet:"name,optional"`
			UID  string `parquet:"uid,optional"`
		} `parquet:"idp"`
	} `parquet:"actor"`
	User struct {
		Name string `parquet:"name,optional"`
		UID  string `parquet:"uid,optional"`
	} `parquet:"user"`
	Resources []ocsf11Resource  `parquet:"resources,list"`
	ClassUID  int32             `parquet:"class_uid"`
	ClassName string            `parquet:"class_name"`
	Status    string            `parquet:"status,optional"`
	Unmapped  map[string]string `parquet:"unmapped"`
}

type ocsf11Resource struct {
	UID   string `parquet:"uid,optional"`
	Type  string `parquet:"type,optional"`
	Owner struct {
		Account struct {
			UID string `parquet:"uid,optional"`
		} `parquet:"account"`
	} `parquet:"owner"`
}

// toOCSF11 maps one CloudTrail record as Security Lake v2 does. Like
// Security Lake it keeps recipientAccountId, readOnly and sharedEventID in
// unmapped; unlike the v1 samples it does not carry the session issuer's
// type and account there, so the decoder's fallback (reading them from the
// issuer's ARN) is what this fixture tests.
func toOCSF11(rec map[string]any) ocsf11Row {
	var r ocsf11Row
	s := func(m map[string]any, k string) string {
		v, _ := m[k].(string)
		return v
	}
	obj := func(m map[string]any, k string) map[string]any {
		v, _ := m[k].(map[string]any)
		return v
	}
	r.Metadata.Product.Name, r.Metadata.Product.VendorName = "CloudTrail", "AWS"
	r.Metadata.Product.Version = s(rec, "eventVersion")
	r.Metadata.Product.Feature.Name = s(rec, "eventCategory")
	if r.Metadata.Product.Feature.Name == "" {
		r.Metadata.Product.Feature.Name = "Management, Data, and Insights"
	}
	r.Metadata.UID, r.Metadata.Version = s(rec, "eventID"), "1.1.0"
	r.Metadata.Profiles = []string{"cloud", "datetime"}
	r.Metadata.EventCode = s(rec, "eventType")
	if t, err := time.Parse(time.RFC3339, s(rec, "eventTime")); err == nil {
		r.Time, r.TimeDt = t.UnixMilli(), t.UnixMicro()
	}
	r.Cloud.Region, r.Cloud.Provider = s(rec, "awsRegion"), "AWS"
	r.API.Operation, r.API.Version = s(rec, "eventName"), s(rec, "apiVersion")
	r.API.Service.Name = s(rec, "eventSource")
	r.API.Request.UID = s(rec, "requestID")
	if rp, ok := rec["requestParameters"]; ok && rp != nil {
		b, _ := json.Marshal(rp)
		r.API.Request.Data = string(b)
	}
	if re, ok := rec["responseElements"]; ok && re != nil {
		b, _ := json.Marshal(re)
		r.API.Response.Data = string(b)
	}
	r.API.Response.Error, r.API.Response.Message = s(rec, "errorCode"), s(rec, "errorMessage")
	r.Status = "Success"
	if r.API.Response.Error != "" {
		r.Status = "Failure"
	}
	r.Unmapped = map[string]string{}
	if id := obj(rec, "userIdentity"); id != nil {
		u := &r.Actor.User
		u.Type, u.Name, u.UID, u.UIDAlt = s(id, "type"), s(id, "userName"), s(id, "arn"), s(id, "principalId")
		u.CredentialUID, u.Account.UID = s(id, "accessKeyId"), s(id, "accountId")
		r.Actor.InvokedBy = s(id, "invokedBy")
		r.Actor.IDP.Name = s(id, "identityProvider")
		sc := obj(id, "sessionContext")
		if r.Actor.IDP.Name == "" {
			r.Actor.IDP.Name = s(obj(sc, "webIdFederationData"), "federatedProvider")
		}
		r.Actor.Session.Issuer = s(obj(sc, "sessionIssuer"), "arn")
		if ob := obj(id, "onBehalfOf"); ob != nil {
			u.UIDAlt, r.Actor.IDP.UID = s(ob, "userId"), s(ob, "identityStoreArn")
		}
	}
	for _, k := range []string{"recipientAccountId", "sharedEventID", "vpcEndpointId"} {
		if v := s(rec, k); v != "" {
			r.Unmapped[k] = v
		}
	}
	if ro, ok := rec["readOnly"].(bool); ok {
		r.Unmapped["readOnly"] = map[bool]string{true: "true", false: "false"}[ro]
	}
	if list, ok := rec["resources"].([]any); ok {
		for _, x := range list {
			m, _ := x.(map[string]any)
			var res ocsf11Resource
			res.UID, res.Type = s(m, "ARN"), s(m, "type")
			res.Owner.Account.UID = s(m, "accountId")
			r.Resources = append(r.Resources, res)
		}
	}
	// The class and its own fields, which the decoder must not take for
	// request parameters when api.request.data is there.
	rp := obj(rec, "requestParameters")
	switch name := s(rec, "eventName"); {
	case s(rec, "eventSource") == "signin.amazonaws.com" || strings.HasPrefix(name, "AssumeRole"):
		r.ClassUID, r.ClassName = 3002, "Authentication"
		r.User.UID, r.User.Name = s(rp, "roleArn"), s(rp, "roleSessionName")
	case s(rec, "eventSource") == "iam.amazonaws.com" && (strings.Contains(name, "User") || strings.Contains(name, "Role")):
		r.ClassUID, r.ClassName = 3001, "Account Change"
		r.User.Name = s(rp, "roleName") + s(rp, "userName")
	default:
		r.ClassUID, r.ClassName = 6003, "API Activity"
	}
	return r
}

// readRecords reads the records of a CloudTrail log file (gzipped or not).
func readRecords(t testing.TB, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	var doc struct{ Records []map[string]any }
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc.Records
}

// writeOCSF11 writes rows as one Parquet file with small row groups, so
// that reading crosses row group boundaries.
func writeOCSF11(t testing.TB, path string, rows []ocsf11Row) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[ocsf11Row](f, parquet.MaxRowsPerRowGroup(500), parquet.Compression(&parquet.Zstd))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// corpusLogFiles are CloudTrail logs to build fixtures from: the Invictus
// corpus and the project's hand-written trail (its CloudTrail/ folders:
// digests and Insights are not API events).
func corpusLogFiles(t testing.TB) []string {
	t.Helper()
	root := repoRoot(t)
	files, err := filepath.Glob(filepath.Join(root, "..", "shared", "cloudtrail", "invictus-aws_dataset", "*.json"))
	if err != nil || len(files) != 55 {
		t.Fatalf("Invictus corpus: %d files (%v), want 55: clone shared/ beside the repository", len(files), err)
	}
	err = filepath.WalkDir(filepath.Join(root, "testdata", "logs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(filepath.ToSlash(p), "/CloudTrail/") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// extraRecords are shapes the corpora lack: an IAM Identity Center user
// (onBehalfOf), a web identity session, and an S3 data event over a key
// prefix (ARNPrefix).
const extraRecords = `{"Records":[
{"eventVersion":"1.09","userIdentity":{"type":"IdentityCenterUser","accountId":"111122223333","onBehalfOf":{"userId":"94482488-3041-7026-18f3-be45837cd0e4","identityStoreArn":"arn:aws:identitystore::111122223333:identitystore/d-9067642ac7"},"credentialId":"EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE"},"eventTime":"2024-06-03T10:00:00Z","eventSource":"sso.amazonaws.com","eventName":"ListApplications","awsRegion":"us-east-1","requestParameters":{"instanceArn":"arn:aws:sso:::instance/ssoins-1111111111111111"},"readOnly":true,"eventType":"AwsApiCall","recipientAccountId":"111122223333","eventCategory":"Management"},
{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAWEBIDENTITY00001:app-session","arn":"arn:aws:sts::111122223333:assumed-role/web-app/app-session","accountId":"111122223333","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAWEBIDENTITY00001","arn":"arn:aws:iam::111122223333:role/web-app","accountId":"111122223333","userName":"web-app"},"webIdFederationData":{"federatedProvider":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com","attributes":{}}}},"eventTime":"2024-06-03T10:01:00.250Z","eventSource":"s3.amazonaws.com","eventName":"ListObjects","awsRegion":"us-east-1","requestParameters":{"bucketName":"build-artifacts","prefix":"releases/"},"resources":[{"type":"AWS::S3::Object","ARNPrefix":"arn:aws:s3:::build-artifacts/releases/"},{"accountId":"111122223333","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::build-artifacts"}],"readOnly":true,"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"111122223333","eventCategory":"Data"}
]}`

// TestOCSF11SameUsageAsRawEvents writes the corpora's 2,900+ records as an
// OCSF 1.1 Parquet file and requires the usage rows of the raw records,
// except where Security Lake v2's mapping itself loses a field: resources
// logged with ARNPrefix (S3 data events over a prefix) have no uid in
// OCSF, so that resource has no ARN. The test checks that this is the only
// difference.
func TestOCSF11SameUsageAsRawEvents(t *testing.T) {
	dir := t.TempDir()
	logs := corpusLogFiles(t)
	extra := filepath.Join(dir, "extra.json")
	if err := os.WriteFile(extra, []byte(extraRecords), 0o644); err != nil {
		t.Fatal(err)
	}
	logs = append(logs, extra)
	var rows []ocsf11Row
	for _, f := range logs {
		for _, rec := range readRecords(t, f) {
			rows = append(rows, toOCSF11(rec))
		}
	}
	pq := filepath.Join(dir, "lake", "cloud_trail_mgmt_2_0.parquet")
	os.MkdirAll(filepath.Dir(pq), 0o755)
	writeOCSF11(t, pq, rows)

	rawSum, want := ingestFiles(t, logs...)
	sum, got := ingestFiles(t, pq)
	if sum.FilesRead != 1 || sum.SkippedFiles() != 0 {
		t.Fatalf("Parquet: %d files read, skipped %v", sum.FilesRead, sum.FilesSkipped)
	}
	if sum.EventsRead != rawSum.EventsRead || sum.EventsRead != int64(len(rows)) {
		t.Errorf("events read: Parquet %d, raw %d, rows written %d", sum.EventsRead, rawSum.EventsRead, len(rows))
	}
	if len(rows) < 2900 {
		t.Fatalf("only %d records in the fixture", len(rows))
	}

	// The one loss: the ARNPrefix resource of the ListObjects record.
	fixed := slices.Clone(want)
	lost := 0
	for i := range fixed {
		r := &fixed[i]
		if r.EventName != "ListObjects" || r.IdentityARN != "arn:aws:sts::111122223333:assumed-role/web-app" {
			continue
		}
		res := slices.Clone(r.Resources)
		for j := range res {
			if res[j].ARN == "arn:aws:s3:::build-artifacts/releases/*" {
				res[j].ARN = ""
				lost++
			}
		}
		slices.SortFunc(res, func(a, b store.Resource) int {
			return strings.Compare(a.ARN+"\x00"+a.AccountID+"\x00"+a.Type, b.ARN+"\x00"+b.AccountID+"\x00"+b.Type)
		})
		r.Resources = res
	}
	if lost != 1 {
		t.Fatalf("the raw rows hold the ARNPrefix resource %d times, want once", lost)
	}
	if d := diffRows(got, fixed); d != "" {
		t.Errorf("usage rows from OCSF 1.1 differ from the raw records' beyond the ARNPrefix loss:\n%s", d)
	}
}
