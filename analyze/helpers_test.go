package analyze

import (
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/ingest/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	testAccount = "111122223333"
	testUserARN = "arn:aws:iam::111122223333:user/alice"
)

// rowOpt changes a test row.
type rowOpt func(*store.Row)

// apiRow is a successful API call by the IAM user alice in us-east-1.
func apiRow(source, name string, opts ...rowOpt) store.Row {
	r := store.Row{
		Day:             19500,
		IdentityType:    "IAMUser",
		IdentityARN:     testUserARN,
		IdentityAccount: testAccount,
		UserName:        "alice",
		Account:         testAccount,
		Region:          "us-east-1",
		EventSource:     source,
		EventName:       name,
		EventType:       "AwsApiCall",
		EventCategory:   "Management",
		Count:           1,
		FirstSeen:       1684800000000,
		LastSeen:        1684800000000,
	}
	for _, o := range opts {
		o(&r)
	}
	return r
}

// params adds request parameters: name, value, name, value, …
func params(kv ...string) rowOpt {
	return func(r *store.Row) {
		for i := 0; i+1 < len(kv); i += 2 {
			r.Params = append(r.Params, store.Param{Name: kv[i], Value: kv[i+1]})
		}
	}
}

// resources adds resources[] entries.
func resources(arns ...string) rowOpt {
	return func(r *store.Row) {
		for _, a := range arns {
			r.Resources = append(r.Resources, store.Resource{ARN: a})
		}
	}
}

func failed(code, msg string) rowOpt {
	return func(r *store.Row) { r.ErrorCode, r.ErrorMessage = code, msg }
}

func eventType(t string) rowOpt { return func(r *store.Row) { r.EventType = t } }

func region(reg string) rowOpt { return func(r *store.Row) { r.Region = reg } }

func coarsened(level int8) rowOpt { return func(r *store.Row) { r.Coarsened = level } }

func count(n int64) rowOpt { return func(r *store.Row) { r.Count = n } }

func day(d int32) rowOpt { return func(r *store.Row) { r.Day = d } }

// asRole makes the caller a session of the role roleARN (with path).
func asRole(roleARN string) rowOpt {
	return func(r *store.Row) {
		f := strings.SplitN(roleARN, ":", 6)
		name := roleARN[strings.LastIndexByte(roleARN, '/')+1:]
		r.IdentityType = "AssumedRole"
		r.IdentityARN = "arn:" + f[1] + ":sts::" + f[4] + ":assumed-role/" + name
		r.IdentityAccount = f[4]
		r.PrincipalID = "AROAEXAMPLE"
		r.UserName = ""
		r.IssuerType = "Role"
		r.IssuerARN = roleARN
		r.IssuerAccount = f[4]
		r.Account = f[4]
	}
}

// asUser makes the caller the IAM user userARN.
func asUser(userARN string) rowOpt {
	return func(r *store.Row) {
		f := strings.SplitN(userARN, ":", 6)
		r.IdentityType = "IAMUser"
		r.IdentityARN = userARN
		r.IdentityAccount = f[4]
		r.UserName = userARN[strings.LastIndexByte(userARN, '/')+1:]
		r.Account = f[4]
	}
}

// accessStrings renders accesses as "action resource" for comparisons.
func accessStrings(as []MappedAccess) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		s := a.Action + " " + a.Resource
		if a.Companion {
			s += " (companion)"
		}
		out = append(out, s)
	}
	return out
}

var testMapper = NewMapper(catalog.Default())

// mapRowChecked maps a row and checks the invariants every mapping keeps:
// each action is a catalog action in catalog casing, and each resource is
// "*" or fits one of the action's resource types.
func mapRowChecked(t *testing.T, r store.Row) Mapping {
	t.Helper()
	mp := testMapper.Map(&r)
	checkAccesses(t, mp.Accesses)
	if mp.DeniedAccess != nil {
		checkAccesses(t, []MappedAccess{{Access: *mp.DeniedAccess}})
	}
	return mp
}

func checkAccesses(t testing.TB, as []MappedAccess) {
	t.Helper()
	cat := catalog.Default()
	for _, a := range as {
		act, ok := cat.Action(a.Action)
		if !ok {
			t.Errorf("emitted %s, which is not in the catalog", a.Action)
			continue
		}
		if act.FullName() != a.Action {
			t.Errorf("emitted %s, catalog casing is %s", a.Action, act.FullName())
		}
		if a.Resource == "*" || a.Resource == "" {
			continue
		}
		if !act.TakesResources() {
			t.Errorf("%s takes no resource type but got %s", a.Action, a.Resource)
			continue
		}
		if act.ResourceTypesFor(a.Resource) == nil {
			t.Errorf("%s: resource %s fits none of the action's resource types", a.Action, a.Resource)
		}
	}
}

func equalStrings(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
