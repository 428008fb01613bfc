package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// ParseError says what is wrong with a policy document and where: the line
// and column in the JSON text (after URL-decoding) and the element path.
type ParseError struct {
	Line, Column int    // 1-based; 0 when the problem is the document as a whole
	Path         string // "Statement[1].Action[0]"; "" for the document itself
	Msg          string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("policy document")
	if e.Line > 0 {
		fmt.Fprintf(&b, ": line %d, column %d", e.Line, e.Column)
	}
	if e.Path != "" {
		fmt.Fprintf(&b, " (%s)", e.Path)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Parse reads a policy document the way IAM accepts it:
//
//   - plain JSON, or the URL-encoded JSON that GetAccountAuthorizationDetails
//     and GetPolicyVersion return (RFC 3986 percent-encoding; a '+' is kept
//     as '+', and only if that does not give valid JSON is the text read as
//     form-encoded with '+' for a space). A document is URL-decoded only when
//     it does not start with '{', so a literal '%' in a plain document is safe;
//   - a leading UTF-8 byte-order mark and surrounding whitespace;
//   - Statement as one object or an array; Action, NotAction, Resource,
//     NotResource and principal identifiers as a string or an array of
//     strings; condition values as strings, booleans, numbers or arrays of
//     them (kept as their text).
//
// It rejects what IAM rejects: unknown or duplicate elements (element names
// are case-sensitive), a Version other than 2012-10-17 or 2008-10-17, an
// Effect other than "Allow" or "Deny", a statement with both or neither of
// Action and NotAction, with both Resource and NotResource, or with both
// Principal and NotPrincipal. A statement with neither Resource nor
// NotResource is accepted because trust policies are written that way;
// CheckIdentityPolicy rejects it for identity policies.
func Parse(data []byte) (*Document, error) {
	text, ok := trimDocument(data)
	if len(text) == 0 {
		return nil, &ParseError{Msg: "empty document"}
	}
	if !ok {
		if text[0] != '%' {
			return nil, &ParseError{Msg: fmt.Sprintf("not a JSON object or URL-encoded JSON: starts with %q", clip(string(text), 16))}
		}
		return parseURLEncoded(string(text))
	}
	return parseJSONDocument(text)
}

// trimDocument strips a byte-order mark and surrounding whitespace and
// reports whether what is left starts like a JSON object.
func trimDocument(data []byte) ([]byte, bool) {
	text := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	text = bytes.TrimSpace(text)
	return text, len(text) > 0 && text[0] == '{'
}

func parseURLEncoded(s string) (*Document, error) {
	decoded, err := url.PathUnescape(s)
	if err != nil {
		return nil, &ParseError{Msg: fmt.Sprintf("URL-encoded document: %v", err)}
	}
	text, ok := trimDocument([]byte(decoded))
	if !ok {
		return nil, &ParseError{Msg: fmt.Sprintf("URL-decoded document is not a JSON object: starts with %q", clip(string(text), 16))}
	}
	doc, err := parseJSONDocument(text)
	if err == nil || !strings.Contains(s, "+") {
		return doc, err
	}
	// Form encoding writes a space as '+'; RFC 3986 (what AWS documents)
	// keeps '+' literal. Only fall back when the RFC reading is not JSON.
	if formDecoded, ferr := url.QueryUnescape(s); ferr == nil {
		if ftext, ok := trimDocument([]byte(formDecoded)); ok {
			if fdoc, ferr := parseJSONDocument(ftext); ferr == nil {
				return fdoc, nil
			}
		}
	}
	return nil, err
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// jnode is a JSON value with its position, read token by token so that
// duplicate keys are seen and errors can point at the offending value.
type jnode struct {
	kind byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	str  string
	obj  []jfield
	arr  []*jnode
	off  int64
}

type jfield struct {
	key    string
	keyOff int64
	val    *jnode
}

type jsonReader struct {
	text []byte
	dec  *json.Decoder
}

func parseJSONDocument(text []byte) (*Document, error) {
	r := &jsonReader{text: text, dec: json.NewDecoder(bytes.NewReader(text))}
	r.dec.UseNumber()
	root, err := r.value("")
	if err != nil {
		return nil, err
	}
	end := r.dec.InputOffset()
	if _, err := r.dec.Token(); err != io.EOF {
		return nil, r.errAt(end, "", "unexpected data after the document")
	}
	p := &interpreter{r: r}
	return p.document(root)
}

// position turns a byte offset into a 1-based line and column, first skipping
// the separators json.Decoder leaves before a value.
func (r *jsonReader) position(off int64) (int, int) {
	i := int(off)
	for i < len(r.text) {
		switch r.text[i] {
		case ' ', '\t', '\r', '\n', ':', ',':
			i++
			continue
		}
		break
	}
	if i > len(r.text) {
		i = len(r.text)
	}
	line, col := 1, 1
	for _, c := range r.text[:i] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

func (r *jsonReader) errAt(off int64, path, msg string) *ParseError {
	line, col := r.position(off)
	return &ParseError{Line: line, Column: col, Path: path, Msg: msg}
}

func (r *jsonReader) syntaxErr(err error, path string) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return r.errAt(se.Offset, path, "invalid JSON: "+se.Error())
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return r.errAt(int64(len(r.text)), path, "invalid JSON: unexpected end of document")
	}
	return r.errAt(r.dec.InputOffset(), path, "invalid JSON: "+err.Error())
}

func (r *jsonReader) value(path string) (*jnode, error) {
	off := r.dec.InputOffset()
	tok, err := r.dec.Token()
	if err != nil {
		return nil, r.syntaxErr(err, path)
	}
	n := &jnode{off: off}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.kind = 'o'
			seen := map[string]bool{}
			for r.dec.More() {
				koff := r.dec.InputOffset()
				ktok, err := r.dec.Token()
				if err != nil {
					return nil, r.syntaxErr(err, path)
				}
				key, _ := ktok.(string)
				if seen[key] {
					return nil, r.errAt(koff, joinPath(path, key), fmt.Sprintf("duplicate element %q", key))
				}
				seen[key] = true
				v, err := r.value(joinPath(path, key))
				if err != nil {
					return nil, err
				}
				n.obj = append(n.obj, jfield{key: key, keyOff: koff, val: v})
			}
		case '[':
			n.kind = 'a'
			for i := 0; r.dec.More(); i++ {
				v, err := r.value(fmt.Sprintf("%s[%d]", path, i))
				if err != nil {
					return nil, err
				}
				n.arr = append(n.arr, v)
			}
		}
		if _, err := r.dec.Token(); err != nil { // the closing delimiter
			return nil, r.syntaxErr(err, path)
		}
	case string:
		n.kind, n.str = 's', t
	case json.Number:
		n.kind, n.str = 'n', string(t)
	case bool:
		n.kind = 'b'
		n.str = "false"
		if t {
			n.str = "true"
		}
	case nil:
		n.kind = 'z'
	}
	return n, nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(k byte) string {
	switch k {
	case 'o':
		return "an object"
	case 'a':
		return "an array"
	case 's':
		return "a string"
	case 'n':
		return "a number"
	case 'b':
		return "a boolean"
	default:
		return "null"
	}
}

type interpreter struct{ r *jsonReader }

func (p *interpreter) fail(n *jnode, path, format string, args ...any) error {
	return p.r.errAt(n.off, path, fmt.Sprintf(format, args...))
}

func (p *interpreter) document(root *jnode) (*Document, error) {
	if root.kind != 'o' {
		return nil, p.fail(root, "", "the document must be a JSON object, found %s", kindName(root.kind))
	}
	doc := &Document{}
	var statement *jnode
	for _, f := range root.obj {
		switch f.key {
		case "Version":
			v, err := p.str(f.val, "Version")
			if err != nil {
				return nil, err
			}
			if v != Version2012 && v != Version2008 {
				return nil, p.fail(f.val, "Version", "Version must be %q or %q, found %q", Version2012, Version2008, v)
			}
			doc.Version = v
		case "Id":
			v, err := p.str(f.val, "Id")
			if err != nil {
				return nil, err
			}
			doc.ID = v
		case "Statement":
			statement = f.val
		default:
			return nil, p.r.errAt(f.keyOff, f.key, fmt.Sprintf("unknown element %q (IAM accepts Version, Id and Statement)", f.key))
		}
	}
	if statement == nil {
		return nil, p.fail(root, "", "Statement is required")
	}
	switch statement.kind {
	case 'o':
		st, err := p.statement(statement, "Statement")
		if err != nil {
			return nil, err
		}
		doc.Statements = []Statement{st}
	case 'a':
		doc.Statements = make([]Statement, 0, len(statement.arr))
		for i, n := range statement.arr {
			st, err := p.statement(n, fmt.Sprintf("Statement[%d]", i))
			if err != nil {
				return nil, err
			}
			doc.Statements = append(doc.Statements, st)
		}
	default:
		return nil, p.fail(statement, "Statement", "Statement must be an object or an array of objects, found %s", kindName(statement.kind))
	}
	return doc, nil
}

func (p *interpreter) str(n *jnode, path string) (string, error) {
	if n.kind != 's' {
		return "", p.fail(n, path, "must be a string, found %s", kindName(n.kind))
	}
	return n.str, nil
}

// strList reads a string or an array of strings; the result is never nil so
// that presence is kept.
func (p *interpreter) strList(n *jnode, path string) ([]string, error) {
	switch n.kind {
	case 's':
		return []string{n.str}, nil
	case 'a':
		out := make([]string, 0, len(n.arr))
		for i, e := range n.arr {
			if e.kind != 's' {
				return nil, p.fail(e, fmt.Sprintf("%s[%d]", path, i), "must be a string, found %s", kindName(e.kind))
			}
			out = append(out, e.str)
		}
		return out, nil
	default:
		return nil, p.fail(n, path, "must be a string or an array of strings, found %s", kindName(n.kind))
	}
}

func (p *interpreter) statement(n *jnode, path string) (Statement, error) {
	var st Statement
	if n.kind != 'o' {
		return st, p.fail(n, path, "a statement must be an object, found %s", kindName(n.kind))
	}
	has := map[string]bool{}
	for _, f := range n.obj {
		fp := path + "." + f.key
		var err error
		has[f.key] = true
		switch f.key {
		case "Sid":
			st.Sid, err = p.str(f.val, fp)
		case "Effect":
			var e string
			if e, err = p.str(f.val, fp); err == nil {
				if e != string(Allow) && e != string(Deny) {
					err = p.fail(f.val, fp, "Effect must be \"Allow\" or \"Deny\", found %q", e)
				}
				st.Effect = Effect(e)
			}
		case "Principal":
			st.Principal, err = p.principal(f.val, fp)
		case "NotPrincipal":
			st.NotPrincipal, err = p.principal(f.val, fp)
		case "Action":
			st.Action, err = p.strList(f.val, fp)
		case "NotAction":
			st.NotAction, err = p.strList(f.val, fp)
		case "Resource":
			st.Resource, err = p.strList(f.val, fp)
		case "NotResource":
			st.NotResource, err = p.strList(f.val, fp)
		case "Condition":
			st.Condition, err = p.condition(f.val, fp)
		default:
			err = p.r.errAt(f.keyOff, fp, fmt.Sprintf("unknown element %q in a statement", f.key))
		}
		if err != nil {
			return st, err
		}
	}
	switch {
	case !has["Effect"]:
		return st, p.fail(n, path, "Effect is required")
	case has["Action"] && has["NotAction"]:
		return st, p.fail(n, path, "a statement cannot have both Action and NotAction")
	case !has["Action"] && !has["NotAction"]:
		return st, p.fail(n, path, "a statement needs Action or NotAction")
	case has["Resource"] && has["NotResource"]:
		return st, p.fail(n, path, "a statement cannot have both Resource and NotResource")
	case has["Principal"] && has["NotPrincipal"]:
		return st, p.fail(n, path, "a statement cannot have both Principal and NotPrincipal")
	}
	return st, nil
}

var principalTypes = map[string]bool{"AWS": true, "Service": true, "Federated": true, "CanonicalUser": true}

func (p *interpreter) principal(n *jnode, path string) (*Principal, error) {
	switch n.kind {
	case 's':
		if n.str != "*" {
			return nil, p.fail(n, path, "a principal written as a string must be \"*\", found %q", n.str)
		}
		return &Principal{Wildcard: true}, nil
	case 'o':
		pr := &Principal{Values: map[string][]string{}}
		for _, f := range n.obj {
			fp := path + "." + f.key
			if !principalTypes[f.key] {
				return nil, p.r.errAt(f.keyOff, fp, fmt.Sprintf("unknown principal type %q (IAM accepts AWS, Service, Federated, CanonicalUser)", f.key))
			}
			l, err := p.strList(f.val, fp)
			if err != nil {
				return nil, err
			}
			pr.Values[f.key] = l
		}
		return pr, nil
	default:
		return nil, p.fail(n, path, "must be \"*\" or an object, found %s", kindName(n.kind))
	}
}

func (p *interpreter) condition(n *jnode, path string) (Condition, error) {
	if n.kind != 'o' {
		return nil, p.fail(n, path, "Condition must be an object, found %s", kindName(n.kind))
	}
	c := Condition{}
	for _, op := range n.obj {
		opPath := path + "." + op.key
		if op.val.kind != 'o' {
			return nil, p.fail(op.val, opPath, "a condition operator must map condition keys to values, found %s", kindName(op.val.kind))
		}
		keys := map[string][]string{}
		for _, k := range op.val.obj {
			kp := opPath + "." + k.key
			vals, err := p.conditionValues(k.val, kp)
			if err != nil {
				return nil, err
			}
			keys[k.key] = vals
		}
		c[op.key] = keys
	}
	return c, nil
}

func (p *interpreter) conditionValues(n *jnode, path string) ([]string, error) {
	scalar := func(e *jnode, ep string) (string, error) {
		switch e.kind {
		case 's', 'n', 'b':
			return e.str, nil
		default:
			return "", p.fail(e, ep, "a condition value must be a string, boolean or number, found %s", kindName(e.kind))
		}
	}
	if n.kind == 'a' {
		out := make([]string, 0, len(n.arr))
		for i, e := range n.arr {
			v, err := scalar(e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	v, err := scalar(n, path)
	if err != nil {
		return nil, err
	}
	return []string{v}, nil
}

// CheckIdentityPolicy reports what IAM rejects in an identity policy or a
// permission boundary although the document parses: a Principal or
// NotPrincipal, or a statement with neither Resource nor NotResource.
func (d *Document) CheckIdentityPolicy() error {
	for i := range d.Statements {
		st := &d.Statements[i]
		path := fmt.Sprintf("Statement[%d]", i)
		switch {
		case st.Principal != nil || st.NotPrincipal != nil:
			return &ParseError{Path: path, Msg: "an identity policy cannot name a Principal or NotPrincipal"}
		case st.Resource == nil && st.NotResource == nil:
			return &ParseError{Path: path, Msg: "an identity policy statement needs Resource or NotResource"}
		}
	}
	return nil
}
