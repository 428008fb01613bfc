package securitylake

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
)

// schemaView is what the decoder found in a file's schema: the columns it
// reads, under the OCSF names of the file's version.
type schemaView struct {
	cols map[string]leaf
	// v1 is Security Lake v1 (OCSF 1.0.0-rc.2) naming: actor.user.uid is
	// the principal ID and actor.user.uuid the ARN. OCSF 1.1 renamed them
	// actor.user.uid_alt and actor.user.uid.
	v1 bool
}

func (s *schemaView) col(path string) (leaf, bool) {
	c, ok := s.cols[path]
	return c, ok
}

// requiredColumns are what makes a Parquet file OCSF API activity.
var requiredColumns = []string{"metadata.product.name", "api.service.name", "api.operation"}

// recordBuilder turns one OCSF row into one CloudTrail record, as JSON.
type recordBuilder struct {
	s   *schemaView
	rv  rowValues
	unm map[string]string
	id  map[string]string // userIdentity by CloudTrail path, reused per row
	out []byte
}

func (b *recordBuilder) get(path string) string {
	vals := b.rv.values(b.s.col(path))
	if len(vals) == 0 {
		return ""
	}
	t, _ := text(vals[0])
	return t
}

// first returns the first non-empty of the columns.
func (b *recordBuilder) first(paths ...string) string {
	for _, p := range paths {
		if v := b.get(p); v != "" {
			return v
		}
	}
	return ""
}

// eventMillis is the event's time: the time column (epoch milliseconds,
// or any Parquet timestamp), else time_dt.
func (b *recordBuilder) eventMillis() (int64, bool) {
	for _, p := range []string{"time", "time_dt"} {
		c, ok := b.s.col(p)
		vals := b.rv.values(c, ok)
		if len(vals) > 0 {
			if ms, ok := millis(vals[0], c.unit); ok {
				return ms, true
			}
		}
	}
	return 0, false
}

// loadUnmapped fills b.unm with the unmapped fields: a map column (v1 and
// 1.1), or a JSON object in a string column, flattened to dotted keys.
func (b *recordBuilder) loadUnmapped() {
	clear(b.unm)
	kc, kok := b.s.col("unmapped{}.key")
	vc, vok := b.s.col("unmapped{}.value")
	if kok && vok {
		keys, vals := b.rv.values(kc, true), b.rv.values(vc, true)
		for i := range keys {
			k, ok := text(keys[i])
			if !ok || i >= len(vals) {
				continue
			}
			if v, ok := text(vals[i]); ok {
				b.unm[k] = v
			}
		}
		return
	}
	if s := b.get("unmapped"); s != "" {
		var doc map[string]any
		if json.Unmarshal([]byte(s), &doc) == nil {
			flattenInto(b.unm, "", doc)
		}
	}
}

func flattenInto(m map[string]string, prefix string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			flattenInto(m, join(prefix, k), c)
		}
	case string:
		m[prefix] = x
	case bool, float64, json.Number:
		b, _ := json.Marshal(x)
		m[prefix] = string(b)
	}
}

// build writes the CloudTrail record of the loaded row into b.out. It
// reports false for a row that is not a CloudTrail event (another product).
func (b *recordBuilder) build(row parquet.Row, columns int) (product string, ok bool) {
	b.rv.load(row, columns)
	product = b.get("metadata.product.name")
	if product != "CloudTrail" {
		return product, false
	}
	b.loadUnmapped()
	w := jsonWriter{buf: b.out}
	w.open('{')
	w.field("eventVersion", b.get("metadata.product.version"))
	w.field("eventID", b.get("metadata.uid"))
	if ms, ok := b.eventMillis(); ok {
		w.field("eventTime", formatMillis(ms))
	}
	name := b.get("api.operation")
	w.field("eventSource", b.get("api.service.name"))
	w.field("eventName", name)
	w.field("awsRegion", b.get("cloud.region"))
	w.field("recipientAccountId", b.firstOr("cloud.account.uid", "recipientAccountId"))
	w.field("eventType", b.firstOr("metadata.event_code", "eventType"))
	w.field("eventCategory", b.category())
	switch ro := b.unm["readOnly"]; ro {
	case "true", "false":
		w.raw("readOnly", ro)
	}
	w.field("errorCode", b.get("api.response.error"))
	w.field("errorMessage", b.get("api.response.message"))
	w.field("sharedEventID", b.unm["sharedEventID"])
	arn := b.identity(&w)
	b.resources(&w)
	b.requestParameters(&w, name, arn)
	w.close('}')
	b.out = w.buf
	return product, true
}

// firstOr is the column, else the unmapped field.
func (b *recordBuilder) firstOr(path, unmapped string) string {
	if v := b.get(path); v != "" {
		return v
	}
	return b.unm[unmapped]
}

// category is eventCategory. Security Lake writes it to
// metadata.product.feature.name, and writes "Management, Data, and
// Insights" there when the event has none: a list is never a category.
func (b *recordBuilder) category() string {
	if c := b.unm["eventCategory"]; c != "" {
		return c
	}
	c := b.get("metadata.product.feature.name")
	if strings.Contains(c, ", ") {
		return ""
	}
	return c
}

// identity writes userIdentity and returns the identity's ARN.
func (b *recordBuilder) identity(w *jsonWriter) string {
	var typ, arn, account, principal, userName, onBehalfUser string
	typ = b.get("actor.user.type")
	userName = b.get("actor.user.name")
	if b.s.v1 {
		arn = b.get("actor.user.uuid")
		principal = b.get("actor.user.uid")
		account = b.get("actor.user.account_uid")
	} else {
		arn = b.get("actor.user.uid")
		principal = b.get("actor.user.uid_alt")
		account = b.first("actor.user.account.uid", "actor.user.account_uid")
		if typ == "IdentityCenterUser" {
			// OCSF 1.1 maps onBehalfOf.userId to uid_alt for Identity
			// Center users, who have no principalId.
			onBehalfUser, principal = principal, ""
		}
	}
	if b.id == nil {
		b.id = map[string]string{}
	}
	id := b.id
	clear(id)
	id["type"], id["arn"], id["accountId"], id["principalId"], id["userName"] = typ, arn, account, principal, userName
	id["invokedBy"], id["identityProvider"] = b.get("actor.invoked_by"), b.get("actor.idp.name")
	id["onBehalfOf.userId"], id["onBehalfOf.identityStoreArn"] = onBehalfUser, b.get("actor.idp.uid")
	id["sessionContext.sessionIssuer.arn"] = b.get("actor.session.issuer")
	// What OCSF has no field for is in unmapped under its CloudTrail path.
	for k, v := range b.unm {
		if rest, ok := strings.CutPrefix(k, "userIdentity."); ok && id[rest] == "" {
			if _, known := identityFields[rest]; known {
				id[rest] = v
			}
		}
	}
	issuer := id["sessionContext.sessionIssuer.arn"]
	if issuer != "" {
		// The row keeps the issuer's type and account. When unmapped does
		// not carry them, the issuer's ARN says both.
		t, a := issuerOf(issuer)
		if id["sessionContext.sessionIssuer.type"] == "" {
			id["sessionContext.sessionIssuer.type"] = t
		}
		if id["sessionContext.sessionIssuer.accountId"] == "" {
			id["sessionContext.sessionIssuer.accountId"] = a
		}
	}
	empty := true
	for _, v := range id {
		if v != "" {
			empty = false
			break
		}
	}
	if empty {
		// No identity at all: the decoder skips the event as
		// missing_user_identity, as it does a record without userIdentity.
		return ""
	}
	w.key("userIdentity")
	w.open('{')
	for _, f := range [...]string{"type", "arn", "accountId", "principalId", "userName", "invokedBy", "identityProvider"} {
		w.field(f, id[f])
	}
	if id["onBehalfOf.userId"] != "" || id["onBehalfOf.identityStoreArn"] != "" {
		w.key("onBehalfOf")
		w.open('{')
		w.field("userId", id["onBehalfOf.userId"])
		w.field("identityStoreArn", id["onBehalfOf.identityStoreArn"])
		w.close('}')
	}
	fed := id["sessionContext.webIdFederationData.federatedProvider"]
	hasIssuer := false
	for _, f := range issuerFields {
		if id["sessionContext.sessionIssuer."+f] != "" {
			hasIssuer = true
		}
	}
	if hasIssuer || fed != "" {
		w.key("sessionContext")
		w.open('{')
		if hasIssuer {
			w.key("sessionIssuer")
			w.open('{')
			for _, f := range issuerFields {
				w.field(f, id["sessionContext.sessionIssuer."+f])
			}
			w.close('}')
		}
		if fed != "" {
			w.key("webIdFederationData")
			w.open('{')
			w.field("federatedProvider", fed)
			w.close('}')
		}
		w.close('}')
	}
	w.close('}')
	return arn
}

var issuerFields = []string{"type", "arn", "accountId", "principalId", "userName"}

// identityFields are the userIdentity paths that unmapped may carry.
var identityFields = map[string]struct{}{
	"type": {}, "arn": {}, "accountId": {}, "principalId": {}, "userName": {},
	"invokedBy": {}, "identityProvider": {},
	"onBehalfOf.userId": {}, "onBehalfOf.identityStoreArn": {},
	"sessionContext.sessionIssuer.type": {}, "sessionContext.sessionIssuer.arn": {},
	"sessionContext.sessionIssuer.accountId": {}, "sessionContext.sessionIssuer.principalId": {},
	"sessionContext.sessionIssuer.userName":                {},
	"sessionContext.webIdFederationData.federatedProvider": {},
}

// issuerOf reads a session issuer's type and account from its ARN:
// arn:aws:iam::111122223333:role/path/Name → Role, 111122223333.
func issuerOf(arn string) (typ, account string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" {
		return "", ""
	}
	switch res := parts[5]; {
	case strings.HasPrefix(res, "role/"):
		typ = "Role"
	case strings.HasPrefix(res, "user/"):
		typ = "IAMUser"
	case res == "root":
		typ = "Root"
	}
	return typ, parts[4]
}

// resources writes resources[]: the resources column, else (Security Lake
// v1 authentication events) the comma-joined lists in unmapped.
func (b *recordBuilder) resources(w *jsonWriter) {
	arnC, arnOK := b.s.col("resources[].uid")
	acctC, acctOK := b.s.col("resources[].owner.account.uid")
	if !acctOK {
		acctC, acctOK = b.s.col("resources[].account_uid")
	}
	typeC, typeOK := b.s.col("resources[].type")
	arns, accts, types := b.rv.values(arnC, arnOK), b.rv.values(acctC, acctOK), b.rv.values(typeC, typeOK)
	n := max(len(arns), len(accts), len(types))
	at := func(vals []parquet.Value, i int) string {
		if i < len(vals) {
			s, _ := text(vals[i])
			return s
		}
		return ""
	}
	type res struct{ arn, account, typ string }
	var list []res
	for i := range n {
		r := res{at(arns, i), at(accts, i), at(types, i)}
		if r != (res{}) {
			list = append(list, r)
		}
	}
	if len(list) == 0 {
		split := func(k string) []string {
			if v := b.unm[k]; v != "" {
				return strings.Split(v, ",")
			}
			return nil
		}
		ua, ut, uc, up := split("resources[].ARN"), split("resources[].type"), split("resources[].accountId"), split("resources[].ARNPrefix")
		get := func(l []string, i int) string {
			if i < len(l) {
				return l[i]
			}
			return ""
		}
		for i := range max(len(ua), len(ut), len(uc), len(up)) {
			r := res{get(ua, i), get(uc, i), get(ut, i)}
			if r.arn == "" && get(up, i) != "" {
				r.arn = get(up, i) + "*"
			}
			if r != (res{}) {
				list = append(list, r)
			}
		}
	}
	if len(list) == 0 {
		return
	}
	w.key("resources")
	w.open('[')
	for _, r := range list {
		w.open('{')
		w.field("ARN", r.arn)
		w.field("accountId", r.account)
		w.field("type", r.typ)
		w.close('}')
	}
	w.close(']')
}

// iamName is what IAM accepts as a user or role name.
var iamName = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)

// requestParameters writes requestParameters: api.request.data (OCSF 1.1)
// as it is, else the requestParameters.* fields of unmapped (Security Lake
// v1), rebuilt into an object, with the parameters v1 moved into the
// class's own fields put back.
func (b *recordBuilder) requestParameters(w *jsonWriter, eventName, actorARN string) {
	if data := strings.TrimSpace(b.get("api.request.data")); strings.HasPrefix(data, "{") && json.Valid([]byte(data)) {
		w.raw("requestParameters", data)
		return
	}
	var root paramNode
	values := map[string]bool{}
	for k, v := range b.unm {
		path, ok := strings.CutPrefix(k, "requestParameters.")
		if !ok || path == "" {
			continue
		}
		root.add(path, v)
		values[v] = true
	}
	userName, userARN := b.get("user.name"), b.get("user.uid")
	if b.s.v1 {
		userARN = b.get("user.uuid")
	}
	switch b.get("class_uid") {
	case "3002": // Authentication: user.uuid (v1) is requestParameters.roleArn, or the caller's own ARN
		if userARN != "" && userARN != actorARN && !values[userARN] && b.unm["requestParameters.roleArn"] == "" {
			root.add("roleArn", userARN)
		}
	case "3001": // Account Change: user.name is requestParameters.userName or roleName
		if iamName.MatchString(userName) && !values[userName] {
			switch {
			case strings.Contains(eventName, "Role"):
				root.add("roleName", userName)
			case strings.Contains(eventName, "User"):
				root.add("userName", userName)
			}
		}
	}
	if len(root.keys) == 0 {
		return
	}
	w.key("requestParameters")
	root.write(w)
}

// paramNode is one object of a requestParameters tree rebuilt from
// flattened keys.
type paramNode struct {
	keys     []string
	children map[string]*paramNode
	leaves   map[string][]string
	lists    map[string]bool
}

// add files value under a flattened path such as "instancesSet.items[].instanceId".
// Security Lake v1 joins the values of array elements with commas, so
// under an array the value is split at commas. Array positions are not
// kept: the request-parameter rule omits them too.
func (n *paramNode) add(path, value string) {
	segs := strings.Split(path, ".")
	list := false
	node := n
	for i, s := range segs {
		if name, ok := strings.CutSuffix(s, "[]"); ok {
			s, list = name, true
		}
		if i == len(segs)-1 {
			if node.leaves == nil {
				node.leaves, node.lists = map[string][]string{}, map[string]bool{}
			}
			if _, seen := node.leaves[s]; !seen && node.children[s] == nil {
				node.keys = append(node.keys, s)
			}
			if list {
				node.leaves[s] = append(node.leaves[s], strings.Split(value, ",")...)
				node.lists[s] = true
			} else {
				node.leaves[s] = append(node.leaves[s], value)
			}
			return
		}
		if node.children == nil {
			node.children = map[string]*paramNode{}
		}
		c := node.children[s]
		if c == nil {
			c = &paramNode{}
			node.children[s] = c
			if _, seen := node.leaves[s]; !seen {
				node.keys = append(node.keys, s)
			}
		}
		node = c
	}
}

func (n *paramNode) write(w *jsonWriter) {
	w.open('{')
	for _, k := range n.keys {
		if c := n.children[k]; c != nil {
			// A path that is both a value and an object keeps the object.
			w.key(k)
			c.write(w)
			continue
		}
		vals := n.leaves[k]
		if len(vals) == 1 && !n.lists[k] {
			w.field(k, vals[0])
			continue
		}
		w.key(k)
		w.open('[')
		for _, v := range vals {
			w.elem(v)
		}
		w.close(']')
	}
	w.close('}')
}

// formatMillis writes Unix milliseconds as eventTime does, with the
// milliseconds only when there are some.
func formatMillis(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	if ms%1000 == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

// jsonWriter appends compact JSON, tracking where commas go.
type jsonWriter struct {
	buf   []byte
	comma bool // the next member or element needs a comma first
}

func (w *jsonWriter) sep() {
	if w.comma {
		w.buf = append(w.buf, ',')
	}
}

func (w *jsonWriter) open(c byte) {
	w.sep()
	w.buf = append(w.buf, c)
	w.comma = false
}

func (w *jsonWriter) close(c byte) {
	w.buf = append(w.buf, c)
	w.comma = true
}

// key writes a member's key; the value follows.
func (w *jsonWriter) key(k string) {
	w.sep()
	w.buf = appendString(w.buf, k)
	w.buf = append(w.buf, ':')
	w.comma = false
}

// field writes a string member, or nothing for an empty value (CloudTrail
// omits what it does not have, and the decoder reads absent as empty).
func (w *jsonWriter) field(k, v string) {
	if v == "" {
		return
	}
	w.key(k)
	w.buf = appendString(w.buf, v)
	w.comma = true
}

// raw writes a member whose value is already JSON.
func (w *jsonWriter) raw(k, v string) {
	w.key(k)
	w.buf = append(w.buf, v...)
	w.comma = true
}

func (w *jsonWriter) elem(v string) {
	w.sep()
	w.buf = appendString(w.buf, v)
	w.comma = true
}

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json writes it.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
