package analyze

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/ingest/store"
)

func analyze(rows ...store.Row) Result {
	a := NewAnalyzer(catalog.Default(), Options{})
	for i := range rows {
		a.Add(&rows[i])
	}
	return a.Result()
}

func findPrincipal(t *testing.T, res Result, arn string) PrincipalUsage {
	t.Helper()
	for _, p := range res.Principals {
		if p.Principal.ARN == arn {
			return p
		}
	}
	t.Fatalf("no principal %s in %+v", arn, res.Principals)
	return PrincipalUsage{}
}

// TestPrincipals: each kind of caller, and who is not a principal.
func TestPrincipals(t *testing.T) {
	cases := []struct {
		name       string
		row        store.Row
		kind       PrincipalKind
		arn        string
		path       string
		noPolicy   bool
		notPrinc   NotPrincipal
		partition  string
		principalN string
	}{
		{"assumed role with a path", apiRow(s3Src, "ListBuckets", asRole("arn:aws:iam::111122223333:role/team/app")), KindRole, "arn:aws:iam::111122223333:role/team/app", "/team/", false, IsPrincipal, "aws", "app"},
		{"IAM user", apiRow(s3Src, "ListBuckets"), KindUser, testUserARN, "/", false, IsPrincipal, "aws", "alice"},
		{"root", apiRow(s3Src, "ListBuckets", func(r *store.Row) {
			r.IdentityType, r.IdentityARN, r.UserName = "Root", "arn:aws:iam::111122223333:root", ""
		}), KindRoot, "arn:aws:iam::111122223333:root", "", true, IsPrincipal, "aws", "root"},
		{"service-linked role", apiRow(s3Src, "ListBuckets", asRole("arn:aws:iam::111122223333:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS")),
			KindServiceLinkedRole, "arn:aws:iam::111122223333:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS", "/aws-service-role/rds.amazonaws.com/", true, IsPrincipal, "aws", "AWSServiceRoleForRDS"},
		{"federated user", apiRow(s3Src, "ListBuckets", func(r *store.Row) {
			r.IdentityType, r.IdentityARN, r.UserName = "FederatedUser", "arn:aws:sts::111122223333:federated-user/bob", ""
			r.IssuerType, r.IssuerARN = "IAMUser", testUserARN
		}), KindFederatedUser, "arn:aws:sts::111122223333:federated-user/bob", "", true, IsPrincipal, "aws", "bob"},
		{"Identity Center user", apiRow("q.amazonaws.com", "SendMessage", func(r *store.Row) {
			r.IdentityType, r.IdentityARN, r.UserName = "IdentityCenterUser", "", ""
			r.OnBehalfOfUserID, r.OnBehalfOfStoreARN = "u-123", "arn:aws:identitystore::111122223333:identitystore/d-1"
		}), KindIdentityCenterUser, "arn:aws:identitystore:::user/u-123", "", true, IsPrincipal, "aws", "u-123"},
		{"Identity Center user by onBehalfOf only", apiRow("q.amazonaws.com", "SendMessage", func(r *store.Row) {
			r.IdentityType, r.IdentityARN, r.UserName = "Unknown", "", ""
			r.OnBehalfOfUserID = "u-456"
		}), KindIdentityCenterUser, "arn:aws:identitystore:::user/u-456", "", true, IsPrincipal, "aws", "u-456"},
		{"SAML user", apiRow("sts.amazonaws.com", "AssumeRoleWithSAML", func(r *store.Row) {
			r.IdentityType, r.IdentityARN, r.UserName, r.IdentityProvider = "SAMLUser", "", "jo", "arn:aws:iam::111122223333:saml-provider/idp"
		}), KindSAMLUser, "arn:aws:iam::111122223333:saml-provider/idp/jo", "", true, IsPrincipal, "aws", "jo"},
		{"web identity user", apiRow("sts.amazonaws.com", "AssumeRoleWithWebIdentity", func(r *store.Row) {
			r.IdentityType, r.IdentityARN, r.UserName, r.IdentityProvider = "WebIdentityUser", "", "sub", "accounts.google.com"
		}), KindWebIdentityUser, "accounts.google.com/sub", "", true, IsPrincipal, "aws", "sub"},
		{"another account's caller, the owner's copy", apiRow(s3Src, "GetObject", func(r *store.Row) {
			r.IdentityType, r.IdentityARN, r.UserName, r.IdentityAccount = "AWSAccount", "", "", "444455556666"
		}), "", "", "", false, NotPrincipalCrossAccountCaller, "", ""},
		{"GovCloud role", apiRow(s3Src, "ListBuckets", asRole("arn:aws-us-gov:iam::111122223333:role/app"), region("us-gov-west-1")), KindRole, "arn:aws-us-gov:iam::111122223333:role/app", "/", false, IsPrincipal, "aws-us-gov", "app"},
		{"China user", apiRow(s3Src, "ListBuckets", asUser("arn:aws-cn:iam::111122223333:user/bob"), region("cn-north-1")), KindUser, "arn:aws-cn:iam::111122223333:user/bob", "/", false, IsPrincipal, "aws-cn", "bob"},
		{"AWS service", apiRow("sts.amazonaws.com", "AssumeRole", func(r *store.Row) {
			r.IdentityType, r.IdentityARN, r.UserName, r.InvokedBy = "AWSService", "", "", "config.amazonaws.com"
		}), "", "", "", false, NotPrincipalAWSService, "", ""},
		{"only invokedBy", apiRow("ec2.amazonaws.com", "SharedSnapshotVolumeCreated", func(r *store.Row) {
			r.IdentityType, r.IdentityARN, r.UserName, r.InvokedBy = "", "", "", "ec2.amazonaws.com"
		}), "", "", "", false, NotPrincipalInvokedByOnly, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, reason, np := principalOf(&c.row)
			if np != c.notPrinc {
				t.Fatalf("not-principal %q, want %q", np, c.notPrinc)
			}
			if np != IsPrincipal {
				res := analyze(c.row)
				counted := res.Coverage.ServiceEvents
				if np == NotPrincipalCrossAccountCaller {
					counted = res.Coverage.CrossAccountCopies
				}
				if len(res.Principals) != 0 || counted != 1 || res.Coverage.Events != 1 {
					t.Errorf("%s caller became a principal or was not counted: %+v, coverage %+v", np, res.Principals, res.Coverage)
				}
				return
			}
			if p.Kind != c.kind || p.ARN != c.arn || p.Path != c.path || p.Partition != c.partition || p.Name != c.principalN {
				t.Errorf("got %+v, want kind %s arn %s path %q partition %s name %s", p, c.kind, c.arn, c.path, c.partition, c.principalN)
			}
			if (reason != "") != c.noPolicy {
				t.Errorf("no-policy reason %q, want one: %v", reason, c.noPolicy)
			}
		})
	}
}

// TestCallsThroughServices: a call a service made on a principal's behalf
// (invokedBy with a real identity, forward access sessions) counts for that
// principal.
func TestCallsThroughServices(t *testing.T) {
	r := apiRow("kms.amazonaws.com", "Decrypt", resources("arn:aws:kms:us-east-1:111122223333:key/k"), func(r *store.Row) { r.InvokedBy = "secretsmanager.amazonaws.com" })
	res := analyze(r)
	u := findPrincipal(t, res, testUserARN)
	if len(u.Observed) != 1 || u.Observed[0].Action != "kms:Decrypt" {
		t.Errorf("observed %+v", u.Observed)
	}
}

// TestCrossAccountDedup: an AssumeRole into another account is logged in
// both accounts; it counts once, for the caller.
func TestCrossAccountDedup(t *testing.T) {
	caller := apiRow("sts.amazonaws.com", "AssumeRole", params("roleArn", "arn:aws:iam::444455556666:role/deploy"), resources("arn:aws:iam::444455556666:role/deploy"),
		func(r *store.Row) { r.Shared = true })
	owner := caller
	owner.Account = "444455556666" // the resource owner's copy
	// Three calls; the owner's trail was read for all three, the caller's
	// for two of them (one log file missing).
	caller.Count, owner.Count = 2, 3
	res := analyze(caller, owner)
	u := findPrincipal(t, res, testUserARN)
	if len(u.Observed) != 1 || u.Observed[0].Count != 3 || u.Events != 3 {
		t.Errorf("got %+v (events %d), want sts:AssumeRole counted 3 times", u.Observed, u.Events)
	}
	if res.Coverage.Events != 3 {
		t.Errorf("coverage counts %d events, want 3", res.Coverage.Events)
	}
	// Without the sharedEventID the same rows are two different calls.
	caller.Shared, owner.Shared = false, false
	res = analyze(caller, owner)
	if u := findPrincipal(t, res, testUserARN); u.Observed[0].Count != 5 {
		t.Errorf("unshared rows counted %d, want 5", u.Observed[0].Count)
	}
}

// TestCrossAccountOwnerCopy: the resource owner's copy names another
// account's caller by account and principal ID only (userIdentity type
// AWSAccount). It is never a principal: with the caller's copy it is the
// same call, counted once under the caller; alone it is counted in
// coverage as an owner's copy.
func TestCrossAccountOwnerCopy(t *testing.T) {
	caller := apiRow("sts.amazonaws.com", "AssumeRole", params("roleArn", "arn:aws:iam::444455556666:role/deploy"),
		resources("arn:aws:iam::444455556666:role/deploy"), func(r *store.Row) { r.Shared, r.PrincipalID = true, "AIDAEXAMPLE" })
	owner := caller
	owner.IdentityType, owner.IdentityARN, owner.UserName, owner.Account = "AWSAccount", "", "", "444455556666"
	cases := []struct {
		name                   string
		rows                   []store.Row
		callerEvents, ownerOne int64
		events                 int64
	}{
		{"both copies", []store.Row{caller, owner}, 1, 0, 1},
		{"both copies, owner's first", []store.Row{owner, caller}, 1, 0, 1},
		{"owner's copy only", []store.Row{owner}, 0, 1, 1},
		{"caller's copy only", []store.Row{caller}, 1, 0, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := analyze(c.rows...)
			var callerEvents int64
			for _, p := range res.Principals {
				if p.Principal.ARN != testUserARN {
					t.Errorf("unexpected principal %s (%s)", p.Principal.ARN, p.Principal.Kind)
					continue
				}
				callerEvents = p.Events
				if len(p.Observed) != 1 || p.Observed[0].Count != 1 {
					t.Errorf("caller's observed %+v, want AssumeRole once", p.Observed)
				}
			}
			if callerEvents != c.callerEvents || res.Coverage.CrossAccountCopies != c.ownerOne || res.Coverage.Events != c.events {
				t.Errorf("caller events %d, owner's copies %d, events %d; want %d, %d, %d",
					callerEvents, res.Coverage.CrossAccountCopies, res.Coverage.Events, c.callerEvents, c.ownerOne, c.events)
			}
		})
	}
}

// TestCrossAccountFixtureLogs: testdata/logs holds deploy-bot's
// AssumeRole into 444455556666 twice, its own copy and the owner's (type
// AWSAccount). The principals are the callers, the call counts once, and
// nothing is attributed to an account ID.
func TestCrossAccountFixtureLogs(t *testing.T) {
	rows := corpusRows(t, corpus{"fixtures", fixtureFiles(t)})
	res := analyze(rows...)
	var all int64
	for _, p := range res.Principals {
		if strings.HasSuffix(p.Principal.ARN, ":root") && p.Principal.Kind != KindRoot {
			t.Errorf("principal %s of kind %s: a caller known by account ID only", p.Principal.ARN, p.Principal.Kind)
		}
		all += p.Events
	}
	bot := findPrincipal(t, res, "arn:aws:iam::111122223333:user/ci/deploy-bot")
	n := int64(0)
	for _, o := range bot.Observed {
		if o.Action == "sts:AssumeRole" && o.Resource == "arn:aws:iam::444455556666:role/cross-account/deployer" {
			n += o.Count
		}
	}
	if n != 1 {
		t.Errorf("deploy-bot's cross-account AssumeRole counted %d times, want 1", n)
	}
	if res.Coverage.CrossAccountCopies != 0 {
		t.Errorf("%d owner's copies left unattributed; the caller's copy was read", res.Coverage.CrossAccountCopies)
	}
	if got := all + res.Coverage.ServiceEvents + res.Coverage.CrossAccountCopies; got != res.Coverage.Events {
		t.Errorf("principals' events %d + service %d + owner's copies %d != coverage events %d",
			all, res.Coverage.ServiceEvents, res.Coverage.CrossAccountCopies, res.Coverage.Events)
	}
}

// TestCrossAccountFixture runs the pair of copies from the Security Lake
// sample (JohnDoe in 777788889999 assuming EC2-dev in 111122223333),
// logged once as the caller's copy and once as the owner's.
func TestCrossAccountFixture(t *testing.T) {
	var rows []store.Row
	for _, c := range corpora(t) {
		if c.name != "security-lake" {
			continue
		}
		for _, r := range corpusRows(t, c) {
			if r.EventName == "AssumeRole" && r.Shared {
				rows = append(rows, r)
				callerCopy := r
				callerCopy.Account = r.IdentityAccount
				rows = append(rows, callerCopy)
			}
		}
	}
	if len(rows) != 2 {
		t.Fatalf("found %d copies of the shared AssumeRole, want 2", len(rows))
	}
	res := analyze(rows...)
	u := findPrincipal(t, res, "arn:aws:iam::777788889999:user/JohnDoe")
	if u.Events != 1 || len(u.Observed) != 1 || u.Observed[0].Resource != "arn:aws:iam::111122223333:role/EC2-dev" {
		t.Errorf("got %+v", u)
	}
}

// TestOutcomesInUsage: denied calls never become grants, unproven ones are
// reported, permissionless and non-API events are counted.
func TestOutcomesInUsage(t *testing.T) {
	rows := []store.Row{
		apiRow(s3Src, "GetObject", params("bucketName", "b", "key", "k"), count(4)),
		apiRow(s3Src, "PutObject", params("bucketName", "b", "key", "k"), failed("AccessDenied", "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::b/k because no identity-based policy allows the s3:PutObject action")),
		apiRow("ec2.amazonaws.com", "RunInstances", params("instancesSet.items.imageId", "ami-1"), failed("Client.VcpuLimitExceeded", "limit")),
		apiRow("ec2.amazonaws.com", "StopInstances", params("instancesSet.items.instanceId", "i-1"), failed("Client.UnauthorizedOperation", "You are not authorized to perform this operation. Encoded authorization failure message: <omitted>")),
		apiRow("sts.amazonaws.com", "GetCallerIdentity", count(2)),
		apiRow("signin.amazonaws.com", "ConsoleLogin", eventType("AwsConsoleSignIn")),
		apiRow(s3Src, "Frobnicate"),
		apiRow("ec2.amazonaws.com", "DescribeInstances", failed("Client.DryRunOperation", "Request would have succeeded, but DryRun flag is set.")),
	}
	res := analyze(rows...)
	u := findPrincipal(t, res, testUserARN)
	var obs []string
	for _, o := range u.Observed {
		obs = append(obs, o.Action+" "+o.Resource)
	}
	if want := []string{"ec2:DescribeInstances *", "s3:GetObject arn:aws:s3:::b/k"}; !reflect.DeepEqual(obs, want) {
		t.Errorf("observed %v, want %v", obs, want)
	}
	if len(u.Denied) != 2 || u.Denied[0].Action != "ec2:StopInstances" || u.Denied[1].Action != "s3:PutObject" || u.Denied[1].Resource != "arn:aws:s3:::b/k" {
		t.Errorf("denied %+v", u.Denied)
	}
	for _, un := range u.Unproven {
		if un.ErrorCode != "Client.VcpuLimitExceeded" || un.Action != "ec2:RunInstances" {
			t.Errorf("unproven %+v", un)
		}
	}
	if len(u.Unproven) == 0 {
		t.Error("no unproven access")
	}
	if len(u.Permissionless) != 1 || u.Permissionless[0].Count != 2 || len(u.NonAPI) != 1 || len(u.Unmapped) != 1 {
		t.Errorf("permissionless %+v non-API %+v unmapped %+v", u.Permissionless, u.NonAPI, u.Unmapped)
	}
	if u.Events != 12 {
		t.Errorf("events %d, want 12", u.Events)
	}
	cv := res.Coverage
	want := Coverage{Events: 12, APIEvents: 11, Mapped: 8, Unmapped: 1, Permissionless: 2, NonAPI: 1, Denied: 2, Unproven: 1}
	if cv.Events != want.Events || cv.APIEvents != want.APIEvents || cv.Mapped != want.Mapped || cv.Unmapped != want.Unmapped ||
		cv.Permissionless != want.Permissionless || cv.NonAPI != want.NonAPI || cv.Denied != want.Denied || cv.Unproven != want.Unproven {
		t.Errorf("coverage %+v, want %+v", cv, want)
	}
}

// TestViaAndCompanions: an access lists the calls that implied it; a
// companion stays one only if no call needed it directly.
func TestViaAndCompanions(t *testing.T) {
	res := analyze(
		apiRow("lambda.amazonaws.com", "CreateFunction20150331", params("functionName", "f", "role", "arn:aws:iam::111122223333:role/r")),
		apiRow(s3Src, "CopyObject", params("bucketName", "b", "key", "dst", "x-amz-copy-source", "b/src")),
		apiRow(s3Src, "GetObject", params("bucketName", "b", "key", "src")),
	)
	u := findPrincipal(t, res, testUserARN)
	got := map[string]Observed{}
	for _, o := range u.Observed {
		got[o.Action+" "+o.Resource] = o
	}
	if o := got["iam:PassRole arn:aws:iam::111122223333:role/r"]; !o.Companion || !reflect.DeepEqual(o.Via, []string{"lambda.amazonaws.com:CreateFunction20150331"}) {
		t.Errorf("PassRole %+v", o)
	}
	if o := got["s3:GetObject arn:aws:s3:::b/src"]; o.Companion || !reflect.DeepEqual(o.Via, []string{"s3.amazonaws.com:CopyObject", "s3.amazonaws.com:GetObject"}) || o.Count != 2 {
		t.Errorf("GetObject %+v", o)
	}
}

// TestIAMPathsLearned: a role named without its path resolves to its
// exact ARN when another row shows the path; else both forms remain.
func TestIAMPathsLearned(t *testing.T) {
	get := apiRow("iam.amazonaws.com", "GetRole", params("roleName", "app"))
	other := apiRow("iam.amazonaws.com", "GetRole", params("roleName", "other"))
	created := apiRow("iam.amazonaws.com", "CreateRole", params("roleName", "app", "path", "/svc/"))
	res := analyze(get, other, created)
	u := findPrincipal(t, res, testUserARN)
	var got []string
	for _, o := range u.Observed {
		got = append(got, o.Action+" "+o.Resource+" "+o.ResourceNote)
	}
	want := []string{
		"iam:CreateRole arn:aws:iam::111122223333:role/svc/app ",
		"iam:GetRole arn:aws:iam::111122223333:role/*/other " + strings.ReplaceAll(noteIAMPath, "%s", "role"),
		"iam:GetRole arn:aws:iam::111122223333:role/other " + strings.ReplaceAll(noteIAMPath, "%s", "role"),
		"iam:GetRole arn:aws:iam::111122223333:role/svc/app ",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The two ARNs covering an unknown path count the event once.
	for _, o := range u.Observed {
		if o.Count != 1 {
			t.Errorf("%s %s counted %d times, want 1", o.Action, o.Resource, o.Count)
		}
	}
	// A session of the role shows its path too.
	res = analyze(get, apiRow(s3Src, "ListBuckets", asRole("arn:aws:iam::111122223333:role/team/app")))
	u = findPrincipal(t, res, testUserARN)
	if len(u.Observed) != 1 || u.Observed[0].Resource != "arn:aws:iam::111122223333:role/team/app" {
		t.Errorf("observed %+v", u.Observed)
	}
}

// TestWindow: Options.Since and Until select rows by day, both included.
func TestWindow(t *testing.T) {
	d0 := store.DayOf(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli())
	rows := []store.Row{
		apiRow(s3Src, "ListBuckets", day(d0-1)),
		apiRow(s3Src, "ListBuckets", day(d0)),
		apiRow(s3Src, "ListBuckets", day(d0+1)),
		apiRow(s3Src, "ListBuckets", day(d0+2)),
	}
	a := NewAnalyzer(catalog.Default(), Options{
		Since: time.Date(2024, 3, 1, 15, 0, 0, 0, time.UTC),
		Until: time.Date(2024, 3, 2, 1, 0, 0, 0, time.UTC),
	})
	for i := range rows {
		a.Add(&rows[i])
	}
	if res := a.Result(); res.Coverage.Events != 2 {
		t.Errorf("window kept %d events, want 2", res.Coverage.Events)
	}
}

// TestDeterministic: the result does not depend on row order, and does
// not alias the rows (which callers reuse).
func TestDeterministic(t *testing.T) {
	var rows []store.Row
	for _, c := range corpora(t) {
		rows = append(rows, corpusRows(t, c)...)
	}
	want, _ := json.Marshal(analyze(rows...))
	for seed := uint64(1); seed <= 3; seed++ {
		shuffled := append([]store.Row(nil), rows...)
		rand.New(rand.NewPCG(seed, seed)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		a := NewAnalyzer(catalog.Default(), Options{})
		var scratch store.Row
		for i := range shuffled {
			scratch = cloneRow(&shuffled[i])
			a.Add(&scratch)
			// Scribble over the row the analyzer saw, as a reused buffer would.
			scratch.EventName, scratch.IdentityARN, scratch.IssuerARN = "X", "X", "X"
			for j := range scratch.Params {
				scratch.Params[j].Value = "X"
			}
			for j := range scratch.Resources {
				scratch.Resources[j].ARN = "X"
			}
		}
		got, _ := json.Marshal(a.Result())
		if string(got) != string(want) {
			t.Fatalf("seed %d: result differs from the ordered run", seed)
		}
	}
}

// TestAnalyzeGolden keeps the full analysis of the small corpora (Security
// Lake samples, OTRF, trailscraper fixtures) as a golden file, so that any
// change in what iamtailor concludes is reviewed.
func TestAnalyzeGolden(t *testing.T) {
	var rows []store.Row
	for _, c := range corpora(t) {
		if c.name != "invictus" {
			rows = append(rows, corpusRows(t, c)...)
		}
	}
	b, err := json.MarshalIndent(analyze(rows...), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, append(b, '\n'))
}

// TestIdentityCenterPermissionSet: roles that IAM Identity Center
// provisions are recognised by path and name, and name their permission
// set; other roles, users and look-alikes do not.
func TestIdentityCenterPermissionSet(t *testing.T) {
	sso := "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/"
	cases := []struct {
		name    string
		p       Principal
		wantSet string
		wantOK  bool
	}{
		{"permission set", iamEntity(sso+"AWSReservedSSO_ReadOnly_0123456789abcdef", KindRole), "ReadOnly", true},
		{"underscores in the permission set", iamEntity(sso+"AWSReservedSSO_Data_Eng_Admin_a1b2c3d4e5f60718", KindRole), "Data_Eng_Admin", true},
		{"regional path", iamEntity(sso+"eu-west-1/AWSReservedSSO_Billing_fedcba9876543210", KindRole), "Billing", true},
		{"path unknown (session without issuer)", Principal{Kind: KindRole, ARN: "arn:aws:iam::111122223333:role/AWSReservedSSO_Ops_0123456789abcdef", Name: "AWSReservedSSO_Ops_0123456789abcdef"}, "Ops", true},
		{"no suffix to strip", iamEntity(sso+"AWSReservedSSO_Odd", KindRole), "", true},
		{"look-alike on another path", iamEntity("arn:aws:iam::111122223333:role/AWSReservedSSO_ReadOnly_0123456789abcdef", KindRole), "", false},
		{"plain role", iamEntity("arn:aws:iam::111122223333:role/app", KindRole), "", false},
		{"user", iamEntity("arn:aws:iam::111122223333:user/AWSReservedSSO_X_0123456789abcdef", KindUser), "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set, ok := c.p.IdentityCenterPermissionSet()
			if set != c.wantSet || ok != c.wantOK {
				t.Errorf("got %q, %v; want %q, %v", set, ok, c.wantSet, c.wantOK)
			}
		})
	}
	// Through the analyzer: the session is attributed to the role, which
	// gets no NoPolicyReason (it does get a policy).
	row := apiRow(s3Src, "ListBuckets", asRole(sso+"AWSReservedSSO_ReadOnly_0123456789abcdef"))
	u := findPrincipal(t, analyze(row), sso+"AWSReservedSSO_ReadOnly_0123456789abcdef")
	if set, ok := u.Principal.IdentityCenterPermissionSet(); !ok || set != "ReadOnly" || u.NoPolicyReason != "" {
		t.Errorf("got permission set %q (%v), no-policy reason %q", set, ok, u.NoPolicyReason)
	}
}
