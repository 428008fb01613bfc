package ingest

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// The request-parameter rule.
//
// ingest keeps from requestParameters only scalar identifiers, chosen by one
// generic rule that knows no service:
//
//   - Walk requestParameters in document order. A parameter's name is the
//     path of object keys from requestParameters down to the value, joined
//     with ".", array positions omitted ("bucketName",
//     "iamInstanceProfile.arn", "instancesSet.items.instanceId").
//   - Paths have at most 6 keys and values sit at most 16 containers
//     (objects or arrays) deep; anything deeper is ignored.
//   - Keys are compared lower-cased with everything but letters and digits
//     removed ("x-amz-copy-source" → "xamzcopysource").
//   - A key that contains a deny word is never kept, and nothing under it is
//     looked at: password, passwd, passphrase, secret
//     (except secretid, secretids, secretarn, secretarns, secretname,
//     secretnames), token, credential, signature, private, plaintext,
//     ciphertext, session, nonce, requestid, idempotency, apikey, accesskey,
//     authkey, presharedkey, customerkey, externalid, uploadid, max (page
//     sizes such as max-keys).
//   - A string value, or a string inside an array, is kept when its key ends
//     with an identifier suffix: name, names, id, ids, idlist,
//     arn, arns, url, urls, uri, uris, key, keys, bucket, buckets, alias,
//     aliases, role, roles, identifier, identifiers, source, path, paths,
//     cluster, clusters, prefix, workgroup; or with an enumeration suffix,
//     whose values are a handful of constants: type (resourceType,
//     tagSpecificationSet.items.resourceType, ELBv2's type), method
//     (httpMethod), qualifier (Lambda versions and aliases), acl
//     (x-amz-acl), ownership (x-amz-object-ownership), enabled
//     (x-amz-bucket-object-lock-enabled).
//   - and the value is 1 to 1,024 bytes, holds no line break, is not a
//     serialized document (starts with '{' or '['), is not an AWS access key
//     id (AKIA…/ASIA…), is not a URL carrying a signature, credential or
//     security token in its query, and is not CloudTrail's
//     HIDDEN_DUE_TO_SECURITY_REASONS placeholder.
//   - Presence keys, where that the key was sent matters more than its
//     value: a key ending in tagging (x-amz-tagging) or holding grant
//     (x-amz-grant-read, x-amz-grant-full-control, …) and no identifier
//     suffix. Its value is kept as above when it is at most 64 bytes, else
//     it is "<omitted>", so that the parameter is there whatever was sent.
//   - Statement keys, ending in statement (DynamoDB PartiQL's statement,
//     statements.statement, transactStatements.statement): only the
//     statement's first word is kept, upper-cased (SELECT, INSERT, UPDATE,
//     DELETE, EXISTS), never its body. The word is the letters that start
//     the value after spaces and '(', 1 to 16 of them, followed by the end
//     or a character that is not a letter; otherwise nothing is kept.
//   - Numbers, booleans and nulls are never kept.
//   - At most 64 parameters per event, the first in document order.
//
// The deny words cover credentials and bodies, and the values that change
// with every request (pagination and idempotency tokens, request, session
// and upload ids), which would make the store grow with events rather than
// with what was touched. Timestamps are never under an identifier or
// enumeration suffix; statement bodies and long tag sets are cut to what
// bounds the store.

const (
	maxParams          = 64
	maxParamKeys       = 6
	maxParamContainers = 16
	maxParamValue      = 1024
	maxParamKeyLen     = 128
	// maxPresenceValue bounds the value kept under a presence key.
	maxPresenceValue = 64
	// maxStatementWord bounds the first word kept of a statement.
	maxStatementWord = 16
)

// omittedParamValue stands for a presence key's value that is not kept.
const omittedParamValue = "<omitted>"

// Key classes.
const (
	keyPlain     uint8 = iota // descend into containers, keep no string directly under it
	keyKeep                   // keep string values directly under it (or in arrays under it)
	keyDeny                   // ignore the value entirely
	keyPresence               // keep string values, replaced by a marker when long
	keyStatement              // keep the first word of string values, upper-cased
)

var denyWords = []string{
	"password", "passwd", "passphrase", "token", "credential", "signature",
	"private", "plaintext", "ciphertext", "session", "nonce", "requestid",
	"idempotency", "apikey", "accesskey", "authkey", "presharedkey",
	"customerkey", "externalid", "uploadid", "max",
}

// secretIdentifiers are the forms of "secret" that name a secret rather than
// hold one.
var secretIdentifiers = []string{"secretids", "secretid", "secretarns", "secretarn", "secretnames", "secretname"}

var keepSuffixes = []string{
	"name", "names", "id", "ids", "arn", "arns", "url", "urls", "uri", "uris",
	"key", "keys", "bucket", "buckets", "alias", "aliases", "role", "roles",
	"identifier", "identifiers", "source", "path", "paths", "cluster",
	"clusters", "prefix", "workgroup", "idlist",
	// Enumerations.
	"type", "method", "qualifier", "acl", "ownership", "enabled",
}

// classifyParamKey applies the key part of the rule.
func classifyParamKey(key string) uint8 {
	if len(key) > maxParamKeyLen {
		return keyDeny
	}
	var buf [maxParamKeyLen]byte
	k := buf[:0]
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case 'A' <= c && c <= 'Z':
			k = append(k, c+'a'-'A')
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			k = append(k, c)
		}
	}
	for _, w := range denyWords {
		if bytes.Contains(k, []byte(w)) {
			return keyDeny
		}
	}
	for rest := k; ; {
		i := bytes.Index(rest, []byte("secret"))
		if i < 0 {
			break
		}
		ok := false
		for _, f := range secretIdentifiers {
			if bytes.HasPrefix(rest[i:], []byte(f)) {
				ok = true
				break
			}
		}
		if !ok {
			return keyDeny
		}
		rest = rest[i+len("secret"):]
	}
	for _, suf := range keepSuffixes {
		if bytes.HasSuffix(k, []byte(suf)) {
			return keyKeep
		}
	}
	switch {
	case bytes.HasSuffix(k, []byte("statement")):
		return keyStatement
	case bytes.HasSuffix(k, []byte("tagging")), bytes.Contains(k, []byte("grant")):
		return keyPresence
	}
	return keyPlain
}

// keepsStrings reports whether a key class keeps string values.
func keepsStrings(class uint8) bool {
	return class == keyKeep || class == keyPresence || class == keyStatement
}

// presenceValue is the value kept under a presence key.
func presenceValue(v string) (string, bool) {
	switch {
	case v == "":
		return "", false
	case len(v) <= maxPresenceValue && keepParamValue(v):
		return v, true
	}
	return omittedParamValue, true
}

// statementWord finds the first word of a statement: v[i:j] are its
// letters; upper says they are upper case already.
func statementWord(v string) (i, j int, upper, ok bool) {
	for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r' || v[i] == '(') {
		i++
	}
	upper = true
	for j = i; j < len(v) && isASCIILetter(v[j]); j++ {
		upper = upper && v[j] <= 'Z'
	}
	if j == i || j-i > maxStatementWord || j < len(v) && v[j] >= 0x80 {
		return 0, 0, false, false
	}
	return i, j, upper, true
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// keepParamValue applies the value part of the rule.
func keepParamValue(v string) bool {
	if len(v) == 0 || len(v) > maxParamValue || v[0] == '{' || v[0] == '[' {
		return false
	}
	query := -1
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\n', '\r':
			return false
		case '?':
			if query < 0 {
				query = i
			}
		}
	}
	if len(v) == 20 && isAccessKeyID(v) || v == "HIDDEN_DUE_TO_SECURITY_REASONS" {
		return false
	}
	return query < 0 || !signedQuery(v[query:])
}

// isAccessKeyID reports an AWS access key id: AKIA (long-term) or ASIA
// (temporary) and 16 upper-case letters or digits.
func isAccessKeyID(v string) bool {
	if len(v) != 20 || (v[:4] != "AKIA" && v[:4] != "ASIA") {
		return false
	}
	for i := 4; i < 20; i++ {
		c := v[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// signedQuery reports a URL query that carries a signature, credential or
// security token (presigned URLs).
func signedQuery(q string) bool {
	return containsFold(q, "signature=") || containsFold(q, "credential=") ||
		containsFold(q, "security-token=") || containsFold(q, "securitytoken=")
}

// paramClassifier caches key classes: the keys of requestParameters come
// from a small vocabulary, and classifying one costs a dozen substring
// searches. It is a direct-mapped cache of short keys held in place, so a
// miss never allocates.
type paramClassifier struct {
	slots [classSlots]classSlot
}

const (
	classSlots  = 1024
	classKeyMax = 46
)

type classSlot struct {
	n     uint8 // key length; 0 is an empty slot
	class uint8
	key   [classKeyMax]byte
}

func (pc *paramClassifier) class(key string) uint8 {
	n := len(key)
	if n == 0 || n > classKeyMax {
		return classifyParamKey(key)
	}
	h := keyHashString(key)
	// Two-way set associative on the key's hash: a miss replaces the
	// second slot of the pair, so a frequent key in the first stays.
	i := uint(h>>54) &^ 1
	for k := uint(0); k < 2; k++ {
		sl := &pc.slots[i+k]
		if int(sl.n) == n && string(sl.key[:n]) == key {
			return sl.class
		}
	}
	c := classifyParamKey(key)
	sl := &pc.slots[i+1]
	if pc.slots[i].n == 0 {
		sl = &pc.slots[i]
	}
	sl.n, sl.class = uint8(n), c
	copy(sl.key[:], key)
	return c
}

// parseParams reads requestParameters at s.i into ev.Params.
func (p *parser) parseParams(s *scanner, ev *Event) bool {
	ev.Params = ev.Params[:0]
	if s.b[s.i] != '{' {
		return s.skipValue()
	}
	p.path = p.path[:0]
	return p.paramObject(s, ev, 1, 1)
}

// paramObject walks an object whose keys are the keys-th key of their path,
// inside containers containers.
func (p *parser) paramObject(s *scanner, ev *Event, keys, containers int) bool {
	for more := s.objStart(); more; more = s.objNext() {
		key, ok := s.memberKey()
		if !ok || !p.paramValue(s, ev, key, keys, containers) {
			return false
		}
	}
	return s.err == nil
}

// paramValue handles the value at s.i under key.
func (p *parser) paramValue(s *scanner, ev *Event, key string, keys, containers int) bool {
	switch s.b[s.i] {
	case '"':
		if len(ev.Params) >= maxParams {
			return s.skipValue()
		}
		class := p.pc.class(key)
		if !keepsStrings(class) {
			return s.skipValue()
		}
		v, ok := s.readString()
		if !ok {
			return false
		}
		switch class {
		case keyKeep:
			ok = keepParamValue(v)
		case keyPresence:
			v, ok = presenceValue(v)
		case keyStatement:
			v, ok = p.statementKeyword(s, v)
		}
		if ok {
			ev.Params = append(ev.Params, Param{Name: p.paramName(s, key), Value: v})
		}
		return true
	case '{':
		if keys >= maxParamKeys || containers >= maxParamContainers || p.pc.class(key) == keyDeny {
			return s.skipValue()
		}
		n := len(p.path)
		p.path = append(append(p.path, key...), '.')
		ok := p.paramObject(s, ev, keys+1, containers+1)
		p.path = p.path[:n]
		return ok
	case '[':
		if containers >= maxParamContainers || p.pc.class(key) == keyDeny {
			return s.skipValue()
		}
		for more := s.arrStart(); more; more = s.arrNext() {
			if !p.paramValue(s, ev, key, keys, containers+1) {
				return false
			}
		}
		return s.err == nil
	}
	return s.skipValue()
}

// statementKeyword is the first word of statement v, upper-cased: a part of v
// when it is in upper case already, else a copy in the arena.
func (p *parser) statementKeyword(s *scanner, v string) (string, bool) {
	i, j, upper, ok := statementWord(v)
	if !ok || upper {
		return v[i:j], ok
	}
	off := len(s.arena)
	for k := i; k < j; k++ {
		c := v[k]
		if c >= 'a' {
			c -= 'a' - 'A'
		}
		s.arena = append(s.arena, c)
	}
	return aliasString(s.arena, off, len(s.arena)), true
}

// paramName is the path to key: key itself at the top level, else a copy in
// the arena.
func (p *parser) paramName(s *scanner, key string) string {
	if len(p.path) == 0 {
		return key
	}
	off := len(s.arena)
	s.arena = append(append(s.arena, p.path...), key...)
	return aliasString(s.arena, off, len(s.arena))
}

// keyHash mixes a key's length, first 8 and last 8 bytes (head and tail,
// zero-extended for short keys) into 64 bits.
func keyHash(head, tail uint64, n int) uint64 {
	x := head ^ bits.RotateLeft64(tail, 29) ^ uint64(n)*0x9e3779b97f4a7c15
	x ^= x >> 31
	return x * 0xbf58476d1ce4e5b9
}

func keyHashString(k string) uint64 {
	n := len(k)
	if n >= 8 {
		return keyHash(load64(k, 0), load64(k, n-8), n)
	}
	var head uint64
	for i := n - 1; i >= 0; i-- {
		head = head<<8 | uint64(k[i])
	}
	return keyHash(head, 0, n)
}

// load64 reads the 8 bytes of s at i (i+8 <= len(s)) little-endian.
func load64(s string, i int) uint64 {
	_ = s[i+7]
	return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))
}
