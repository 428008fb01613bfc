package s3test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Request is one request a FaultProxy saw.
type Request struct {
	Method string
	Bucket string
	Key    string // "" for bucket-level requests (listings)
	Query  url.Values
}

// IsList reports whether r is a ListObjectsV2 call.
func (r Request) IsList() bool {
	return r.Method == http.MethodGet && r.Key == "" && r.Query.Get("list-type") == "2"
}

// FaultProxy is a reverse proxy in front of a path-style S3 server that
// injects the faults S3 clients meet: throttling, connections reset in the
// middle of a body, bodies cut short of their Content-Length, and objects
// that vanish between list and get. It records every request.
type FaultProxy struct {
	URL      string
	upstream *url.URL
	client   *http.Client

	mu       sync.Mutex
	slowDown int
	resets   map[string]int
	truncs   map[string]int
	vanished map[string]bool
	requests []Request
}

// StartFaultProxy starts a proxy to upstream (http://127.0.0.1:PORT) that
// injects no fault until told to.
func StartFaultProxy(t testing.TB, upstream string) *FaultProxy {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &FaultProxy{
		upstream: u,
		// No environment proxy: the upstream is on 127.0.0.1.
		client:   &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}},
		resets:   map[string]int{},
		truncs:   map[string]int{},
		vanished: map[string]bool{},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(p)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// SlowDown answers the next n requests with 503 SlowDown.
func (p *FaultProxy) SlowDown(n int) {
	p.mu.Lock()
	p.slowDown = n
	p.mu.Unlock()
}

// SlowDownsLeft is how many of the 503s asked for are still to be served.
func (p *FaultProxy) SlowDownsLeft() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.slowDown
}

// ResetBody makes the next n GETs of key send half the body, then reset the
// connection.
func (p *FaultProxy) ResetBody(key string, n int) {
	p.mu.Lock()
	p.resets[key] = n
	p.mu.Unlock()
}

// TruncateBody makes the next n GETs of key declare the full Content-Length
// but send only half the body, then close the connection.
func (p *FaultProxy) TruncateBody(key string, n int) {
	p.mu.Lock()
	p.truncs[key] = n
	p.mu.Unlock()
}

// Vanish makes every GET of key answer 404 NoSuchKey, while listings still
// show it.
func (p *FaultProxy) Vanish(key string) {
	p.mu.Lock()
	p.vanished[key] = true
	p.mu.Unlock()
}

// Requests returns the requests seen so far.
func (p *FaultProxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.requests...)
}

// ResetRequests forgets the requests seen so far.
func (p *FaultProxy) ResetRequests() {
	p.mu.Lock()
	p.requests = nil
	p.mu.Unlock()
}

type fault int

const (
	faultNone fault = iota
	faultSlowDown
	faultVanished
	faultReset
	faultTruncate
)

func (p *FaultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	req := Request{Method: r.Method, Bucket: bucket, Key: key, Query: r.URL.Query()}

	p.mu.Lock()
	p.requests = append(p.requests, req)
	f := faultNone
	switch {
	case p.slowDown > 0:
		p.slowDown--
		f = faultSlowDown
	case r.Method == http.MethodGet && key != "" && p.vanished[key]:
		f = faultVanished
	case r.Method == http.MethodGet && key != "" && p.resets[key] > 0:
		p.resets[key]--
		f = faultReset
	case r.Method == http.MethodGet && key != "" && p.truncs[key] > 0:
		p.truncs[key]--
		f = faultTruncate
	}
	p.mu.Unlock()

	switch f {
	case faultSlowDown:
		s3Error(w, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
		return
	case faultVanished:
		s3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}

	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Scheme = p.upstream.Scheme
	out.URL.Host = p.upstream.Host
	// Keep the Host the client signed (SigV4 covers it).
	out.Host = r.Host
	resp, err := p.client.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if f == faultNone || resp.StatusCode != http.StatusOK {
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
		return
	}

	body, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(body[:len(body)/2])
	w.(http.Flusher).Flush()
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok && f == faultReset {
		tcp.SetLinger(0) // close with RST
	}
	conn.Close()
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString("<Error><Code>" + code + "</Code><Message>" + msg + "</Message><RequestId>fault-proxy</RequestId></Error>")
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}
