package analyze

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/ingest/store"
)

// EventClass says what kind of event a row records.
type EventClass uint8

const (
	// ClassMapped: an API call that needs permissions, mapped to catalog
	// actions.
	ClassMapped EventClass = iota + 1
	// ClassUnmapped: an API call iamtailor cannot map; Reason says why.
	ClassUnmapped
	// ClassPermissionless: an API call that needs no permission of the
	// caller.
	ClassPermissionless
	// ClassNonAPI: not an API request (service events, sign-ins, …).
	ClassNonAPI
)

func (c EventClass) String() string {
	switch c {
	case ClassMapped:
		return "mapped"
	case ClassUnmapped:
		return "unmapped"
	case ClassPermissionless:
		return "permissionless"
	case ClassNonAPI:
		return "non-api"
	}
	return "unknown"
}

// MappedAccess is one action on one resource that an event needs.
type MappedAccess struct {
	Access
	// Companion: implied by the call rather than its own action
	// (iam:PassRole on a passed role, the source side of a copy).
	Companion bool
	// ResourceNote explains a Resource that is not a specific ARN.
	ResourceNote string
	// Scoped: the action takes a resource type, so "*" loses precision.
	Scoped bool
	// Specific: Resource names only what the call touches (see Coverage).
	Specific bool

	iam     *iamRef
	created bool
}

// Mapping is what one usage row means in IAM terms.
type Mapping struct {
	Class   EventClass
	Reason  string // why the event is unmapped, permissionless or non-API
	Outcome Outcome
	Error   ErrorClass
	// Accesses are the actions the call needs, each on its resources, in a
	// deterministic order. Empty unless Class is ClassMapped.
	Accesses []MappedAccess
	// DeniedAccess is what an authorization error message names, when it
	// names a catalog action; its Resource is "" when the message names
	// none.
	DeniedAccess *Access

	// denied is what a denied call was refused, for the analyzer.
	denied []MappedAccess
}

// Mapper maps usage rows to IAM actions. It caches what it learns per
// (eventSource, eventName), so a Mapper should be reused across rows. It is
// safe for concurrent use.
type Mapper struct {
	cat   *catalog.Catalog
	mu    sync.RWMutex
	plans map[planKey]*plan
	fit   fitCache
}

type planKey struct{ source, name string }

// plan is what the mapper knows about one (eventSource, eventName).
type plan struct {
	class   EventClass
	reason  string // for unmapped, permissionless and source-level non-API events
	prefix  string
	name    string // eventName without an API-version suffix
	actions []planAction
	partiql bool
	apigw   bool // API Gateway management call: apigateway:<METHOD> on a path
}

type planAction struct {
	ruleAction
	act   *catalog.Action
	types []typeTemplates
}

// NewMapper returns a mapper over the catalog.
func NewMapper(cat *catalog.Catalog) *Mapper {
	return &Mapper{cat: cat, plans: map[planKey]*plan{}}
}

// Map maps one row with a fresh mapper. To map many rows, reuse a Mapper.
func Map(row *store.Row, cat *catalog.Catalog) Mapping {
	return NewMapper(cat).Map(row)
}

// Map says what one row means: which actions on which resources the call
// needs, and whether its outcome proves, refuses or leaves open the
// permission.
func (m *Mapper) Map(row *store.Row) Mapping {
	p, _, _ := principalOf(row)
	return m.mapRow(row, p)
}

func (m *Mapper) mapRow(row *store.Row, principal Principal) Mapping {
	out := m.mapAccesses(row, principal)
	if out.Outcome == OutcomeDenied && (out.Class == ClassMapped || out.Class == ClassUnmapped) {
		out.denied = m.deniedAccesses(&out)
	}
	return out
}

func (m *Mapper) mapAccesses(row *store.Row, principal Principal) Mapping {
	if r, ok := nonAPIEventTypes[row.EventType]; ok {
		return Mapping{Class: ClassNonAPI, Reason: r, Outcome: OutcomeObserved}
	}
	if r, ok := nonAPICategories[row.EventCategory]; ok {
		return Mapping{Class: ClassNonAPI, Reason: r, Outcome: OutcomeObserved}
	}
	pl := m.planFor(row.EventSource, row.EventName)
	out := Mapping{Class: pl.class, Reason: pl.reason}
	out.Outcome, out.Error = classifyError(row.EventSource, pl.name, row.ErrorCode)
	if pl.class == ClassNonAPI || pl.class == ClassPermissionless {
		return out
	}
	if out.Outcome == OutcomeDenied {
		out.DeniedAccess = m.deniedAccess(row.ErrorMessage)
	}
	if pl.class == ClassUnmapped {
		return out
	}
	c := &rowCtx{
		row:       row,
		partition: partitionOf(firstNonEmpty(row.IssuerARN, row.IdentityARN), row.Region),
		region:    row.Region,
		account:   firstNonEmpty(row.Account, row.IdentityAccount),
		principal: principal,
	}
	actions := pl.actions
	if pl.partiql {
		var reason string
		actions, reason = m.partiqlActions(c)
		if len(actions) == 0 {
			out.Class, out.Reason = ClassUnmapped, reason
			return out
		}
	}
	for i := range actions {
		pa := &actions[i]
		if !c.holds(pa.when) {
			continue
		}
		for _, b := range m.resources(c, pl, pa) {
			out.Accesses = append(out.Accesses, MappedAccess{
				Access:       Access{Action: pa.act.FullName(), Resource: b.arn},
				Companion:    pa.companion,
				ResourceNote: b.note,
				Scoped:       pa.act.TakesResources(),
				Specific:     pa.act.TakesResources() && b.specific && b.arn != "*",
				iam:          b.iam,
				created:      b.created,
			})
		}
	}
	out.Accesses = dedupeAccesses(out.Accesses)
	return out
}

// dedupeAccesses sorts accesses and keeps one per (action, resource); the
// call's own action wins over a companion.
func dedupeAccesses(as []MappedAccess) []MappedAccess {
	slices.SortStableFunc(as, func(a, b MappedAccess) int {
		if c := strings.Compare(a.Action, b.Action); c != 0 {
			return c
		}
		if c := strings.Compare(a.Resource, b.Resource); c != 0 {
			return c
		}
		switch {
		case !a.Companion && b.Companion:
			return -1
		case a.Companion && !b.Companion:
			return 1
		}
		return 0
	})
	return slices.CompactFunc(as, func(a, b MappedAccess) bool { return a.Access == b.Access })
}

// holds evaluates a rule action's condition on the row.
func (c *rowCtx) holds(w condition) bool {
	if w.param != "" {
		present := false
		for _, n := range strings.Split(w.param, "|") {
			for _, v := range c.paramValues(n, false) {
				if (w.valueNot == "" || !strings.EqualFold(v, w.valueNot)) && (w.valueIs == "" || strings.EqualFold(v, w.valueIs)) {
					present = true
				}
			}
		}
		if present == w.absent {
			return false
		}
	}
	if w.segment != "" && !c.hasSegment(w.segment) {
		return false
	}
	if w.copySource != copyAny {
		raw := firstNonEmpty(c.paramValues("x-amz-copy-source", false)...)
		_, versioned, _ := copySourceARN(raw, c.partition)
		if versioned != (w.copySource == copyVersioned) {
			return false
		}
	}
	return true
}

// planFor returns the cached plan for an (eventSource, eventName).
func (m *Mapper) planFor(source, name string) *plan {
	k := planKey{source, name}
	m.mu.RLock()
	p, ok := m.plans[k]
	m.mu.RUnlock()
	if ok {
		return p
	}
	k = planKey{strings.Clone(source), strings.Clone(name)}
	p = m.makePlan(k.source, k.name)
	m.mu.Lock()
	if q, ok := m.plans[k]; ok {
		p = q
	} else {
		m.plans[k] = p
	}
	m.mu.Unlock()
	return p
}

func (m *Mapper) makePlan(source, name string) *plan {
	prefix := iamPrefix(source)
	p := &plan{prefix: prefix, name: name}
	svc, svcOK := m.cat.Service(prefix)
	// The eventName, or without its API-version suffix when the
	// unstripped name is not itself an action.
	if svcOK {
		if _, ok := svc.Action(name); !ok {
			if stripped, ok := stripAPIVersion(name); ok {
				p.name = stripped
			}
		}
	}
	isAction := func() bool {
		if !svcOK {
			return false
		}
		_, ok := svc.Action(p.name)
		return ok
	}
	if r := nonAPIReason("", "", source, p.name, isAction); r != "" {
		p.class, p.reason = ClassNonAPI, r
		return p
	}
	if !svcOK {
		p.class = ClassUnmapped
		p.reason = fmt.Sprintf("event source %q has no IAM service prefix in the catalog (tried %q)", source, prefix)
		return p
	}
	key := strings.ToLower(prefix + ":" + p.name)
	for k, r := range permissionless {
		if strings.EqualFold(k, key) {
			p.class, p.reason = ClassPermissionless, r
			return p
		}
	}
	r, ok := rules[key]
	switch {
	case ok && r.partiql:
		p.partiql = true
	case ok:
		for _, ra := range r.actions {
			a, found := m.cat.Action(ra.action)
			if !found {
				// A rule naming an action the catalog lacks is a defect the
				// tests catch; at run time the event is unmapped, never guessed.
				p.class = ClassUnmapped
				p.reason = fmt.Sprintf("rule for %s names %s, which the catalog %s does not have", key, ra.action, m.cat.Version())
				p.actions = nil
				return p
			}
			p.actions = append(p.actions, planAction{ruleAction: ra, act: a, types: actionTypes(a)})
		}
	case prefix == "apigateway" && !isAction() && apigatewayMethod(p.name) != "":
		a, found := m.cat.Action("apigateway:" + apigatewayMethod(p.name))
		if !found {
			p.class, p.reason = ClassUnmapped, "the catalog has no apigateway:"+apigatewayMethod(p.name)
			return p
		}
		p.apigw = true
		p.actions = []planAction{{ruleAction: ruleAction{action: a.FullName(), res: resAPIGateway}, act: a}}
	default:
		a, found := svc.Action(p.name)
		if !found {
			p.class = ClassUnmapped
			p.reason = fmt.Sprintf("%s:%s is not an action in the catalog %s", prefix, p.name, m.cat.Version())
			return p
		}
		p.actions = []planAction{{ruleAction: ruleAction{action: a.FullName()}, act: a, types: actionTypes(a)}}
	}
	p.class = ClassMapped
	return p
}

// deniedAccess reads the action and resource an authorization error
// message names, keeping the action only if it is in the catalog (in
// catalog casing).
func (m *Mapper) deniedAccess(msg string) *Access {
	d := parseDeniedMessage(msg)
	if d.Action == "" {
		return nil
	}
	a, ok := m.cat.Action(d.Action)
	if !ok {
		return nil
	}
	return &Access{Action: a.FullName(), Resource: d.Resource}
}

// deniedAccesses are what a denied call was refused: the action and
// resource the error message names, else the mapper's accesses. A message
// naming the action but no resource takes the mapper's resources for that
// action, or "*".
func (m *Mapper) deniedAccesses(mp *Mapping) []MappedAccess {
	d := mp.DeniedAccess
	if d == nil {
		return mp.Accesses
	}
	a, _ := m.cat.Action(d.Action)
	scoped := a != nil && a.TakesResources()
	if d.Resource != "" {
		specific := scoped && strings.HasPrefix(d.Resource, "arn:") && !strings.ContainsAny(d.Resource, "*")
		return []MappedAccess{{Access: *d, Scoped: scoped, Specific: specific}}
	}
	var out []MappedAccess
	for _, ma := range mp.Accesses {
		if ma.Action == d.Action {
			out = append(out, ma)
		}
	}
	if len(out) == 0 {
		out = []MappedAccess{{Access: Access{Action: d.Action, Resource: "*"}, Scoped: scoped, ResourceNote: "the error message names no resource"}}
	}
	return out
}

// resources builds one rule action's resources for a row.
func (m *Mapper) resources(c *rowCtx, pl *plan, pa *planAction) []builtResource {
	out := m.actionResources(c, pl, pa)
	switch pa.act.Service.Prefix {
	case "logs":
		out = logGroupsForPolicy(pa.act.Name, out)
	case "ssm":
		out = publicParametersForPolicy(out)
	}
	return out
}

// notePublicParameter explains the account wildcard of a public parameter.
const notePublicParameter = "a public parameter AWS publishes under /aws/service/: its ARN has no account (arn:…:ssm:REGION::parameter/aws/service/…), which the account wildcard matches"

// publicParametersForPolicy gives SSM public parameters (/aws/service/…,
// such as the latest Amazon Linux AMI ids) the ARN IAM evaluates: AWS owns
// them and their ARN has an empty account field (SSM User Guide, "Working
// with public parameters"). The caller's account there would never match,
// and the catalog's template has no empty-account form, so the account is
// "*", which matches the empty field and nothing a customer can create:
// names under aws/ are reserved.
func publicParametersForPolicy(rs []builtResource) []builtResource {
	for i, r := range rs {
		head, rest, ok := strings.Cut(r.arn, ":parameter/aws/service/")
		if !ok {
			continue
		}
		// head is arn:PARTITION:ssm:REGION:ACCOUNT
		if j := strings.LastIndexByte(head, ':'); j >= 0 {
			rs[i].arn = head[:j+1] + "*:parameter/aws/service/" + rest
			rs[i].note = notePublicParameter
		}
	}
	return rs
}

// logGroupsForPolicy gives log group ARNs the form IAM evaluates: CloudWatch
// Logs authorizes every action on a log group as
// arn:…:log-group:NAME:* except TagResource, UntagResource and
// ListTagsForResource, which take the ARN without ":*" (CloudWatch Logs
// User Guide, "CloudWatch Logs resources and operations").
func logGroupsForPolicy(action string, rs []builtResource) []builtResource {
	switch action {
	case "TagResource", "UntagResource", "ListTagsForResource":
		return rs
	}
	for i, r := range rs {
		_, rest, ok := strings.Cut(r.arn, ":log-group:")
		if ok && !strings.Contains(rest, ":") && !strings.HasSuffix(rest, "*") {
			rs[i].arn += ":*"
		}
	}
	return rs
}

// actionResources builds one rule action's resources for a row.
func (m *Mapper) actionResources(c *rowCtx, pl *plan, pa *planAction) []builtResource {
	if !pa.act.TakesResources() {
		return []builtResource{{arn: "*"}}
	}
	if c.row.Coarsened >= 2 {
		return []builtResource{{arn: "*", note: noteDropped}}
	}
	var out []builtResource
	switch pa.res {
	case resAuto:
		return m.resolveGeneric(c, pa, pl.prefix, true)
	case resParams:
		return m.resolveGeneric(c, pa, pl.prefix, false)
	case resCopySource:
		raw := firstNonEmpty(c.paramValues("x-amz-copy-source", false)...)
		if arn, _, ok := copySourceARN(raw, c.partition); ok {
			out = append(out, c.note(builtResource{arn: arn, specific: true}))
		}
	case resDeleteObjects:
		out = m.deleteObjects(c, pa)
	case resRole:
		out = m.passedRoles(c, pa)
	case resInstanceProfile:
		for _, n := range pa.params {
			for _, v := range c.paramValues(n, false) {
				return []builtResource{{arn: "*", note: strings.ReplaceAll(noteInstProfile, "%s", v)}}
			}
		}
	case resKMSSource, resKMSDestination:
		out = m.reEncryptKey(c, pa.res == resKMSSource)
	case resAPIGateway:
		out = m.apigatewayResources(c, pl, pa)
	case resPartiQL:
		out = m.partiqlTables(c, pa)
	case resCreated:
		out = m.createdResources(c, pa)
	}
	// Keep only what fits the action's resource types.
	kept := out[:0]
	for _, b := range out {
		if b.arn == "*" || m.typesFor(pa.act, b.arn) != nil {
			kept = append(kept, b)
		}
	}
	if len(kept) == 0 {
		return []builtResource{{arn: "*", note: noteNoParams}}
	}
	return kept
}

// deleteObjects: DeleteObjects names its objects in the request body; the
// event's resources[] or the kept parameters may list them. Else the call
// is on some objects of the bucket.
func (m *Mapper) deleteObjects(c *rowCtx, pa *planAction) []builtResource {
	var out []builtResource
	for _, r := range c.row.Resources {
		if strings.HasPrefix(r.ARN, "arn:") && strings.Contains(r.ARN, ":::") && strings.Contains(r.ARN, "/") {
			out = append(out, c.note(builtResource{arn: r.ARN, specific: true}))
		}
	}
	bucket := firstNonEmpty(c.paramValues("bucketName", false)...)
	if len(out) == 0 && bucket != "" {
		for _, p := range c.row.Params {
			if !strings.Contains(p.Name, ".") || !paramNameMatches(p.Name, "key", false) {
				continue
			}
			out = append(out, c.note(builtResource{arn: "arn:" + c.partition + ":s3:::" + bucket + "/" + p.Value, specific: true}))
		}
	}
	if len(out) == 0 && bucket != "" {
		out = append(out, builtResource{arn: "arn:" + c.partition + ":s3:::" + bucket + "/*", note: "DeleteObjects names its objects in the request body, which the event does not keep: any object in the bucket"})
	}
	return out
}

// passedRoles: the roles named in a rule's parameters, as ARNs or names.
func (m *Mapper) passedRoles(c *rowCtx, pa *planAction) []builtResource {
	var out []builtResource
	for _, n := range pa.params {
		for _, v := range c.paramValues(n, false) {
			switch {
			case strings.HasPrefix(v, "arn:") && strings.Contains(v, ":role/"):
				out = append(out, c.note(builtResource{arn: v, specific: true}))
			case strings.HasPrefix(v, "arn:") || v == "":
			default:
				// A role name (Glue accepts one), possibly with its path.
				name := strings.TrimPrefix(v, "/")
				ref := &iamRef{partition: c.partition, account: c.account, kind: "role", name: name}
				if strings.Contains(name, "/") {
					out = append(out, c.note(builtResource{arn: ref.prefix() + name, specific: true}))
					continue
				}
				note := strings.ReplaceAll(noteIAMPath, "%s", "role")
				out = append(out,
					builtResource{arn: ref.prefix() + name, note: note, iam: ref, specific: true},
					builtResource{arn: ref.prefix() + "*/" + name, note: note, iam: ref, specific: true})
			}
		}
	}
	return out
}

// reEncryptKey finds the source or destination key of kms:ReEncrypt: from
// sourceKeyId / destinationKeyId when they are key IDs or ARNs, else from
// the keys the event's resources[] lists that are not the other side's.
func (m *Mapper) reEncryptKey(c *rowCtx, source bool) []builtResource {
	own, other := "destinationKeyId", "sourceKeyId"
	if source {
		own, other = other, own
	}
	if arn, ok := kmsKeyARN(firstNonEmpty(c.paramValues(own, false)...), c.partition, c.region, c.account); ok {
		return []builtResource{c.note(builtResource{arn: arn, specific: true})}
	}
	otherARN, otherKnown := kmsKeyARN(firstNonEmpty(c.paramValues(other, false)...), c.partition, c.region, c.account)
	var keys []string
	for _, r := range c.row.Resources {
		if strings.Contains(r.ARN, ":key/") && !slices.Contains(keys, r.ARN) {
			keys = append(keys, r.ARN)
		}
	}
	switch {
	case otherKnown && len(keys) == 2 && slices.Contains(keys, otherARN):
		for _, k := range keys {
			if k != otherARN {
				return []builtResource{c.note(builtResource{arn: k, specific: true})}
			}
		}
	case otherKnown && len(keys) == 1 && keys[0] == otherARN:
		// Only one key involved: re-encrypted under the same key.
		return []builtResource{c.note(builtResource{arn: keys[0], specific: true})}
	}
	return []builtResource{{arn: "*", note: "the event does not say which key this side of the re-encryption used"}}
}

// hasSegment reports a parameter whose dotted path has a segment named one
// of names ("a|b"), ignoring case.
func (c *rowCtx) hasSegment(names string) bool {
	for _, p := range c.row.Params {
		for _, seg := range strings.Split(p.Name, ".") {
			for _, n := range strings.Split(names, "|") {
				if strings.EqualFold(seg, n) {
					return true
				}
			}
		}
	}
	return false
}

// createdResources are the resources a create call makes, of the types
// its tag-on-create rule lists: named by the request when it names them
// (RDS identifiers), else any of that type in the account and region (EC2
// IDs do not exist before the call). When the request says which types it
// tags (tagSpecificationSet.items.resourceType), only those are tagged, and
// so only those are authorized against the tagging action (EC2 User Guide,
// "Grant permission to tag resources during creation").
func (m *Mapper) createdResources(c *rowCtx, pa *planAction) []builtResource {
	names := pa.params
	if tagged := c.taggedTypes(); len(tagged) > 0 {
		names = tagged
	}
	var out []builtResource
	for _, name := range names {
		for i := range pa.types {
			tt := &pa.types[i]
			if tt.rt.Name != name {
				continue
			}
			var filled []builtResource
			for _, t := range tt.templates {
				for _, b := range m.fill(c, &t) {
					if m.matches(t.rt, b.arn) {
						filled = append(filled, c.note(b))
					}
				}
			}
			if len(filled) == 0 {
				if b, ok := c.anyInAccount(tt, true); ok {
					filled = append(filled, b)
				}
			}
			out = append(out, filled...)
		}
	}
	return out
}

// taggedTypes are the resource types an EC2 create request's tag
// specifications name, when the row keeps them.
func (c *rowCtx) taggedTypes() []string {
	var out []string
	for _, p := range c.row.Params {
		if !paramNameMatches(p.Name, "resourceType", false) || !strings.Contains(strings.ToLower(p.Name), "tagspecification") {
			continue
		}
		if !slices.Contains(out, p.Value) {
			out = append(out, p.Value)
		}
	}
	return out
}
