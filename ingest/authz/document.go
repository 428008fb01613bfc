package authz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
)

// A policy document reaches us in one of three forms, and each must give
// the same bytes:
//
//   - URL-encoded JSON text, from the IAM API. AWS percent-encodes every
//     byte outside RFC 3986's unreserved set: spaces are %20, '/' is %2F,
//     '+' is %2B. A raw '+' therefore never stands for a space, and
//     decoding it as one (form decoding, url.QueryUnescape,
//     java.net.URLDecoder) would corrupt a document that some other
//     producer left partly unencoded. We decode as botocore does
//     (urllib.parse.unquote): %XX only, '+' stays '+'.
//   - Plain JSON text: moto returns AssumeRolePolicyDocument unencoded, and
//     a hand-written file may hold the text.
//   - A JSON object: the AWS CLI URL-decodes and parses every document
//     (botocore's json_decode_policies) and prints it as an object.
//
// Text is recognised by its first non-blank byte: a JSON policy starts
// with '{', which AWS always encodes, so an encoded document starts with
// '%'. Guessing by trying both decodings would be wrong on a plain
// document that happens to contain "%41".
//
// The canonical form is compact JSON with object keys sorted, strings
// re-escaped by encoding/json without HTML escaping, and numbers kept as
// written. Whitespace and key order cannot survive the CLI path (Python
// re-prints the object), so they are dropped on every path. Arrays keep
// their order. Duplicate keys are an error: the CLI keeps the last one,
// IAM's own reading of such a document is not documented, and a review
// must not silently pick one. One known difference remains: the CLI turns
// non-integer numbers into Python floats, so "1e2" read live stays "1e2"
// but the CLI prints 100.0; IAM policies carry numbers as strings or
// integers in practice.

// maxDocumentDepth bounds nesting; IAM policies are a handful of levels
// deep, and the bound keeps a hostile file from exhausting the stack.
const maxDocumentDepth = 64

// decodeDocument turns a document as it appears in a response or a CLI file
// (a JSON string holding URL-encoded or plain JSON, or a JSON object) into
// its canonical form.
func decodeDocument(raw json.RawMessage) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil, errors.New("document is missing")
	}
	switch trimmed[0] {
	case '"':
		var text string
		if err := json.Unmarshal(trimmed, &text); err != nil {
			return nil, fmt.Errorf("document string: %w", err)
		}
		return DecodeDocumentText(text)
	case '{':
		return canonicalJSON(trimmed)
	default:
		return nil, fmt.Errorf("document is neither a JSON object nor a string (starts with %q)", trimmed[0])
	}
}

// DecodeDocumentText turns a document as the IAM API returns it (URL-encoded
// JSON, or plain JSON text) into the canonical form described above.
func DecodeDocumentText(text string) (json.RawMessage, error) {
	start := strings.TrimLeft(text, " \t\r\n")
	switch {
	case start == "":
		return nil, errors.New("document is empty")
	case start[0] == '{':
		doc, err := canonicalJSON([]byte(text))
		if err != nil {
			return nil, fmt.Errorf("document (plain JSON text): %w", err)
		}
		return doc, nil
	case start[0] == '%':
		decoded, err := url.PathUnescape(text)
		if err != nil {
			return nil, fmt.Errorf("document is not valid URL-encoded text: %w", err)
		}
		doc, err := canonicalJSON([]byte(decoded))
		if err != nil {
			return nil, fmt.Errorf("document is not valid JSON after URL-decoding: %w", err)
		}
		return doc, nil
	default:
		return nil, fmt.Errorf("document is neither JSON nor URL-encoded JSON (starts with %q)", clip(start, 20))
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// canonicalJSON re-serialises one JSON object in the canonical form.
func canonicalJSON(text []byte) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	value, err := readValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, ok := value.(map[string]any); !ok {
		return nil, fmt.Errorf("a policy document must be a JSON object, not %s", kindOf(value))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON object")
	}
	var out bytes.Buffer
	if err := writeValue(&out, value); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func kindOf(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	default:
		return "null"
	}
}

// readValue reads one value token by token, which is what lets it see
// duplicate object keys that json.Unmarshal would silently collapse.
func readValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDocumentDepth {
		return nil, fmt.Errorf("JSON nested deeper than %d levels", maxDocumentDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, errors.New("unexpected end of JSON")
		}
		return nil, err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch delim {
	case '{':
		object := map[string]any{}
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key := keyTok.(string) // the decoder only yields string keys inside an object
			if _, dup := object[key]; dup {
				return nil, fmt.Errorf("duplicate key %q in a JSON object", key)
			}
			v, err := readValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			object[key] = v
		}
		if _, err := dec.Token(); err != nil { // '}'
			return nil, err
		}
		return object, nil
	case '[':
		array := []any{}
		for dec.More() {
			v, err := readValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			array = append(array, v)
		}
		if _, err := dec.Token(); err != nil { // ']'
			return nil, err
		}
		return array, nil
	default:
		return nil, fmt.Errorf("unexpected %q", delim)
	}
}

func writeValue(out *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				out.WriteByte(',')
			}
			if err := writeString(out, k); err != nil {
				return err
			}
			out.WriteByte(':')
			if err := writeValue(out, v[k]); err != nil {
				return err
			}
		}
		out.WriteByte('}')
	case []any:
		out.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				out.WriteByte(',')
			}
			if err := writeValue(out, e); err != nil {
				return err
			}
		}
		out.WriteByte(']')
	case string:
		return writeString(out, v)
	case json.Number:
		out.WriteString(v.String())
	case bool:
		if v {
			out.WriteString("true")
		} else {
			out.WriteString("false")
		}
	case nil:
		out.WriteString("null")
	default:
		return fmt.Errorf("unexpected JSON value %T", v)
	}
	return nil
}

func writeString(out *bytes.Buffer, s string) error {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return err
	}
	out.Truncate(out.Len() - 1) // Encode appends a newline
	return nil
}
