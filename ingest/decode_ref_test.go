package ingest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
	"time"
)

// refDecode is a slow reference decoder written with encoding/json and the
// standard library's gzip, holding the whole object in memory. It implements
// the same rules as Decode independently of the fast scanner, so that the
// two can be compared on every corpus file, fixture and fuzz input. The
// parameter rule's key and value tests (classifyParamKey, keepParamValue)
// are shared; the walk that applies them is not.
//
// ok is false when encoding/json cannot represent the input faithfully (for
// example nesting deeper than its limit); such inputs are not compared.
type refResult struct {
	format  Format
	events  []Event
	skipped map[SkipReason]int64
	reason  SkipReason // file-level reason, "" when the file decoded
	ok      bool
}

// jv is a JSON value that keeps object members in document order, with
// duplicates.
type jv struct {
	kind byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	s    string
	b    bool
	keys []string
	vals []*jv
}

// last returns the value of the last member named k.
func (v *jv) last(k string) *jv {
	if v == nil || v.kind != 'o' {
		return nil
	}
	for i := len(v.keys) - 1; i >= 0; i-- {
		if v.keys[i] == k {
			return v.vals[i]
		}
	}
	return nil
}

func (v *jv) has(k string) bool { return v.last(k) != nil }

func (v *jv) str(k string) (string, bool) {
	x := v.last(k)
	if x == nil || x.kind != 's' {
		return "", false
	}
	return x.s, true
}

func (v *jv) strv(k string) string { s, _ := v.str(k); return s }

// parseJV parses one complete JSON value.
func parseJV(data []byte) (*jv, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := readJV(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data")
	}
	return v, nil
}

func readJV(dec *json.Decoder) (*jv, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := t.(type) {
	case json.Delim:
		switch x {
		case '{':
			v := &jv{kind: 'o'}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				val, err := readJV(dec)
				if err != nil {
					return nil, err
				}
				v.keys = append(v.keys, kt.(string))
				v.vals = append(v.vals, val)
			}
			_, err := dec.Token()
			return v, err
		case '[':
			v := &jv{kind: 'a'}
			for dec.More() {
				val, err := readJV(dec)
				if err != nil {
					return nil, err
				}
				v.vals = append(v.vals, val)
			}
			_, err := dec.Token()
			return v, err
		}
	case string:
		return &jv{kind: 's', s: x}, nil
	case json.Number:
		return &jv{kind: 'n', s: string(x)}, nil
	case bool:
		return &jv{kind: 'b', b: x}, nil
	case nil:
		return &jv{kind: 'z'}, nil
	}
	return nil, errors.New("unexpected token")
}

var refStampPrefix = regexp.MustCompile(`^[0-9]{4}-[0-9:.TZ+\-]{1,35}[ \t]+\{`)

func refDecode(data []byte) (res refResult) {
	res.ok = true
	res.skipped = map[SkipReason]int64{}
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			res.reason = SkipCorruptGzip
			return res
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			res.reason = SkipCorruptGzip
			return res
		}
		data = plain
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := &refRun{res: &res}
	r.run(data)
	if res.reason != "" {
		res.events = nil
	}
	return res
}

type refRun struct {
	res    *refResult
	data   []byte
	p      int
	first  bool // the next item is the file's first
	failed bool
}

func (r *refRun) fileFail(reason SkipReason, format Format) {
	if !r.failed {
		r.failed = true
		r.res.reason = reason
		if f := formatOf(reason); f != "" {
			r.res.format = f
		}
	}
}

func (r *refRun) skipWS() {
	for r.p < len(r.data) && isSpace(r.data[r.p]) {
		r.p++
	}
}

// value reads the JSON value at p.
func (r *refRun) value() (*jv, bool) {
	dec := json.NewDecoder(bytes.NewReader(r.data[r.p:]))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		if strings.Contains(err.Error(), "exceeded max depth") {
			r.res.ok = false
		}
		r.fileFail(SkipInvalidJSON, "")
		return nil, false
	}
	r.p += int(dec.InputOffset())
	v, err := parseJV(raw)
	if err != nil {
		r.res.ok = false
		r.fileFail(SkipInvalidJSON, "")
		return nil, false
	}
	return v, true
}

func (r *refRun) run(data []byte) {
	r.data = data
	r.first = true
	r.skipWS()
	if r.p == len(data) {
		r.fileFail(SkipEmptyFile, FormatEmpty)
		return
	}
	c := data[r.p]
	switch {
	case c == '{':
		r.firstObject()
	case c == '[':
		r.res.format = FormatArray
		for !r.failed {
			v, ok := r.value()
			if !ok {
				return
			}
			r.items(v, true)
			r.skipWS()
			if r.p == len(data) || r.failed {
				return
			}
			if data[r.p] != '[' {
				r.fileFail(SkipInvalidJSON, "")
				return
			}
		}
	case isDigit(c) && r.stampPrefix():
		r.firstObject()
	default:
		r.fileFail(SkipNotCloudTrail, FormatNotCloudTrail)
	}
}

func (r *refRun) stampPrefix() bool {
	m := refStampPrefix.FindIndex(r.data[r.p:])
	if m == nil || m[1]-1 >= 64 {
		return false
	}
	r.p += m[1] - 1
	return true
}

// container finds the first member that makes an object a log file: a
// Records/Events array or a digest key.
func container(v *jv) (kind itemKind, arr *jv, key string) {
	for i, k := range v.keys {
		if (k == "Records" || k == "Events") && v.vals[i].kind == 'a' {
			return itemContainer, v.vals[i], k
		}
		if isDigestKey(k) {
			return itemDigest, nil, k
		}
	}
	return itemEvent, nil, ""
}

func (r *refRun) firstObject() {
	v, ok := r.value()
	if !ok {
		return
	}
	kind, arr, key := container(v)
	switch kind {
	case itemDigest:
		r.fileFail(SkipDigest, FormatDigest)
		return
	case itemContainer:
		r.res.format = FormatRecords
		if key == "Events" {
			r.res.format = FormatLookupEvents
		}
		r.items(arr, r.res.format != FormatRecords)
		for !r.failed {
			r.skipWS()
			if r.p == len(r.data) {
				return
			}
			if r.data[r.p] != '{' {
				r.fileFail(SkipInvalidJSON, "")
				return
			}
			v, ok := r.value()
			if !ok {
				return
			}
			kind, arr, _ := container(v)
			if kind != itemContainer {
				r.fileFail(SkipInvalidJSON, "")
				return
			}
			r.items(arr, r.res.format != FormatRecords)
		}
		return
	}
	r.res.format = FormatNDJSON
	r.item(v, true)
	for !r.failed {
		r.skipWS()
		if r.p == len(r.data) {
			return
		}
		if isDigit(r.data[r.p]) {
			r.stampPrefix()
		}
		v, ok := r.value()
		if !ok {
			return
		}
		if v.kind != 'o' {
			r.res.skipped[SkipNotAnObject]++
			continue
		}
		r.item(v, false)
	}
}

func (r *refRun) items(arr *jv, checkShape bool) {
	for _, v := range arr.vals {
		if r.failed {
			return
		}
		first := r.first
		if v.kind != 'o' {
			if checkShape && first {
				r.fileFail(SkipNotCloudTrail, FormatNotCloudTrail)
				return
			}
			r.first = false
			r.res.skipped[SkipNotAnObject]++
			continue
		}
		r.itemChecked(v, checkShape && first)
	}
}

func (r *refRun) item(v *jv, checkShape bool) { r.itemChecked(v, checkShape) }

func (r *refRun) itemChecked(v *jv, checkShape bool) {
	first := r.first
	r.first = false
	ev := v
	if cte := v.last("CloudTrailEvent"); cte != nil && cte.kind == 's' {
		inner, err := parseJV([]byte(cte.s))
		switch {
		case err != nil:
			r.res.skipped[SkipInvalidEmbedded]++
			return
		case inner.kind != 'o':
			r.res.skipped[SkipNotAnObject]++
			return
		}
		ev = inner
	} else if d := v.last("detail"); d != nil && d.kind == 'o' {
		if dt := v.last("detail-type"); dt != nil && dt.kind == 's' {
			ev = d
		}
	}
	shape := false
	for _, k := range []string{"eventVersion", "eventID", "userIdentity", "eventTime", "eventSource", "eventName"} {
		if ev.has(k) {
			shape = true
		}
	}
	if checkShape && !shape {
		r.fileFail(SkipNotCloudTrail, "")
		return
	}
	e, reason := refEvent(ev)
	if e.Type == "AwsCloudTrailInsight" {
		if first {
			r.fileFail(SkipInsights, FormatInsights)
			return
		}
		reason = SkipInsightEvent
	}
	if reason != "" {
		r.res.skipped[reason]++
		return
	}
	r.res.events = append(r.res.events, e)
}

// refEvent extracts an Event from an object and says why it is unusable.
func refEvent(v *jv) (Event, SkipReason) {
	var e Event
	e.Source = v.strv("eventSource")
	e.Name = v.strv("eventName")
	e.Region = v.strv("awsRegion")
	e.Recipient = v.strv("recipientAccountId")
	e.Type = v.strv("eventType")
	e.Category = v.strv("eventCategory")
	e.ErrorCode = v.strv("errorCode")
	e.ErrorMessage = v.strv("errorMessage")
	e.SharedEventID = v.strv("sharedEventID")
	if ro := v.last("readOnly"); ro != nil {
		switch {
		case ro.kind == 'b' && ro.b:
			e.ReadOnly = "true"
		case ro.kind == 'b':
			e.ReadOnly = "false"
		case ro.kind == 's' && (ro.s == "true" || ro.s == "false"):
			e.ReadOnly = ro.s
		}
	}
	ui := v.last("userIdentity")
	hasIdentity := ui != nil && ui.kind == 'o'
	if hasIdentity {
		id := &e.Identity
		id.Type = ui.strv("type")
		id.ARN = ui.strv("arn")
		id.AccountID = ui.strv("accountId")
		id.PrincipalID = ui.strv("principalId")
		id.UserName = ui.strv("userName")
		id.InvokedBy = ui.strv("invokedBy")
		id.IdentityProvider = ui.strv("identityProvider")
		if sc := ui.last("sessionContext"); sc != nil && sc.kind == 'o' {
			if is := sc.last("sessionIssuer"); is != nil && is.kind == 'o' {
				id.Issuer = SessionIssuer{Type: is.strv("type"), ARN: is.strv("arn"), AccountID: is.strv("accountId"), PrincipalID: is.strv("principalId"), UserName: is.strv("userName")}
			}
			if id.IdentityProvider == "" {
				if wf := sc.last("webIdFederationData"); wf != nil && wf.kind == 'o' {
					id.IdentityProvider = wf.strv("federatedProvider")
				}
			}
		}
		if ob := ui.last("onBehalfOf"); ob != nil && ob.kind == 'o' {
			id.OnBehalfOfUserID = ob.strv("userId")
			id.OnBehalfOfStoreARN = ob.strv("identityStoreArn")
		}
	}
	if rs := v.last("resources"); rs != nil && rs.kind == 'a' {
		for _, x := range rs.vals {
			if x.kind != 'o' || len(e.Resources) >= maxResources {
				continue
			}
			res := Resource{ARN: x.strv("ARN"), AccountID: x.strv("accountId"), Type: x.strv("type")}
			if p := x.strv("ARNPrefix"); res.ARN == "" && p != "" {
				res.ARN = p + "*"
			}
			if res.ARN != "" || res.AccountID != "" || res.Type != "" {
				e.Resources = append(e.Resources, res)
			}
		}
	}
	if rp := v.last("requestParameters"); rp != nil && rp.kind == 'o' {
		refParams(&e, rp, nil, 1)
	}
	switch {
	case e.Source == "":
		return e, SkipMissingEventSource
	case e.Name == "":
		return e, SkipMissingEventName
	}
	t, ok := v.str("eventTime")
	if !ok {
		t, ok = v.str("@timestamp")
	}
	if !ok {
		return e, SkipMissingEventTime
	}
	tt, err := time.Parse(time.RFC3339, t)
	if err != nil {
		return e, SkipInvalidEventTime
	}
	if !hasIdentity {
		return e, SkipMissingUserIdentity
	}
	e.Time = tt.UnixMilli()
	return e, ""
}

// refParams walks an object of requestParameters: path holds the keys above
// it; containers counts the objects and arrays from requestParameters down
// to and including this one.
func refParams(e *Event, obj *jv, path []string, containers int) {
	for i, k := range obj.keys {
		refParamValue(e, append(path[:len(path):len(path)], k), obj.vals[i], containers)
	}
}

// refStatementWord is the rule for statement keys written as a pattern.
var refStatementWord = regexp.MustCompile(`^[ \t\n\r(]*([A-Za-z]{1,16})(?:[^A-Za-z\x80-\x{10FFFF}]|$)`)

func refParamValue(e *Event, path []string, v *jv, containers int) {
	k := path[len(path)-1]
	class := classifyParamKey(k)
	switch v.kind {
	case 's':
		if len(e.Params) >= maxParams {
			break
		}
		switch class {
		case keyKeep:
			if keepParamValue(v.s) {
				e.Params = append(e.Params, Param{Name: strings.Join(path, "."), Value: v.s})
			}
		case keyPresence:
			val := omittedParamValue
			if len(v.s) <= maxPresenceValue && keepParamValue(v.s) {
				val = v.s
			}
			if v.s != "" {
				e.Params = append(e.Params, Param{Name: strings.Join(path, "."), Value: val})
			}
		case keyStatement:
			if m := refStatementWord.FindStringSubmatch(v.s); m != nil {
				e.Params = append(e.Params, Param{Name: strings.Join(path, "."), Value: strings.ToUpper(m[1])})
			}
		}
	case 'o':
		if len(path) < maxParamKeys && containers < maxParamContainers && class != keyDeny {
			refParams(e, v, path, containers+1)
		}
	case 'a':
		if containers < maxParamContainers && class != keyDeny {
			for _, x := range v.vals {
				refParamValue(e, path, x, containers+1)
			}
		}
	}
}
