package ingest

import (
	"strings"
	"unicode/utf8"

	"github.com/iamtailor/iamtailor/ingest/store"
)

// MaxErrorMessage bounds the errorMessage kept in a usage row, in bytes.
const MaxErrorMessage = 512

// errorMessageMarker replaces per-request noise in error messages.
const errorMessageMarker = "<omitted>"

// FillRow sets r to the usage tuple of ev, with Count 1 and FirstSeen and
// LastSeen at the event's time. The strings in r alias ev's memory: pass r to
// store.Table.Add (which copies) before the decoder reuses ev. r's Resources
// and Params slices are reused; the Table sorts and de-duplicates them.
//
// A principal ID that is an access key id (AKIA…/ASIA…, as some redacted
// logs have) is left out. Two reductions keep the store growing with
// principals rather than with sessions or requests:
//   - the session name is dropped from assumed-role ARNs
//     (arn:aws:sts::1:assumed-role/Role/session → …:assumed-role/Role) and
//     from role principal IDs (AROA…:session → AROA…);
//   - errorMessage is normalised by NormalizeErrorMessage.
func FillRow(ev *Event, r *store.Row) {
	id := &ev.Identity
	ms := ev.Time
	day := ms / 86_400_000
	if ms%86_400_000 < 0 {
		day--
	}
	res, par := r.Resources[:0], r.Params[:0]
	for _, x := range ev.Resources {
		res = append(res, store.Resource{ARN: x.ARN, AccountID: x.AccountID, Type: x.Type})
	}
	for _, x := range ev.Params {
		par = append(par, store.Param{Name: x.Name, Value: x.Value})
	}
	var msg string
	msg, ev.msgBuf = normalizeErrorMessage(ev.ErrorMessage, ev.msgBuf[:0])
	*r = store.Row{
		Day:                int32(day),
		IdentityType:       id.Type,
		IdentityARN:        SessionlessARN(id.ARN),
		IdentityAccount:    id.AccountID,
		PrincipalID:        rowPrincipalID(id.PrincipalID),
		UserName:           id.UserName,
		IssuerType:         id.Issuer.Type,
		IssuerARN:          id.Issuer.ARN,
		IssuerAccount:      id.Issuer.AccountID,
		InvokedBy:          id.InvokedBy,
		IdentityProvider:   id.IdentityProvider,
		OnBehalfOfUserID:   id.OnBehalfOfUserID,
		OnBehalfOfStoreARN: id.OnBehalfOfStoreARN,
		Account:            ev.Recipient,
		Region:             ev.Region,
		EventSource:        ev.Source,
		EventName:          ev.Name,
		EventType:          ev.Type,
		EventCategory:      ev.Category,
		ReadOnly:           ev.ReadOnly,
		ErrorCode:          ev.ErrorCode,
		ErrorMessage:       msg,
		Shared:             ev.SharedEventID != "",
		Resources:          res,
		Params:             par,
		Count:              1,
		FirstSeen:          ms,
		LastSeen:           ms,
	}
}

// SessionlessARN drops the session name from an STS assumed-role ARN, in any
// partition: arn:aws-cn:sts::1:assumed-role/Role/session →
// arn:aws-cn:sts::1:assumed-role/Role. Other ARNs are returned unchanged.
func SessionlessARN(arn string) string {
	if !strings.HasPrefix(arn, "arn:") {
		return arn
	}
	// arn:partition:sts:region:account:assumed-role/…
	rest := arn[4:]
	for k := 0; k < 4; k++ {
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			return arn
		}
		if k == 1 && rest[:i] != "sts" {
			return arn
		}
		rest = rest[i+1:]
	}
	const ar = "assumed-role/"
	if !strings.HasPrefix(rest, ar) {
		return arn
	}
	role := rest[len(ar):]
	i := strings.IndexByte(role, '/')
	if i < 0 {
		return arn
	}
	return arn[:len(arn)-len(role)+i]
}

// rowPrincipalID is the principal ID as the row keeps it: sessionless, and
// never an access key id (some redacted or synthetic logs put one there).
func rowPrincipalID(pid string) string {
	if isAccessKeyID(pid) {
		return ""
	}
	return SessionlessPrincipalID(pid)
}

// SessionlessPrincipalID drops the session name from a role principal ID:
// AROAEXAMPLE:session → AROAEXAMPLE. Other principal IDs (users, federated
// users' account:name) are returned unchanged.
func SessionlessPrincipalID(pid string) string {
	if !strings.HasPrefix(pid, "AROA") {
		return pid
	}
	if i := strings.IndexByte(pid, ':'); i >= 0 {
		return pid[:i]
	}
	return pid
}

// NormalizeErrorMessage makes an errorMessage comparable across requests:
//   - the blob after "Encoded authorization failure message:", UUIDs
//     (outside ARNs), the value after a "Request ID:"/"RequestId:" label,
//     access key ids (AKIA…/ASIA…), timestamps and other long opaque tokens
//     (32+ characters of base64/hex mixing letters and digits) become
//     "<omitted>";
//   - assumed-role ARNs lose their session name, like the row's identity;
//   - the result is cut to MaxErrorMessage bytes at a character boundary.
//
// Everything else is kept as logged, in particular the action and the
// resource ARNs that access-denied messages name. The function is
// idempotent.
func NormalizeErrorMessage(msg string) string {
	s, _ := normalizeErrorMessage(msg, nil)
	return strings.Clone(s)
}

// normalizeErrorMessage returns msg itself when nothing changes, else the
// normalised message built in buf (returned for reuse).
func normalizeErrorMessage(msg string, buf []byte) (string, []byte) {
	if msg == "" {
		return "", buf
	}
	out := buf[:0]
	changed := false
	var prev1, prev2 string // the two tokens before the current one
	i := 0
	for i < len(msg) && len(out) < MaxErrorMessage {
		// Separator run, copied as is.
		j := i
		for j < len(msg) && isMsgSpace(msg[j]) {
			j++
		}
		out = append(out, msg[i:j]...)
		if j == len(msg) {
			i = j
			break
		}
		k := j
		for k < len(msg) && !isMsgSpace(msg[k]) {
			k++
		}
		tok := msg[j:k]
		var did bool
		out, did = appendNormalToken(out, tok, prev1, prev2)
		changed = changed || did
		prev2, prev1 = prev1, tok
		i = k
	}
	if i < len(msg) || len(out) > MaxErrorMessage {
		changed = true
		if len(out) > MaxErrorMessage {
			out = out[:MaxErrorMessage]
		}
		// Cut at a character boundary.
		for n := len(out); n > 0 && n > len(out)-utf8.UTFMax; n-- {
			if utf8.RuneStart(out[n-1]) {
				if !utf8.FullRune(out[n-1:]) {
					out = out[:n-1]
				}
				break
			}
		}
	}
	if !changed {
		return msg, out
	}
	return aliasString(out, 0, len(out)), out
}

func isMsgSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// appendNormalToken appends the normalised form of one whitespace-separated
// token of an error message, given the two tokens before it, and reports
// whether it differs from tok.
func appendNormalToken(out []byte, tok, prev1, prev2 string) ([]byte, bool) {
	// Punctuation around the token stays; the rules look at the core.
	lead := 0
	for lead < len(tok) && strings.IndexByte(`(["'`, tok[lead]) >= 0 {
		lead++
	}
	trail := len(tok)
	for trail > lead && strings.IndexByte(`.,;:)]"'`, tok[trail-1]) >= 0 {
		trail--
	}
	core := tok[lead:trail]
	if core == "" {
		return append(out, tok...), false
	}
	if strings.HasPrefix(core, "arn:") {
		s := SessionlessARN(core)
		out = append(out, tok[:lead]...)
		out = append(out, s...)
		return append(out, tok[trail:]...), len(s) != len(core)
	}
	if core != errorMessageMarker && (afterEncodedLabel(prev1, prev2) || afterRequestIDLabel(prev1, prev2) ||
		isAccessKeyID(core) || isTimestampToken(core) || isOpaqueToken(core)) {
		out = append(out, tok[:lead]...)
		out = append(out, errorMessageMarker...)
		return append(out, tok[trail:]...), true
	}
	out = append(out, tok[:lead]...)
	out, did := appendWithoutUUIDs(out, core)
	return append(out, tok[trail:]...), did
}

// afterEncodedLabel: "… Encoded authorization failure message: <blob>".
func afterEncodedLabel(prev1, prev2 string) bool {
	return strings.EqualFold(prev1, "message:") && strings.EqualFold(prev2, "failure")
}

// afterRequestIDLabel: "Request ID: x", "RequestId: x", "request-id: x".
func afterRequestIDLabel(prev1, prev2 string) bool {
	if len(prev1) < 3 || !strings.EqualFold(prev1[len(prev1)-3:], "id:") {
		return false
	}
	return containsFold(prev1, "request") || containsFold(prev2, "request")
}

// containsFold reports whether s contains the lower-case ASCII word w,
// ignoring ASCII case, without allocating.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

// isTimestampToken: 2023-07-10T12:00:00Z forms and 20230710T120000Z.
func isTimestampToken(s string) bool {
	if len(s) >= 16 && isDigits(s[:4]) && s[4] == '-' && isDigits(s[5:7]) && s[7] == '-' && isDigits(s[8:10]) && (s[10] == 'T' || s[10] == ' ') {
		return true
	}
	return len(s) >= 15 && isDigits(s[:8]) && s[8] == 'T' && isDigits(s[9:15])
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// isOpaqueToken: 32+ characters of base64/base64url/hex that mix letters and
// digits (hex) or upper case, lower case and digits (base64). Names with
// words and dashes rarely pass: they lack one of the classes.
func isOpaqueToken(s string) bool {
	if len(s) < 32 {
		return false
	}
	var up, low, dig, hexOnly = false, false, false, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z':
			up = true
			if c > 'F' {
				hexOnly = false
			}
		case 'a' <= c && c <= 'z':
			low = true
			if c > 'f' {
				hexOnly = false
			}
		case '0' <= c && c <= '9':
			dig = true
		case c == '+' || c == '/' || c == '=' || c == '_' || c == '-':
			hexOnly = false
		default:
			return false
		}
	}
	if hexOnly && dig && (up || low) {
		return true
	}
	return up && low && dig
}

// appendWithoutUUIDs appends s with every UUID (8-4-4-4-12 hex digits)
// replaced by the marker, and reports whether there was one.
func appendWithoutUUIDs(out []byte, s string) ([]byte, bool) {
	changed := false
	last := 0
	for i := 0; i+36 <= len(s); {
		if (s[i+8] == '-' && s[i+13] == '-') && isUUID(s[i:i+36]) && (i == 0 || !isHex(s[i-1])) && (i+36 == len(s) || !isHex(s[i+36])) {
			out = append(out, s[last:i]...)
			out = append(out, errorMessageMarker...)
			changed = true
			i += 36
			last = i
			continue
		}
		i++
	}
	return append(out, s[last:]...), changed
}

func isUUID(s string) bool {
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}
