package analyze

import (
	"net/url"
	"slices"
	"strings"

	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/ingest/store"
)

// Resource notes: why a Resource is not a specific ARN.
const (
	noteDropped     = "the usage store dropped this row's identifiers to stay within its size bound (coarsened)"
	noteCoarsened   = "the usage store cut this row's identifiers to their first path segment to stay within its size bound (coarsened)"
	noteNoParams    = "the event does not name the resource (no identifying request parameters)"
	noteIAMPath     = "the event names the %s without its path; this covers that name under any path"
	noteCreated     = "the call creates this %s, whose ID does not exist before the call: any %s in this account and region"
	noteUnnamed     = "the event does not name the %s (AWS chose it, or the request named it in a form not kept): any %s in this account and region"
	noteInstProfile = "passes the role of instance profile %s; the event does not name the role"
)

// rowCtx is what resource building needs to know about one row.
type rowCtx struct {
	row       *store.Row
	partition string
	region    string
	account   string // the recipient account, for resources named without one
	principal Principal
	// pool holds the ARNs the event names outright: resources[] (when
	// used), request parameters that are ARNs, and ARNs derived from
	// parameters in service-specific forms (queue URLs, …).
	pool      []poolARN
	poolBuilt bool
}

type poolARN struct {
	arn          string
	fromResource bool // from resources[] rather than request parameters
}

// builtResource is one resource of one mapped action.
type builtResource struct {
	arn      string
	note     string
	specific bool
	// created: the resource the call creates, named by the narrowest ARN
	// possible (its ID is "*").
	created bool
	// iam is set for an IAM entity named without its path: the analyzer
	// replaces the pair of ARNs covering every path with the exact ARN when
	// other rows show the path.
	iam *iamRef
}

// iamRef is an IAM entity known by name only.
type iamRef struct {
	partition, account, kind, name string
}

func (r *iamRef) prefix() string {
	return "arn:" + r.partition + ":iam::" + r.account + ":" + r.kind + "/"
}

// paramValues returns the values of the parameters named name: the dotted
// path itself or its last segment, ignoring case. With plural, a last
// segment that is name+"s" matches too.
func (c *rowCtx) paramValues(name string, plural bool) []string {
	var out []string
	for i := range c.row.Params {
		p := &c.row.Params[i]
		if paramNameMatches(p.Name, name, plural) {
			out = append(out, p.Value)
		}
	}
	return out
}

func paramNameMatches(full, name string, plural bool) bool {
	if strings.EqualFold(full, name) {
		return true
	}
	last := full
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		last = full[i+1:]
	}
	if strings.Contains(name, ".") {
		// A dotted name matches a path ending with it.
		return len(full) > len(name) && full[len(full)-len(name)-1] == '.' && strings.EqualFold(full[len(full)-len(name):], name)
	}
	if strings.EqualFold(last, name) {
		return true
	}
	return plural && len(last) == len(name)+1 && (last[len(name)] == 's' || last[len(name)] == 'S') && strings.EqualFold(last[:len(name)], name)
}

// coarsenedValue reports a value the store cut to its first path segment.
func (c *rowCtx) coarsenedValue(v string) bool {
	return c.row.Coarsened >= 1 && strings.HasSuffix(v, "/*")
}

// buildPool collects the ARNs the event names outright.
func (m *Mapper) buildPool(c *rowCtx, prefix string) {
	if c.poolBuilt {
		return
	}
	c.poolBuilt = true
	for _, r := range c.row.Resources {
		if strings.HasPrefix(r.ARN, "arn:") {
			c.pool = append(c.pool, poolARN{arn: r.ARN, fromResource: true})
		}
	}
	for _, p := range c.row.Params {
		if strings.HasPrefix(p.Value, "arn:") {
			c.pool = append(c.pool, poolARN{arn: p.Value})
		}
	}
	switch prefix {
	case "sqs":
		for _, u := range c.paramValues("queueUrl", true) {
			if arn, ok := queueARN(u, c.partition, c.region); ok {
				c.pool = append(c.pool, poolARN{arn: arn})
			}
		}
	case "lambda":
		for _, v := range c.paramValues("functionName", false) {
			// Partial ARN: 123456789012:function:name[:qualifier].
			if acct, rest, ok := strings.Cut(v, ":function:"); ok && len(acct) == 12 && allDigits(acct) {
				c.pool = append(c.pool, poolARN{arn: "arn:" + c.partition + ":lambda:" + c.region + ":" + acct + ":function:" + rest})
			}
		}
	case "ec2":
		for _, v := range c.paramValues("resourceId", true) {
			if arn, ok := m.ec2ARN(c, v); ok {
				c.pool = append(c.pool, poolARN{arn: arn})
			}
		}
	case "ssm":
		for _, v := range c.paramValues("resourceId", false) {
			if arn, ok := m.ssmResourceARN(c, v); ok {
				c.pool = append(c.pool, poolARN{arn: arn})
			}
		}
		for _, n := range [...]string{"documentName", "name"} {
			for _, v := range c.paramValues(n, false) {
				if awsOwnedDocument(v) {
					// AWS-owned documents have no account in their ARN.
					c.pool = append(c.pool, poolARN{arn: "arn:" + c.partition + ":ssm:" + c.region + ":*:document/" + v})
				}
			}
		}
	}
}

// ec2IDTypes maps the prefix of an EC2 resource ID to its resource type.
// EC2 IDs are "<prefix>-<hex>" with a fixed prefix per resource type, so a
// bare resourceId (CreateTags, DeleteTags) names its type.
var ec2IDTypes = map[string]string{
	"i": "instance", "vpc": "vpc", "subnet": "subnet", "sg": "security-group",
	"rtb": "route-table", "igw": "internet-gateway", "eigw": "egress-only-internet-gateway",
	"eni": "network-interface", "vol": "volume", "snap": "snapshot", "ami": "image",
	"nat": "natgateway", "eipalloc": "elastic-ip", "acl": "network-acl", "dopt": "dhcp-options",
	"pcx": "vpc-peering-connection", "vpce": "vpc-endpoint", "lt": "launch-template",
	"fl": "vpc-flow-log", "cgw": "customer-gateway", "vgw": "vpn-gateway", "vpn": "vpn-connection",
	"pl": "prefix-list", "h": "dedicated-host", "sgr": "security-group-rule", "tgw": "transit-gateway",
	"sir": "spot-instances-request", "cr": "capacity-reservation", "fleet": "fleet",
}

// ec2ARN turns an EC2 resource ID into its ARN through its type's template.
func (m *Mapper) ec2ARN(c *rowCtx, id string) (string, bool) {
	prefix, rest, ok := strings.Cut(id, "-")
	if !ok || rest == "" || strings.Contains(rest, "-") && prefix != "tgw" {
		return "", false
	}
	typ, ok := ec2IDTypes[prefix]
	if !ok {
		return "", false
	}
	return m.singleVariableARN(c, "ec2", typ, id)
}

// ssmResourceARN turns the resourceId of SSM's tagging and compliance
// calls into an ARN when its form names the resource type; the calls'
// resourceType parameter is not kept by ingest. Parameter names with a
// leading slash can be nothing else (document names and the other IDs
// cannot hold "/"); the other IDs have fixed prefixes.
func (m *Mapper) ssmResourceARN(c *rowCtx, id string) (string, bool) {
	switch {
	case strings.HasPrefix(id, "/") && len(id) > 1:
		return m.singleVariableARN(c, "ssm", "parameter", id[1:])
	case strings.HasPrefix(id, "mi-"):
		return m.singleVariableARN(c, "ssm", "managed-instance", id)
	case strings.HasPrefix(id, "i-"):
		return m.singleVariableARN(c, "ec2", "instance", id)
	case strings.HasPrefix(id, "mw-"):
		return m.singleVariableARN(c, "ssm", "maintenancewindow", id)
	case strings.HasPrefix(id, "pb-"):
		return m.singleVariableARN(c, "ssm", "patchbaseline", id)
	case strings.HasPrefix(id, "oi-"):
		return m.singleVariableARN(c, "ssm", "opsitem", id)
	}
	return "", false
}

// singleVariableARN fills the one non-context variable of a resource
// type's first template with value.
func (m *Mapper) singleVariableARN(c *rowCtx, prefix, typ, value string) (string, bool) {
	svc, ok := m.cat.Service(prefix)
	if !ok {
		return "", false
	}
	rt, ok := svc.ResourceType(typ)
	if !ok || len(rt.ARNs) == 0 {
		return "", false
	}
	t := parseARNTemplate(rt, rt.ARNs[0])
	if len(t.variables()) != 1 {
		return "", false
	}
	arn := c.fillTemplate(&t, value)
	return arn, m.matches(rt, arn)
}

// fillTemplate writes t with the row's partition, region and account, and
// value for every other variable.
func (c *rowCtx) fillTemplate(t *arnTemplate, value string) string {
	var b strings.Builder
	for _, s := range t.segs {
		switch {
		case s.variable == "":
			b.WriteString(s.lit)
		case s.component == 1 || s.variable == "Partition":
			b.WriteString(c.partition)
		case s.component == 3 || s.variable == "Region":
			b.WriteString(c.region)
		case s.component == 4 || s.variable == "Account":
			b.WriteString(c.account)
		default:
			b.WriteString(value)
		}
	}
	return b.String()
}

// queueARN turns an SQS queue URL into the queue's ARN:
// https://sqs.REGION.amazonaws.com/ACCOUNT/NAME (and the legacy
// https://queue.amazonaws.com/… and https://REGION.queue.amazonaws.com/…
// forms). The region comes from the host when it names one.
func queueARN(raw, partition, region string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", false
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || len(parts[0]) != 12 || !allDigits(parts[0]) || parts[1] == "" || strings.Contains(parts[1], "*") {
		return "", false
	}
	host := strings.Split(u.Hostname(), ".")
	switch {
	case len(host) > 2 && host[0] == "sqs" && strings.Count(host[1], "-") >= 2:
		region = host[1]
	case len(host) > 2 && host[1] == "queue" && strings.Count(host[0], "-") >= 2:
		region = host[0]
	case len(host) > 1 && host[0] == "queue":
		region = "us-east-1"
	}
	return "arn:" + partition + ":sqs:" + region + ":" + parts[0] + ":" + parts[1], true
}

// createVerbs begin the names of actions that create what they are
// authorized on (RestoreDBInstanceFromDBSnapshot creates a DB instance).
var createVerbs = [...]string{"Create", "Allocate", "Run", "Import", "Copy", "Register", "Purchase", "Request", "Launch", "Restore"}

// isCreateLike says whether an action creates the resource it is
// authorized on, so that a resource type the event cannot name (its ID
// does not exist before the call) is the new resource in the request's
// account and region.
func isCreateLike(a *catalog.Action) bool {
	if a.Access != catalog.Write && a.Access != catalog.Tagging {
		return false
	}
	for _, v := range createVerbs {
		if strings.HasPrefix(a.Name, v) {
			return true
		}
	}
	return false
}

// resolveGeneric builds an action's resources from the pool and its ARN
// templates: resources[] and ARN parameters that fit one of the action's
// resource types, and templates whose variables the parameters fill.
func (m *Mapper) resolveGeneric(c *rowCtx, pa *planAction, prefix string, useResources bool) []builtResource {
	types := pa.types
	perType := make([][]builtResource, len(types))
	add := func(i int, b builtResource) {
		for _, e := range perType[i] {
			if e.arn == b.arn {
				return
			}
		}
		perType[i] = append(perType[i], b)
	}
	m.buildPool(c, prefix)
	for _, p := range c.pool {
		if p.fromResource && !useResources {
			continue
		}
		fits := m.typesFor(pa.act, p.arn)
		for _, rt := range fits {
			for i := range types {
				if types[i].rt == rt {
					add(i, c.note(builtResource{arn: p.arn, specific: true}))
				}
			}
		}
	}
	for i := range types {
		for _, t := range types[i].templates {
			for _, b := range m.fill(c, &t) {
				if m.matches(t.rt, b.arn) {
					add(i, c.note(b))
				}
			}
		}
	}
	if sr := m.selfUser(c, pa); sr != nil {
		for i := range types {
			if types[i].rt.Name == "user" && len(perType[i]) == 0 {
				add(i, *sr)
			}
		}
	}

	var out []builtResource
	var missing []string
	createLike := isCreateLike(pa.act)
	for i := range types {
		if len(perType[i]) > 0 {
			out = append(out, perType[i]...)
			continue
		}
		if !createLike {
			if types[i].required {
				missing = append(missing, types[i].rt.Name)
			}
			continue
		}
		// See evaluated.go: what a create call needs beyond what the
		// event names.
		b, needed, unbuildable := c.uncovered(pa.act, &types[i])
		switch {
		case unbuildable:
			missing = append(missing, types[i].rt.Name)
		case needed:
			out = append(out, b)
		}
	}
	switch {
	case len(missing) > 0:
		return []builtResource{{arn: "*", note: "the event does not show the " + strings.Join(missing, ", ") + " this call is authorized on"}}
	case len(out) == 0:
		names := make([]string, 0, len(types))
		for _, t := range types {
			names = append(names, t.rt.Name)
		}
		note := noteNoParams
		if len(c.row.Params) > 0 || len(c.row.Resources) > 0 {
			note = "the event names no " + strings.Join(names, " or ") + " (the call may act on all of them)"
		}
		return []builtResource{{arn: "*", note: note}}
	}
	return out
}

// note marks a resource built from coarsened identifiers.
func (c *rowCtx) note(b builtResource) builtResource {
	if c.row.Coarsened >= 1 && strings.Contains(b.arn, "*") && b.note == "" {
		b.note = noteCoarsened
		b.specific = false
	}
	return b
}

// createsType says whether an action creates resources of a type: the
// types its tag-on-create rule lists, else the type its name ends with
// (CreateVpc creates a vpc, AllocateAddress is listed).
func createsType(a *catalog.Action, typ string) bool {
	if types, ok := tagOnCreate[a.FullName()]; ok {
		return slices.Contains(types, typ)
	}
	noun := a.Name
	for _, v := range createVerbs {
		if n, ok := strings.CutPrefix(noun, v); ok {
			noun = n
			break
		}
	}
	t := strings.ReplaceAll(typ, "-", "")
	noun = strings.ToLower(noun)
	return noun == t || noun == t+"s"
}

// anyInAccount is a resource type's template with every variable but the
// partition, region and account as "*".
func (c *rowCtx) anyInAccount(tt *typeTemplates, created bool) (builtResource, bool) {
	b, ok := c.fillAllVariables(tt, "*")
	if !ok {
		return builtResource{}, false
	}
	if created {
		b.note, b.created, b.specific = strings.ReplaceAll(noteCreated, "%s", tt.rt.Name), true, true
	} else {
		b.note = strings.ReplaceAll(noteUnnamed, "%s", tt.rt.Name)
	}
	if !templateHasAccount(tt) {
		b.note = strings.ReplaceAll(b.note, "in this account and region", "in this region")
	}
	return b, true
}

// fillAllVariables is a resource type's first template with the
// partition, region and account of the request and value for every other
// variable.
func (c *rowCtx) fillAllVariables(tt *typeTemplates, value string) (builtResource, bool) {
	if len(tt.templates) == 0 {
		return builtResource{}, false
	}
	t := tt.templates[0]
	arn := c.fillTemplate(&t, value)
	if !t.rt.Matches(arn) {
		return builtResource{}, false
	}
	return builtResource{arn: arn}, true
}

// fill builds the ARNs a template gives with the row's parameters, or none
// when a variable has no value.
func (m *Mapper) fill(c *rowCtx, t *arnTemplate) []builtResource {
	prefix := t.rt.Service.Prefix
	type partial struct {
		arn     string
		iamName string // set when an IAM name with unknown path filled a variable
	}
	arns := []partial{{}}
	suffixStar := false
	for _, s := range t.segs {
		var vals []iamValue
		switch {
		case s.variable == "":
			for j := range arns {
				arns[j].arn += s.lit
			}
			continue
		case s.component == 1 || s.variable == "Partition":
			vals = []iamValue{{v: c.partition, known: true}}
		case s.component == 3 || s.variable == "Region":
			vals = []iamValue{{v: c.region, known: true}}
		case s.component == 4 || s.variable == "Account":
			vals = []iamValue{{v: c.account, known: true}}
		case strings.HasSuffix(s.variable, "WithPath"):
			vals = c.iamNames(prefix, strings.TrimSuffix(s.variable, "WithPath"))
		default:
			vs, suffix := m.variableValues(c, prefix, t.rt.Name, s.variable)
			if len(vs) == 0 && suffix {
				vs = []string{"*"}
				suffixStar = true
			}
			for _, v := range vs {
				vals = append(vals, iamValue{v: v, known: true})
			}
		}
		if len(vals) == 0 {
			return nil
		}
		// The cross product, bounded: an event naming many resources of
		// one kind (GetParameters with ten names) gives one ARN each.
		next := make([]partial, 0, len(arns)*len(vals))
		for _, a := range arns {
			for _, v := range vals {
				p := partial{arn: a.arn + v.v, iamName: a.iamName}
				if !v.known {
					p.iamName = v.v
				}
				next = append(next, p)
				if len(next) >= maxResourcesPerAction {
					break
				}
			}
		}
		arns = next
	}
	out := make([]builtResource, 0, len(arns))
	for _, a := range arns {
		if a.iamName == "" {
			out = append(out, builtResource{arn: a.arn, specific: suffixStar || !strings.Contains(a.arn, "*")})
			continue
		}
		// The name was logged without its path: allow any path, unless it
		// is the caller's own.
		kind := iamKind(t)
		ref := &iamRef{partition: c.partition, account: c.account, kind: kind, name: a.iamName}
		if exact, ok := c.ownIAMARN(ref); ok {
			out = append(out, builtResource{arn: exact, specific: true})
			continue
		}
		note := strings.ReplaceAll(noteIAMPath, "%s", kind)
		out = append(out,
			builtResource{arn: ref.prefix() + a.iamName, note: note, iam: ref, specific: true},
			builtResource{arn: ref.prefix() + "*/" + a.iamName, note: note, iam: ref, specific: true})
	}
	return out
}

// iamValue is a template variable's value; known is false for an IAM name
// whose path the event does not show.
type iamValue struct {
	v     string
	known bool
}

// maxResourcesPerAction bounds the ARNs one event gives one action.
const maxResourcesPerAction = 64

// iamKind is the IAM entity kind of a template: "role", "user", … (the
// text between the last ":" and the first "/" of the resource part).
func iamKind(t *arnTemplate) string {
	for _, s := range t.segs {
		if s.variable != "" || !strings.Contains(s.lit, "/") {
			continue
		}
		k := s.lit
		if i := strings.LastIndexByte(k, ':'); i >= 0 {
			k = k[i+1:]
		}
		k, _, _ = strings.Cut(k, "/")
		return k
	}
	return ""
}

// variableValues returns the values of one template variable, and whether
// the variable may be filled with "*" as a unique suffix.
func (m *Mapper) variableValues(c *rowCtx, prefix, typeName, variable string) ([]string, bool) {
	key := strings.ToLower(prefix + ":" + typeName + ":" + variable)
	src, ok := serviceVars[key]
	if !ok {
		src, ok = serviceVars[strings.ToLower(prefix+":"+variable)]
	}
	var names []string
	plural := false
	switch {
	case ok:
		names = src.params
		plural = true
	case genericVariables[strings.ToLower(variable)]:
		return nil, false
	default:
		names = []string{variable}
		plural = true
	}
	var out []string
	for _, n := range names {
		for _, v := range c.paramValues(n, plural) {
			if strings.HasPrefix(v, "arn:") || strings.Contains(v, "://") {
				continue // ARNs are used as they are; URLs by their service's builder
			}
			if src.transform != nil {
				var keep bool
				if v, keep = src.transform(v); !keep {
					continue
				}
			}
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out, ok && src.suffixWildcard
}

// iamNames returns the values for an IAM ${…NameWithPath} variable: the
// entity's name with its path when the event shows the path (the Create…
// calls take one), else the bare name marked as of unknown path.
func (c *rowCtx) iamNames(prefix, base string) []iamValue {
	if prefix != "iam" {
		// Other services' IAM resource types (sts, ec2 "role") are named by
		// ARN parameters.
		return nil
	}
	var names []string
	switch base {
	case "MfaTokenId":
		names = c.paramValues("virtualMFADeviceName", false)
	case "PolicyName":
		// An inline policy's name does not name a managed policy; managed
		// policies are named by policyArn, and by name only in CreatePolicy.
		if c.row.EventName != "CreatePolicy" {
			return nil
		}
		names = c.paramValues("policyName", false)
	default:
		names = c.paramValues(strings.ToLower(base[:1])+base[1:], false)
	}
	paths := c.paramValues("path", false)
	if len(paths) == 0 && iamCreates[c.row.EventName] == base && c.row.Coarsened == 0 {
		// The Create… call without a path creates the entity at "/" (IAM
		// API reference: the path "defaults to a slash (/)").
		paths = []string{"/"}
	}
	var out []iamValue
	for _, n := range names {
		switch {
		case n == "" || strings.HasPrefix(n, "arn:"):
		case len(paths) == 1 && strings.HasPrefix(paths[0], "/") && strings.HasSuffix(paths[0], "/"):
			out = append(out, iamValue{v: strings.TrimPrefix(paths[0], "/") + n, known: true})
		case c.coarsenedValue(n) || strings.Contains(n, "/"):
			// A coarsened value, or a name given with its path
			// ("service-role/name" in Glue).
			out = append(out, iamValue{v: n, known: true})
		default:
			out = append(out, iamValue{v: n})
		}
	}
	return out
}

// iamCreates maps IAM's Create… calls to the name variable of what they
// create.
var iamCreates = map[string]string{
	"CreateRole": "RoleName", "CreateUser": "UserName", "CreateGroup": "GroupName",
	"CreateInstanceProfile": "InstanceProfileName", "CreatePolicy": "PolicyName",
}

// ownIAMARN returns the caller's own ARN when the event names the caller
// by name: the path is then known.
func (c *rowCtx) ownIAMARN(ref *iamRef) (string, bool) {
	p := c.principal
	if p.Name != ref.name || p.Account != ref.account || p.Path == "" {
		return "", false
	}
	if ref.kind == "role" && (p.Kind == KindRole || p.Kind == KindServiceLinkedRole) || ref.kind == "user" && p.Kind == KindUser {
		return p.ARN, true
	}
	return "", false
}

// selfUserActions are the IAM calls that act on the calling user when
// they name no user (IAM API reference: "If you do not specify a user
// name, IAM determines the user name implicitly based on the AWS access
// key ID used to sign the request").
var selfUserActions = map[string]bool{
	"GetUser": true, "ListAccessKeys": true, "CreateAccessKey": true, "DeleteAccessKey": true,
	"UpdateAccessKey": true, "ListMFADevices": true, "ListSigningCertificates": true,
	"UploadSigningCertificate": true, "DeleteSigningCertificate": true, "UpdateSigningCertificate": true,
	"ListSSHPublicKeys": true, "ListServiceSpecificCredentials": true, "GetLoginProfile": true,
	"ChangePassword": true, "ListUserTags": false,
}

// selfUser is the calling IAM user, for an IAM user call that names no
// user.
func (m *Mapper) selfUser(c *rowCtx, pa *planAction) *builtResource {
	if pa.act.Service.Prefix != "iam" || !selfUserActions[pa.act.Name] || c.row.Coarsened != 0 {
		return nil
	}
	if c.principal.Kind != KindUser || c.principal.Path == "" || len(c.paramValues("userName", false)) > 0 {
		return nil
	}
	return &builtResource{arn: c.principal.ARN, specific: true}
}

// copySourceARN reads x-amz-copy-source ("bucket/key?versionId=…",
// URL-encoded, with or without a leading slash, or an access point ARN)
// into the source object's ARN, and whether it names a version.
func copySourceARN(raw, partition string) (arn string, versioned bool, ok bool) {
	if raw == "" {
		return "", false, false
	}
	src := raw
	if dec, err := url.PathUnescape(raw); err == nil {
		src = dec
	}
	if i := strings.Index(src, "?versionId="); i >= 0 {
		versioned = true
		src = src[:i]
	}
	src = strings.TrimPrefix(src, "/")
	if strings.HasPrefix(src, "arn:") {
		return src, versioned, true
	}
	bucket, key, found := strings.Cut(src, "/")
	if !found || bucket == "" || key == "" {
		return "", versioned, false
	}
	return "arn:" + partition + ":s3:::" + bucket + "/" + key, versioned, true
}

// kmsKeyARN turns a KMS key identifier (ID or ARN) into the key's ARN; an
// alias does not name the key.
func kmsKeyARN(v, partition, region, account string) (string, bool) {
	switch {
	case strings.HasPrefix(v, "arn:") && strings.Contains(v, ":key/"):
		return v, true
	case v == "" || strings.HasPrefix(v, "alias/") || strings.HasPrefix(v, "arn:"):
		return "", false
	}
	return "arn:" + partition + ":kms:" + region + ":" + account + ":key/" + v, true
}
