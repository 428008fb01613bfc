package authz

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDecodeDocument(t *testing.T) {
	const canonical = `{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}`
	tests := []struct {
		name    string
		raw     string // the JSON value found in a document field
		want    string
		wantErr string
	}{
		{
			name: "URL-encoded as AWS does it (%20 spaces, %2A, %2F)",
			raw:  `"%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Action%22%3A%20%22s3%3AGetObject%22%2C%20%22Resource%22%3A%20%22%2A%22%7D%5D%7D"`,
			want: canonical,
		},
		{
			name: "plain JSON text with whitespace and keys out of order",
			raw:  `"\n  {\"Version\": \"2012-10-17\",\n \"Statement\": [ {\"Resource\": \"*\", \"Effect\": \"Allow\", \"Action\": \"s3:GetObject\"} ] }\n"`,
			want: canonical,
		},
		{
			name: "JSON object as the AWS CLI prints it",
			raw:  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}`,
			want: canonical,
		},
		{
			name: "%2B and a raw + both decode to +, never to a space",
			raw:  `"%7B%22a%22%3A%22x%2By+z%22%7D"`,
			want: `{"a":"x+y+z"}`,
		},
		{
			name: "percent-decoding happens once: %2541 is %41, not A",
			raw:  `"%7B%22a%22%3A%22%2541%22%7D"`,
			want: `{"a":"%41"}`,
		},
		{
			name: "a plain document with %41 in it is not decoded",
			raw:  `"{\"a\": \"%41 and 50%\"}"`,
			want: `{"a":"%41 and 50%"}`,
		},
		{
			name: "UTF-8 percent-encoded, escaped and raw all give the same bytes",
			raw:  `{"a": "r\u00e9sum\u00e9", "b": "résumé", "c": "\u30c7"}`,
			want: `{"a":"résumé","b":"résumé","c":"デ"}`,
		},
		{
			name: "UTF-8 from the URL-encoded form",
			raw:  `"%7B%22a%22%3A%22r%C3%A9sum%C3%A9%22%7D"`,
			want: `{"a":"résumé"}`,
		},
		{
			name: "HTML characters and policy variables stay literal",
			raw:  `{"a": "<b>&${aws:username}"}`,
			want: `{"a":"<b>&${aws:username}"}`,
		},
		{
			name: "numbers keep their text, arrays their order",
			raw:  `{"n": [10, 1.50, -0, 1e2], "z": null, "t": true}`,
			want: `{"n":[10,1.50,-0,1e2],"t":true,"z":null}`,
		},
		{name: "invalid percent escape", raw: `"%7B%ZZ%7D"`, wantErr: "not valid URL-encoded text"},
		{name: "not JSON after decoding", raw: `"%7Bnot%20json%7D"`, wantErr: "not valid JSON after URL-decoding"},
		{name: "double-encoded", raw: `"%257B%2522a%2522%253A1%257D"`, wantErr: "not valid JSON after URL-decoding"},
		{name: "array, not an object", raw: `[{"Effect":"Allow"}]`, wantErr: "neither a JSON object nor a string"},
		{name: "array inside a string", raw: `"%5B%5D"`, wantErr: "must be a JSON object, not an array"},
		{name: "duplicate keys", raw: `{"Statement": [], "Statement": []}`, wantErr: `duplicate key "Statement"`},
		{name: "trailing data after the object", raw: `"{\"a\":1} {}"`, wantErr: "unexpected data after the JSON object"},
		{name: "neither JSON nor URL-encoded", raw: `"Version=2012-10-17"`, wantErr: "neither JSON nor URL-encoded JSON"},
		{name: "empty string", raw: `""`, wantErr: "document is empty"},
		{name: "null", raw: `null`, wantErr: "document is missing"},
		{name: "absent", raw: ``, wantErr: "document is missing"},
		{name: "nested too deeply", raw: `{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, wantErr: "nested deeper than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeDocument(json.RawMessage(tc.raw))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %s, %v; want an error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// FuzzDecodeDocumentText checks that decoding never panics, that what it
// accepts is valid JSON, and that the canonical form is a fixed point: the
// same document always comes out the same, whatever path it took.
func FuzzDecodeDocumentText(f *testing.F) {
	for _, seed := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
		`%7B%22a%22%3A%22x%2By%20z%22%7D`,
		`{"a": "%41", "b": [1, 2.0, {"c": null}]}`,
		`{"a":"\u00e9\u2028<>&"}`,
		`%7B`,
		`{"a":1,"a":2}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		doc, err := DecodeDocumentText(text)
		if err != nil {
			return
		}
		if !json.Valid(doc) {
			t.Fatalf("accepted %q but produced invalid JSON %q", text, doc)
		}
		again, err := DecodeDocumentText(string(doc))
		if err != nil {
			t.Fatalf("canonical form %q rejected: %v", doc, err)
		}
		if string(again) != string(doc) {
			t.Fatalf("not a fixed point: %q → %q", doc, again)
		}
		obj, err := decodeDocument(doc)
		if err != nil || string(obj) != string(doc) {
			t.Fatalf("as an object: %q, %v; want %q", obj, err, doc)
		}
	})
}
