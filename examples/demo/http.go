package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/xgate/xgate/conformance/httppeer"
)

// The virtual hosts the HTTP routes of demo.yaml pick clusters by.
const (
	hostH1 = "h1.demo.test" // web-h1: HTTP/1.1 backends
	hostH2 = "h2.demo.test" // web-h2: an h2c backend
)

// httpResult is what an HTTP client (net/http or curl) received.
type httpResult struct {
	proto  string // the response's version as the client saw it
	status int
	header http.Header
	body   []byte
}

// backend returns the backend that answered, or says the gateway did.
func (r *httpResult) backend() string {
	if b := r.header.Get(httppeer.HeaderBackend); b != "" {
		return b
	}
	return "answered by xgate"
}

// echoed returns what the backend's /echo saw of the request (the
// X-Echo-<name> response header).
func (r *httpResult) echoed(name string) string {
	return r.header.Get(httppeer.EchoPrefix + name)
}

// runHTTP sends HTTP/1.1 and h2c requests (net/http, x/net/http2 and, when
// installed, curl) to the gateway's port; the Host picks the cluster.
func runHTTP(ctx context.Context, addr string, expect func(string, bool)) {
	h1 := httppeer.NewH1Client()
	defer h1.Close()
	h2 := httppeer.NewH2CClient()
	defer h2.Close()
	h1.Timeout, h2.Timeout = 5*time.Second, 5*time.Second

	do := func(c *httppeer.Client, method, host, path, body string, header ...string) (*httpResult, error) {
		var rd io.Reader = http.NoBody
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, rd)
		if err != nil {
			return nil, err
		}
		req.Host = host
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		return &httpResult{proto: resp.Proto, status: resp.StatusCode, header: resp.Header, body: b}, nil
	}
	show := func(proto, what string, r *httpResult, err error, detail string) {
		if err != nil {
			fmt.Printf("%-6s %-44s -> error: %v\n", proto, what, err)
			return
		}
		fmt.Printf("%-6s %-44s -> %-40s %d %q%s\n", proto, what, r.backend(), r.status, printable(r.body), detail)
	}
	saw := func(r *httpResult) string {
		if r == nil {
			return ""
		}
		return " (backend saw " + r.echoed("Proto") + ")"
	}

	// HTTP/1.1 to HTTP/1.1 backends, round robin over two of them.
	for range 2 {
		r, err := do(h1, http.MethodGet, hostH1, "/whoami", "")
		show("http1", "GET "+hostH1+"/whoami", r, err, "")
		expect("http1 GET", err == nil && r.status == http.StatusOK && r.proto == "HTTP/1.1" &&
			strings.HasPrefix(r.backend(), "web-h1#") && string(r.body) == r.backend())
	}
	msg := "hello over HTTP/1.1"
	r, err := do(h1, http.MethodPost, hostH1, "/echo", msg, "X-Forwarded-For", "203.0.113.7")
	xff := ""
	if r != nil {
		xff = fmt.Sprintf(" X-Forwarded-For %q", r.echoed("X-Forwarded-For"))
	}
	show("http1", "POST "+hostH1+"/echo (X-Forwarded-For set)", r, err, xff)
	expect("http1 POST", err == nil && r.status == http.StatusOK && string(r.body) == msg &&
		strings.HasPrefix(r.backend(), "web-h1#") && r.echoed("Proto") == "HTTP/1.1" &&
		r.echoed("X-Forwarded-For") == "203.0.113.7, 127.0.0.1")

	// HTTP/2 (h2c, prior knowledge) to an h2c backend.
	r, err = do(h2, http.MethodGet, hostH2, "/whoami", "")
	show("http2", "GET "+hostH2+"/whoami", r, err, "")
	expect("http2 GET", err == nil && r.status == http.StatusOK && r.proto == "HTTP/2.0" &&
		strings.HasPrefix(r.backend(), "web-h2#") && string(r.body) == r.backend())
	msg = "hello over HTTP/2"
	r, err = do(h2, http.MethodPost, hostH2, "/echo", msg)
	show("http2", "POST "+hostH2+"/echo", r, err, saw(r))
	expect("http2 POST", err == nil && r.status == http.StatusOK && r.proto == "HTTP/2.0" &&
		string(r.body) == msg && strings.HasPrefix(r.backend(), "web-h2#") && r.echoed("Proto") == "HTTP/2.0")
	const size = 1 << 20
	r, err = do(h2, http.MethodGet, hostH2, fmt.Sprint("/bytes/", size), "")
	if err == nil {
		n, perr := httppeer.CheckPattern(bytes.NewReader(r.body))
		detail := fmt.Sprintf("%d %d bytes, pattern intact", r.status, n)
		if perr != nil {
			detail = fmt.Sprintf("%d %v", r.status, perr)
		}
		fmt.Printf("%-6s %-44s -> %-40s %s\n", "http2", fmt.Sprintf("GET %s/bytes/%d", hostH2, size), r.backend(), detail)
		expect("http2 bytes", r.status == http.StatusOK && perr == nil && n == size)
	} else {
		show("http2", fmt.Sprintf("GET %s/bytes/%d", hostH2, size), r, err, "")
		expect("http2 bytes", false)
	}

	// Translation: the gateway speaks the cluster's protocol upstream.
	msg = "HTTP/1.1 in, HTTP/2 out"
	r, err = do(h1, http.MethodPost, hostH2, "/echo", msg)
	show("http1", "POST "+hostH2+"/echo (to the h2c backend)", r, err, saw(r))
	expect("http1 to http2", err == nil && r.status == http.StatusOK && r.proto == "HTTP/1.1" &&
		string(r.body) == msg && strings.HasPrefix(r.backend(), "web-h2#") && r.echoed("Proto") == "HTTP/2.0")
	msg = "HTTP/2 in, HTTP/1.1 out"
	r, err = do(h2, http.MethodPost, hostH1, "/echo", msg)
	show("http2", "POST "+hostH1+"/echo (to the h1 backends)", r, err, saw(r))
	expect("http2 to http1", err == nil && r.status == http.StatusOK && r.proto == "HTTP/2.0" &&
		string(r.body) == msg && strings.HasPrefix(r.backend(), "web-h1#") && r.echoed("Proto") == "HTTP/1.1")

	// A host no route names: the gateway answers.
	r, err = do(h1, http.MethodGet, "nowhere.demo.test", "/", "")
	show("http1", "GET nowhere.demo.test/", r, err, "")
	expect("http1 no route", err == nil && r.status == http.StatusNotFound && r.header.Get(httppeer.HeaderBackend) == "")

	runCurl(ctx, addr, expect)
}

// runCurl sends one request with curl (libcurl and nghttp2: an HTTP stack
// that is not Go's) over HTTP/1.1 and one with --http2-prior-knowledge.
func runCurl(ctx context.Context, addr string, expect func(string, bool)) {
	for _, c := range []struct {
		h2c         bool
		host, proto string
	}{{false, hostH1, "HTTP/1.1"}, {true, hostH2, "HTTP/2"}} {
		label, what := "http1", "curl --http1.1 POST "+c.host+"/echo"
		if c.h2c {
			label, what = "http2", "curl h2c POST "+c.host+"/echo"
		}
		msg := "hello from curl over " + c.proto
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		cr, err := httppeer.Curl(cctx, "http://"+addr+"/echo", c.h2c, "-H", "Host: "+c.host,
			"-H", "Content-Type: text/plain", "--data-binary", msg)
		cancel()
		if errors.Is(err, httppeer.ErrNoCurl) {
			fmt.Printf("%-6s %-44s -> curl not installed, skipped\n", "http", "curl (--http1.1, --http2-prior-knowledge)")
			return
		}
		if err != nil {
			fmt.Printf("%-6s %-44s -> error: %v\n", label, what, err)
			expect(what, false)
			continue
		}
		r := &httpResult{proto: cr.Proto, status: cr.StatusCode, header: cr.Header, body: cr.Body}
		fmt.Printf("%-6s %-44s -> %-40s %d %q (%s; backend saw %s)\n", label, what, r.backend(), r.status,
			printable(r.body), r.proto, r.echoed("Proto"))
		expect(what, r.status == http.StatusOK && r.proto == c.proto && string(r.body) == msg &&
			strings.HasPrefix(r.backend(), "web-h"))
	}
}
