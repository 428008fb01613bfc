package analyze

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/ingest/store"
)

// Options select the rows an Analyzer uses.
type Options struct {
	// Since and Until bound the UTC days of the rows used, both days
	// included; a zero time leaves that side open. Rows are per day, so a
	// window is widened to whole UTC days.
	Since, Until time.Time
}

// Result is what an Analyzer concluded.
type Result struct {
	Principals []PrincipalUsage // sorted by ARN, then kind
	Coverage   Coverage
}

// Analyzer accumulates usage rows into per-principal usage. Memory grows
// with distinct principals × accesses, not with rows. It is not safe for
// concurrent use.
//
// Cross-account calls are logged twice, in the caller's account and in the
// resource owner's, with the same sharedEventID; the store keeps Shared and
// the recipient account but no event ID. A Shared row whose recipient
// account differs from the caller's account is the resource owner's copy.
// For the same (day, caller, region, eventSource, eventName, errorCode,
// identifiers), the count used is max(caller's copies, owner's copies),
// not their sum: each event is counted once, and a call whose caller-side
// copy was not ingested still counts. The caller is its account and
// principal ID, which both copies log: the owner's copy often names the
// caller by account only (userIdentity type AWSAccount), and is then
// attributed to the caller's copy when that was read, else to no principal
// (Coverage.CrossAccountCopies).
type Analyzer struct {
	m        *Mapper
	cat      *catalog.Catalog
	since    int32
	until    int32
	hasSince bool
	hasUntil bool

	principals map[principalKey]*principalAcc
	shared     map[string]*sharedAcc
	iamKnown   map[iamKey][]string // IAM entities seen with their path: full ARNs
	cov        coverageAcc
}

type principalKey struct {
	kind PrincipalKind
	arn  string
}

// iamKey names an IAM entity without its path.
type iamKey struct {
	partition, account, kind, name string
}

// NewAnalyzer returns an empty analyzer.
func NewAnalyzer(cat *catalog.Catalog, opts Options) *Analyzer {
	a := &Analyzer{
		m:          NewMapper(cat),
		cat:        cat,
		principals: map[principalKey]*principalAcc{},
		shared:     map[string]*sharedAcc{},
		iamKnown:   map[iamKey][]string{},
		cov:        newCoverageAcc(),
	}
	if !opts.Since.IsZero() {
		a.since, a.hasSince = store.DayOf(opts.Since.UnixMilli()), true
	}
	if !opts.Until.IsZero() {
		a.until, a.hasUntil = store.DayOf(opts.Until.UnixMilli()), true
	}
	return a
}

// Add accumulates one row. The row and the memory behind it may be reused
// by the caller after Add returns.
func (a *Analyzer) Add(row *store.Row) {
	if a.hasSince && row.Day < a.since || a.hasUntil && row.Day > a.until || row.Count <= 0 {
		return
	}
	a.learnIAM(row)
	if row.Shared {
		a.addShared(row)
		return
	}
	a.add(row, row.Count, row.FirstSeen, row.LastSeen)
}

// sharedAcc holds the copies of one cross-account call.
type sharedAcc struct {
	row                     store.Row // a copy, for mapping at Result
	caller, owner           int64
	callerFirst, ownerFirst int64
	callerLast, ownerLast   int64
}

func (a *Analyzer) addShared(row *store.Row) {
	k := sharedKey(row)
	s, ok := a.shared[k]
	if !ok {
		s = &sharedAcc{row: cloneRow(row)}
		a.shared[k] = s
	}
	ownerSide := row.IdentityAccount != "" && row.Account != "" && row.Account != row.IdentityAccount
	if ownerSide {
		s.owner += row.Count
		s.ownerFirst = minNonZero(s.ownerFirst, row.FirstSeen)
		s.ownerLast = max(s.ownerLast, row.LastSeen)
	} else {
		s.caller += row.Count
		s.callerFirst = minNonZero(s.callerFirst, row.FirstSeen)
		s.callerLast = max(s.callerLast, row.LastSeen)
		// Map the caller's copy: its recipient account is the caller's.
		if s.row.Account != s.row.IdentityAccount {
			s.row = cloneRow(row)
		}
	}
}

// sharedKey is everything that identifies a call except the recipient
// account and the counts. The caller is its account and principal ID when
// the row has one: the owner's copy may describe the same caller with
// fewer fields (type AWSAccount, no ARN) than the caller's copy.
func sharedKey(r *store.Row) string {
	var b strings.Builder
	w := func(s string) { b.WriteString(s); b.WriteByte(0) }
	w(strconv.Itoa(int(r.Day)))
	caller := []string{r.IdentityType, r.IdentityARN, r.IdentityAccount, r.PrincipalID, r.UserName, r.IssuerARN, r.InvokedBy}
	if r.PrincipalID != "" && r.IdentityAccount != "" {
		caller = []string{r.IdentityAccount, r.PrincipalID}
	}
	for _, s := range caller {
		w(s)
	}
	for _, s := range [...]string{r.Region, r.EventSource, r.EventName, r.EventType, r.ErrorCode} {
		w(s)
	}
	b.WriteByte(byte(r.Coarsened))
	for _, x := range r.Resources {
		w(x.ARN)
	}
	w("")
	for _, p := range r.Params {
		w(p.Name)
		w(p.Value)
	}
	return b.String()
}

func cloneRow(r *store.Row) store.Row {
	c := *r
	for _, p := range []*string{&c.IdentityType, &c.IdentityARN, &c.IdentityAccount, &c.PrincipalID, &c.UserName, &c.IssuerType,
		&c.IssuerARN, &c.IssuerAccount, &c.InvokedBy, &c.IdentityProvider, &c.OnBehalfOfUserID, &c.OnBehalfOfStoreARN,
		&c.Account, &c.Region, &c.EventSource, &c.EventName, &c.EventType, &c.EventCategory, &c.ReadOnly, &c.ErrorCode, &c.ErrorMessage} {
		*p = strings.Clone(*p)
	}
	c.Resources = make([]store.Resource, len(r.Resources))
	for i, x := range r.Resources {
		c.Resources[i] = store.Resource{ARN: strings.Clone(x.ARN), AccountID: strings.Clone(x.AccountID), Type: strings.Clone(x.Type)}
	}
	c.Params = make([]store.Param, len(r.Params))
	for i, x := range r.Params {
		c.Params[i] = store.Param{Name: strings.Clone(x.Name), Value: strings.Clone(x.Value)}
	}
	return c
}

func minNonZero(a, b int64) int64 {
	if a == 0 || b != 0 && b < a {
		return b
	}
	return a
}

// add maps one row (or one deduplicated cross-account call) and
// accumulates it.
func (a *Analyzer) add(row *store.Row, count, first, last int64) {
	p, noPolicy, notPrincipal := principalOf(row)
	mp := a.m.mapRow(row, p)
	a.cov.add(row, &mp, count, notPrincipal)
	if notPrincipal != IsPrincipal {
		return
	}
	pa := a.principal(p, noPolicy)
	pa.events += count
	pa.first = minNonZero(pa.first, first)
	pa.last = max(pa.last, last)
	pair := eventPair{row.EventSource, row.EventName}
	switch mp.Class {
	case ClassNonAPI:
		pa.nonAPI.add(pair, count)
		return
	case ClassPermissionless:
		pa.permissionless.add(pair, count)
		return
	case ClassUnmapped:
		if mp.Outcome == OutcomeDenied && mp.DeniedAccess != nil {
			// The message names the action even though the event name does
			// not map: report the denial.
			for _, d := range mp.denied {
				pa.addDenied(row, d.Access, d.iam, count, first, last)
			}
			return
		}
		pa.addUnmapped(pair, mp.Reason, count)
		return
	}
	via := row.EventSource + ":" + row.EventName
	switch mp.Outcome {
	case OutcomeObserved:
		for _, ma := range onePerKey(mp.Accesses) {
			pa.addObserved(ma, via, count, first, last)
		}
	case OutcomeDenied:
		for _, d := range onePerKey(mp.denied) {
			pa.addDenied(row, d.Access, d.iam, count, first, last)
		}
	case OutcomeUnproven:
		for _, ma := range onePerKey(mp.Accesses) {
			pa.addUnproven(row, ma, count)
		}
	}
}

// onePerKey keeps one access per accumulation key: the two ARNs that cover
// an IAM name of unknown path share a key, and one event must count once.
func onePerKey(as []MappedAccess) []MappedAccess {
	dup := false
	for i := 1; i < len(as) && !dup; i++ {
		dup = as[i].iam != nil
	}
	if !dup {
		return as
	}
	out := make([]MappedAccess, 0, len(as))
	seen := make(map[accessKey]int, len(as))
	for _, ma := range as {
		k := keyOf(ma)
		if i, ok := seen[k]; ok {
			// The call's own action wins over a companion.
			out[i].Companion = out[i].Companion && ma.Companion
			continue
		}
		seen[k] = len(out)
		out = append(out, ma)
	}
	return out
}

func (a *Analyzer) principal(p Principal, noPolicy string) *principalAcc {
	k := principalKey{p.Kind, p.ARN}
	pa, ok := a.principals[k]
	if !ok {
		p.ARN, p.Account, p.Name, p.Path, p.Partition = strings.Clone(p.ARN), strings.Clone(p.Account), strings.Clone(p.Name), strings.Clone(p.Path), strings.Clone(p.Partition)
		k.arn = p.ARN
		pa = newPrincipalAcc(p, noPolicy)
		a.principals[k] = pa
	} else if pa.p.Path == "" && p.Path != "" {
		// Rows that name the principal without its path (a console sign-in
		// by user name) do not hide the path other rows show.
		pa.p.Path = strings.Clone(p.Path)
	}
	return pa
}

// learnIAM records IAM entities whose path a row shows, so that calls
// naming them by name alone resolve to their exact ARN.
func (a *Analyzer) learnIAM(row *store.Row) {
	a.learnARN(row.IssuerARN)
	if row.IdentityType == "IAMUser" {
		a.learnARN(row.IdentityARN)
	}
	for _, r := range row.Resources {
		a.learnARN(r.ARN)
	}
	for _, p := range row.Params {
		if strings.HasPrefix(p.Value, "arn:") {
			a.learnARN(p.Value)
		}
	}
	// A successful Create… call shows the path: its "path" parameter, or
	// "/" when it has none (IAM API reference: the path "defaults to a
	// slash (/)").
	if row.ErrorCode != "" || row.Coarsened != 0 || !strings.EqualFold(row.EventSource, "iam.amazonaws.com") {
		return
	}
	kind, param := "", ""
	switch row.EventName {
	case "CreateRole":
		kind, param = "role", "roleName"
	case "CreateUser":
		kind, param = "user", "userName"
	case "CreateInstanceProfile":
		kind, param = "instance-profile", "instanceProfileName"
	case "CreateGroup":
		kind, param = "group", "groupName"
	case "CreatePolicy":
		kind, param = "policy", "policyName"
	default:
		return
	}
	path, name := "/", ""
	for _, p := range row.Params {
		switch p.Name {
		case "path":
			path = p.Value
		case param:
			name = p.Value
		}
	}
	if name == "" || !strings.HasPrefix(path, "/") || !strings.HasSuffix(path, "/") {
		return
	}
	part := partitionOf(firstNonEmpty(row.IssuerARN, row.IdentityARN), row.Region)
	acct := firstNonEmpty(row.Account, row.IdentityAccount)
	a.learnARN("arn:" + part + ":iam::" + acct + ":" + kind + path + name)
}

// learnARN records an IAM role, user, group, instance profile or policy
// ARN.
func (a *Analyzer) learnARN(arn string) {
	if !strings.HasPrefix(arn, "arn:") || strings.ContainsAny(arn, "*?") {
		return
	}
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 || f[2] != "iam" || f[4] == "" {
		return
	}
	kind, rest, ok := strings.Cut(f[5], "/")
	if !ok {
		return
	}
	switch kind {
	case "role", "user", "group", "instance-profile", "policy":
	default:
		return
	}
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	if name == "" {
		return
	}
	k := iamKey{f[1], f[4], kind, name}
	if known := a.iamKnown[k]; slices.Contains(known, arn) {
		return
	}
	k = iamKey{strings.Clone(f[1]), strings.Clone(f[4]), kind, strings.Clone(name)}
	a.iamKnown[k] = append(a.iamKnown[k], strings.Clone(arn))
	slices.Sort(a.iamKnown[k])
}

// Result finishes the analysis: it counts each cross-account call once,
// resolves IAM names to the paths the rows showed, and returns every
// principal's usage, sorted, and the coverage figures. Call it after the
// last Add.
func (a *Analyzer) Result() Result {
	keys := make([]string, 0, len(a.shared))
	for k := range a.shared {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s := a.shared[k]
		count := max(s.caller, s.owner)
		first := minNonZero(s.callerFirst, s.ownerFirst)
		last := max(s.callerLast, s.ownerLast)
		a.add(&s.row, count, first, last)
		delete(a.shared, k)
	}
	res := Result{Coverage: a.cov.result(a.cat)}
	for _, pa := range a.principals {
		res.Principals = append(res.Principals, pa.usage(a.iamKnown))
	}
	slices.SortFunc(res.Principals, func(x, y PrincipalUsage) int {
		if c := strings.Compare(x.Principal.ARN, y.Principal.ARN); c != 0 {
			return c
		}
		return strings.Compare(string(x.Principal.Kind), string(y.Principal.Kind))
	})
	return res
}

// eventPair is an (eventSource, eventName).
type eventPair struct{ source, name string }

type pairCounts map[eventPair]int64

func (m pairCounts) add(p eventPair, n int64) {
	if _, ok := m[p]; !ok {
		p = eventPair{strings.Clone(p.source), strings.Clone(p.name)}
	}
	m[p] += n
}

func (m pairCounts) sorted() []EventCount {
	out := make([]EventCount, 0, len(m))
	for p, n := range m {
		out = append(out, EventCount{EventSource: p.source, EventName: p.name, Count: n})
	}
	slices.SortFunc(out, func(a, b EventCount) int {
		return cmp.Or(strings.Compare(a.EventSource, b.EventSource), strings.Compare(a.EventName, b.EventName))
	})
	return out
}
