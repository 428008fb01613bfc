package store

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"unsafe"
)

// A Table keys rows by byte strings whose byte order is the canonical order
// (see the package comment) and which delimit themselves:
//
//	group key       day (4 bytes, big-endian, sign bit flipped), then
//	                identity_arn, event_source, event_name and the other
//	                group columns in cmpGroup's order, each an ordered
//	                string, then shared (0 or 1)
//	identifier key  per resource 0x02 and its arn, account_id and type as
//	                ordered strings, then 0x01; the same for params (name,
//	                value), then 0x01
//
// An ordered string is the string's bytes with each 0x00 written 0x00 0x01,
// ended by 0x00 0x00: comparing two encodings bytewise compares the strings
// (a prefix sorts first, since its end 0x00 0x00 is below any byte or
// escaped 0x00 that the longer one continues with), and the end can be
// found without lengths. A list ends with 0x01, below the 0x02 that starts
// another element, so a shorter list that is a prefix of a longer one
// sorts first, as cmpResources says. So bytes.Compare of two group keys is
// cmpGroup, and of two identifier keys (at one coarsening level) is
// cmpIdentifiers: sorting, merging and equality need no field-by-field
// comparison, and a key is one copy into the table's arena.

// groupStrings is the number of string fields in a group key.
const groupStrings = 21

// appendGroupKey appends the group key of r.
func appendGroupKey(b []byte, r *Row) []byte {
	fields := [groupStrings]string{
		r.IdentityARN, r.EventSource, r.EventName, r.IdentityType,
		r.IdentityAccount, r.PrincipalID, r.UserName, r.IssuerType,
		r.IssuerARN, r.IssuerAccount, r.InvokedBy, r.IdentityProvider,
		r.OnBehalfOfUserID, r.OnBehalfOfStoreARN, r.Account, r.Region,
		r.EventType, r.EventCategory, r.ReadOnly, r.ErrorCode, r.ErrorMessage,
	}
	// Fast path: the fields as they are, each ended by 0x00 0x00, written
	// at computed offsets; valid only if those are the only zero bytes,
	// which a count checks.
	n := 4 + 2*groupStrings + 1
	for _, s := range fields {
		n += len(s)
	}
	start := len(b)
	b = slices.Grow(b, n)[:start+n]
	binary.BigEndian.PutUint32(b[start:], uint32(r.Day)^0x8000_0000)
	i := start + 4
	for _, s := range fields {
		i += copy(b[i:], s)
		b[i], b[i+1] = 0, 0
		i += 2
	}
	if bytes.Count(b[start+4:i], zero) != 2*groupStrings {
		b = b[:start+4]
		for _, s := range fields {
			b = appendEscaped(b, s)
		}
		b = append(b, 0)
		i = len(b) - 1
	}
	b[i] = 0
	if r.Shared {
		b[i] = 1
	}
	return b
}

var zero = []byte{0}

// appendEscaped appends s as an ordered string, escaping its zero bytes.
func appendEscaped(b []byte, s string) []byte {
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			break
		}
		b = append(append(b, s[:i+1]...), 1)
		s = s[i+1:]
	}
	return append(append(b, s...), 0, 0)
}

// appendIdentifierKey appends the identifier key of res and par, which are
// sorted and de-duplicated.
func appendIdentifierKey(b []byte, res []Resource, par []Param) []byte {
	start := len(b)
	for i := range res {
		b = append(b, 2)
		b = append(append(b, res[i].ARN...), 0, 0)
		b = append(append(b, res[i].AccountID...), 0, 0)
		b = append(append(b, res[i].Type...), 0, 0)
	}
	b = append(b, 1)
	for i := range par {
		b = append(b, 2)
		b = append(append(b, par[i].Name...), 0, 0)
		b = append(append(b, par[i].Value...), 0, 0)
	}
	b = append(b, 1)
	if bytes.Count(b[start:], zero) == 2*(3*len(res)+2*len(par)) {
		return b
	}
	b = b[:start]
	for i := range res {
		b = append(b, 2)
		b = appendEscaped(b, res[i].ARN)
		b = appendEscaped(b, res[i].AccountID)
		b = appendEscaped(b, res[i].Type)
	}
	b = append(b, 1)
	for i := range par {
		b = append(b, 2)
		b = appendEscaped(b, par[i].Name)
		b = appendEscaped(b, par[i].Value)
	}
	return append(b, 1)
}

// readString decodes the ordered string at b[i:] and returns it and the
// position after it. The string aliases b unless it holds escaped zero
// bytes; b must never change afterwards (the arena guarantees it).
func readString(b []byte, i int) (string, int) {
	j := i + bytes.IndexByte(b[i:], 0)
	if b[j+1] == 0 {
		return alias(b[i:j]), j + 2
	}
	return readEscaped(b, i)
}

// readEscaped is readString of a string that holds zero bytes.
func readEscaped(b []byte, i int) (string, int) {
	var out []byte
	for {
		j := i + bytes.IndexByte(b[i:], 0)
		out = append(out, b[i:j]...)
		if b[j+1] == 0 {
			return string(out), j + 2
		}
		out = append(out, 0) // 0x00 0x01 is an escaped zero byte
		i = j + 2
	}
}

func alias(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// decodeGroupKey sets the group fields of r from a group key.
func decodeGroupKey(b []byte, r *Row) {
	r.Day = int32(binary.BigEndian.Uint32(b) ^ 0x8000_0000)
	i := 4
	for _, f := range [groupStrings]*string{
		&r.IdentityARN, &r.EventSource, &r.EventName, &r.IdentityType,
		&r.IdentityAccount, &r.PrincipalID, &r.UserName, &r.IssuerType,
		&r.IssuerARN, &r.IssuerAccount, &r.InvokedBy, &r.IdentityProvider,
		&r.OnBehalfOfUserID, &r.OnBehalfOfStoreARN, &r.Account, &r.Region,
		&r.EventType, &r.EventCategory, &r.ReadOnly, &r.ErrorCode, &r.ErrorMessage,
	} {
		*f, i = readString(b, i)
	}
	r.Shared = b[i] == 1
}

// groupKeyDay is the day of a group key.
func groupKeyDay(b []byte) int32 {
	return int32(binary.BigEndian.Uint32(b) ^ 0x8000_0000)
}

// decodeIdentifierKey appends the resources and params of an identifier
// key to res and par.
func decodeIdentifierKey(b []byte, res []Resource, par []Param) ([]Resource, []Param) {
	i := 0
	for b[i] == 2 {
		var r Resource
		r.ARN, i = readString(b, i+1)
		r.AccountID, i = readString(b, i)
		r.Type, i = readString(b, i)
		res = append(res, r)
	}
	i++
	for b[i] == 2 {
		var p Param
		p.Name, i = readString(b, i+1)
		p.Value, i = readString(b, i)
		par = append(par, p)
	}
	return res, par
}
