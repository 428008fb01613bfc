package ingest

// The event parser: reads one JSON object as a CloudTrail event, keeping only
// the fields Event holds and skipping everything else without building it.
// Keys are matched exactly (case-sensitive); when a key repeats, the last
// occurrence wins, as it does for encoding/json into a map.

// maxResources bounds the resources[] entries kept per event: a key field of
// the usage row must stay small whatever one event logs.
const maxResources = 256

// slot is one event being parsed together with what the required-field
// checks need to know about it.
type slot struct {
	ev Event

	eventTime    string
	hasEventTime bool // the last "eventTime" was a string
	atTimestamp  string
	hasAtTime    bool // the last "@timestamp" was a string
	hasIdentity  bool // the last "userIdentity" was an object
	shape        bool // the object has at least one CloudTrail event key
	idProvider   string
	fedProvider  string
}

func (sl *slot) reset() {
	ev := &sl.ev
	res, par, msg := ev.Resources[:0], ev.Params[:0], ev.msgBuf
	*sl = slot{}
	ev.Resources, ev.Params, ev.msgBuf = res, par, msg
}

// itemKind is what a top-level object turned out to be.
type itemKind uint8

const (
	itemEvent     itemKind = iota
	itemContainer          // {"Records":[...]} or {"Events":[...]}: s.i is at the '['
	itemDigest             // a CloudTrail digest file
)

// wrapper records, for an item parsed at level 0, the wrappers it carried.
type wrapper struct {
	kind      itemKind
	container string // "Records" or "Events"
	digestKey string
	// EventBridge: {"detail-type": …, "detail": {event}}
	hasDetail, hasDetailType bool
	// LookupEvents: {"CloudTrailEvent": "<event as a JSON string>"}
	hasCTE bool
	cteErr SkipReason // why the embedded event is unusable, "" if usable
	cteOK  bool
	keyAt  int // offset of the digest key, for messages
}

// parser bundles the scanner with the state of one item.
type parser struct {
	s    scanner
	sub  scanner // parses the JSON held in a CloudTrailEvent string
	pc   paramClassifier
	path []byte

	main, inner, detail slot
	w                   wrapper
	inBuf               []byte
	inIdx               []block
	minutes             minuteCache
}

// parseItem parses the object at p.s.i as a level-0 item. first enables
// recognising log-file containers and digest files.
func (p *parser) parseItem(first bool) bool {
	p.w = wrapper{}
	return p.parseEvent(&p.s, &p.main, true, first)
}

// objStart consumes the '{' at s.i and the whitespace after it, and reports
// whether a member follows.
func (s *scanner) objStart() bool {
	i := s.ws(s.i + 1)
	if s.b[i] == '}' {
		s.i = i + 1
		return false
	}
	s.i = i
	return true
}

// objNext consumes what follows a member and reports whether another member
// follows; at the closing brace, or on an error (s.err), it returns false.
func (s *scanner) objNext() bool {
	i := s.ws(s.i)
	switch s.at(i) {
	case ',':
		if s.at(i+1) == '"' {
			s.i = i + 1
			return true
		}
		s.i = s.ws(i + 1)
		return true
	case '}':
		s.i = i + 1
		return false
	}
	s.fail(i, "after object key:value pair")
	return false
}

// memberKey reads a member's key, the colon and the whitespace after it,
// leaving s.i at the value.
func (s *scanner) memberKey() (string, bool) {
	i := s.i
	if s.at(i) != '"' {
		return "", s.fail(i, "looking for beginning of object key string")
	}
	var key string
	if e := s.strEnd(i + 1); e >= 0 {
		key = s.str(i+1, e)
		// Compact JSON: the colon and then the value follow at once.
		if s.at(e+1) == ':' && s.at(e+2) > ' ' {
			s.i = e + 2
			return key, true
		}
		i = e + 1
	} else {
		s.i = i
		k, ok := s.readStringIndexed()
		if !ok {
			return "", false
		}
		key, i = k, s.i
	}
	i = s.ws(i)
	if s.at(i) != ':' {
		return "", s.fail(i, "after object key")
	}
	s.i = s.ws(i + 1)
	return key, true
}

// parseEvent parses the object at s.i into sl.
func (p *parser) parseEvent(s *scanner, sl *slot, level0, first bool) bool {
	sl.reset()
	ev := &sl.ev
	for more := s.objStart(); more; more = s.objNext() {
		keyAt := s.i
		key, ok := s.memberKey()
		if !ok {
			return false
		}
		switch key {
		case "eventVersion", "eventID":
			sl.shape = true
			ok = s.skipValue()
		case "userIdentity":
			sl.shape = true
			ok = p.parseIdentity(s, sl)
		case "eventTime":
			sl.shape = true
			sl.eventTime, sl.hasEventTime, ok = s.stringField()
		case "@timestamp":
			sl.atTimestamp, sl.hasAtTime, ok = s.stringField()
		case "eventSource":
			sl.shape = true
			ev.Source, _, ok = s.stringField()
		case "eventName":
			sl.shape = true
			ev.Name, _, ok = s.stringField()
		case "awsRegion":
			ev.Region, _, ok = s.stringField()
		case "recipientAccountId":
			ev.Recipient, _, ok = s.stringField()
		case "eventType":
			ev.Type, _, ok = s.stringField()
		case "eventCategory":
			ev.Category, _, ok = s.stringField()
		case "errorCode":
			ev.ErrorCode, _, ok = s.stringField()
		case "errorMessage":
			ev.ErrorMessage, _, ok = s.stringField()
		case "sharedEventID":
			ev.SharedEventID, _, ok = s.stringField()
		case "readOnly":
			ev.ReadOnly, ok = s.readOnlyField()
		case "resources":
			ok = p.parseResources(s, ev)
		case "requestParameters":
			ok = p.parseParams(s, ev)
		case "CloudTrailEvent":
			if level0 {
				ok = p.parseEmbedded(s)
			} else {
				ok = s.skipValue()
			}
		case "detail":
			switch {
			case !level0:
				ok = s.skipValue()
			case s.b[s.i] == '{':
				p.w.hasDetail = true
				ok = p.parseEvent(s, &p.detail, false, false)
			default:
				p.w.hasDetail = false
				ok = s.skipValue()
			}
		case "detail-type":
			if level0 {
				p.w.hasDetailType = s.b[s.i] == '"'
			}
			ok = s.skipValue()
		case "Records", "Events":
			if first && s.b[s.i] == '[' {
				p.w.kind = itemContainer
				p.w.container = key
				return true
			}
			ok = s.skipValue()
		default:
			if first && isDigestKey(key) {
				p.w.kind = itemDigest
				p.w.digestKey = key
				p.w.keyAt = keyAt
				return true
			}
			ok = s.skipValue()
		}
		if !ok {
			return false
		}
	}
	return s.err == nil
}

// isDigestKey reports a top-level key that only CloudTrail digest files have.
func isDigestKey(k string) bool {
	return len(k) > 6 && k[:6] == "digest" || len(k) > 14 && k[:14] == "previousDigest"
}

// stringField reads a string value; any other value is skipped and reads as
// absent.
func (s *scanner) stringField() (string, bool, bool) {
	if s.at(s.i) == '"' {
		p := s.i + 1
		if e := s.strEnd(p); e >= 0 {
			s.i = e + 1
			return s.str(p, e), true, true
		}
		v, ok := s.readStringIndexed()
		return v, true, ok
	}
	return "", false, s.skipValue()
}

// readOnlyField reads readOnly, logged as a boolean (or, by some exporters,
// the string "true"/"false").
func (s *scanner) readOnlyField() (string, bool) {
	b := s.b
	i := s.i
	switch {
	case b[i] == 't' && b[i+1] == 'r' && b[i+2] == 'u' && b[i+3] == 'e':
		s.i = i + 4
		return "true", true
	case b[i] == 'f' && b[i+1] == 'a' && b[i+2] == 'l' && b[i+3] == 's' && b[i+4] == 'e':
		s.i = i + 5
		return "false", true
	case b[i] == '"':
		v, ok := s.readString()
		if v != "true" && v != "false" {
			v = ""
		}
		return v, ok
	}
	return "", s.skipValue()
}

// parseIdentity reads userIdentity.
func (p *parser) parseIdentity(s *scanner, sl *slot) bool {
	id := &sl.ev.Identity
	*id = Identity{}
	sl.idProvider, sl.fedProvider = "", ""
	if s.b[s.i] != '{' {
		sl.hasIdentity = false
		return s.skipValue()
	}
	sl.hasIdentity = true
	for more := s.objStart(); more; more = s.objNext() {
		k, ok := s.memberKey()
		if !ok {
			return false
		}
		switch k {
		case "type":
			id.Type, _, ok = s.stringField()
		case "arn":
			id.ARN, _, ok = s.stringField()
		case "accountId":
			id.AccountID, _, ok = s.stringField()
		case "principalId":
			id.PrincipalID, _, ok = s.stringField()
		case "userName":
			id.UserName, _, ok = s.stringField()
		case "invokedBy":
			id.InvokedBy, _, ok = s.stringField()
		case "identityProvider":
			sl.idProvider, _, ok = s.stringField()
		case "sessionContext":
			ok = p.parseSessionContext(s, sl)
		case "onBehalfOf":
			id.OnBehalfOfUserID, id.OnBehalfOfStoreARN = "", ""
			if s.b[s.i] != '{' {
				ok = s.skipValue()
				break
			}
			for more := s.objStart(); more && ok; more = s.objNext() {
				var k string
				if k, ok = s.memberKey(); !ok {
					break
				}
				switch k {
				case "userId":
					id.OnBehalfOfUserID, _, ok = s.stringField()
				case "identityStoreArn":
					id.OnBehalfOfStoreARN, _, ok = s.stringField()
				default:
					ok = s.skipValue()
				}
			}
			ok = ok && s.err == nil
		default:
			ok = s.skipValue()
		}
		if !ok {
			return false
		}
	}
	return s.err == nil
}

// parseSessionContext reads userIdentity.sessionContext.
func (p *parser) parseSessionContext(s *scanner, sl *slot) bool {
	is := &sl.ev.Identity.Issuer
	*is = SessionIssuer{}
	sl.fedProvider = ""
	if s.b[s.i] != '{' {
		return s.skipValue()
	}
	for more := s.objStart(); more; more = s.objNext() {
		k, ok := s.memberKey()
		if !ok {
			return false
		}
		switch {
		case k == "sessionIssuer" && s.b[s.i] == '{':
			*is = SessionIssuer{}
			for more := s.objStart(); more && ok; more = s.objNext() {
				var k string
				if k, ok = s.memberKey(); !ok {
					break
				}
				switch k {
				case "type":
					is.Type, _, ok = s.stringField()
				case "arn":
					is.ARN, _, ok = s.stringField()
				case "accountId":
					is.AccountID, _, ok = s.stringField()
				case "principalId":
					is.PrincipalID, _, ok = s.stringField()
				case "userName":
					is.UserName, _, ok = s.stringField()
				default:
					ok = s.skipValue()
				}
			}
			ok = ok && s.err == nil
		case k == "sessionIssuer":
			*is = SessionIssuer{}
			ok = s.skipValue()
		case k == "webIdFederationData" && s.b[s.i] == '{':
			sl.fedProvider = ""
			for more := s.objStart(); more && ok; more = s.objNext() {
				var k string
				if k, ok = s.memberKey(); !ok {
					break
				}
				if k == "federatedProvider" {
					sl.fedProvider, _, ok = s.stringField()
				} else {
					ok = s.skipValue()
				}
			}
			ok = ok && s.err == nil
		case k == "webIdFederationData":
			sl.fedProvider = ""
			ok = s.skipValue()
		default:
			ok = s.skipValue()
		}
		if !ok {
			return false
		}
	}
	return s.err == nil
}

// arrStart consumes the '[' at s.i and the whitespace after it, and reports
// whether an element follows.
func (s *scanner) arrStart() bool {
	i := s.ws(s.i + 1)
	if s.b[i] == ']' {
		s.i = i + 1
		return false
	}
	s.i = i
	return true
}

// arrNext consumes what follows an element and reports whether another
// element follows; at the closing bracket, or on an error, it returns false.
func (s *scanner) arrNext() bool {
	i := s.ws(s.i)
	switch s.b[i] {
	case ',':
		s.i = s.ws(i + 1)
		return true
	case ']':
		s.i = i + 1
		return false
	}
	s.fail(i, "after array element")
	return false
}

// parseResources reads resources[]: entries that are objects with at least
// one of ARN, accountId, type. An entry that logs ARNPrefix instead of ARN
// (S3 object-level events over many keys) keeps it as ARN with a trailing
// "*", which is what the prefix means.
func (p *parser) parseResources(s *scanner, ev *Event) bool {
	ev.Resources = ev.Resources[:0]
	if s.b[s.i] != '[' {
		return s.skipValue()
	}
	for more := s.arrStart(); more; more = s.arrNext() {
		if s.b[s.i] != '{' || len(ev.Resources) >= maxResources {
			if !s.skipValue() {
				return false
			}
			continue
		}
		var r Resource
		var prefix string
		ok := true
		for more := s.objStart(); more && ok; more = s.objNext() {
			var k string
			if k, ok = s.memberKey(); !ok {
				break
			}
			switch k {
			case "ARN":
				r.ARN, _, ok = s.stringField()
			case "ARNPrefix":
				prefix, _, ok = s.stringField()
			case "accountId":
				r.AccountID, _, ok = s.stringField()
			case "type":
				r.Type, _, ok = s.stringField()
			default:
				ok = s.skipValue()
			}
		}
		if !ok || s.err != nil {
			return false
		}
		if r.ARN == "" && prefix != "" {
			r.ARN = s.arenaConcat(prefix, "*")
		}
		if r.ARN != "" || r.AccountID != "" || r.Type != "" {
			ev.Resources = append(ev.Resources, r)
		}
	}
	return s.err == nil
}

// arenaConcat returns a+b stored in the arena.
func (s *scanner) arenaConcat(a, b string) string {
	off := len(s.arena)
	s.arena = append(s.arena, a...)
	s.arena = append(s.arena, b...)
	return aliasString(s.arena, off, len(s.arena))
}

// parseEmbedded reads a CloudTrailEvent value: the event as a JSON string,
// as LookupEvents returns it.
func (p *parser) parseEmbedded(s *scanner) bool {
	if s.b[s.i] != '"' {
		p.w.hasCTE = false
		return s.skipValue()
	}
	v, ok := s.readString()
	if !ok {
		return false
	}
	p.w.hasCTE = true
	p.w.cteOK = false
	p.w.cteErr = ""
	// Copy into a padded buffer of its own: the sub-scanner's strings alias it.
	blocks := (len(v) + 63) >> 6
	p.inBuf = append(append(p.inBuf[:0], v...), make([]byte, blocks*64-len(v)+scanPad)...)
	if cap(p.inIdx) < blocks {
		p.inIdx = make([]block, blocks)
	}
	p.inIdx = p.inIdx[:blocks]
	sub := &p.sub
	sub.reset(p.inBuf[:len(v)+scanPad], len(v), 0, true)
	sub.startIndex(p.inIdx, 0)
	sub.i = sub.ws(0)
	if p.inBuf[sub.i] != '{' {
		// A JSON string, number, array … is valid JSON but not an event.
		if sub.skipValue() && sub.ws(sub.i) == sub.n {
			p.w.cteErr = SkipNotAnObject
		} else {
			p.w.cteErr = SkipInvalidEmbedded
		}
		return true
	}
	if !p.parseEvent(sub, &p.inner, false, false) || sub.ws(sub.i) != sub.n {
		p.w.cteErr = SkipInvalidEmbedded
		return true
	}
	p.w.cteOK = true
	return true
}
