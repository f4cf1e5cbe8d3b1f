// Package http1test holds what the tests of codecs/http1 share with the fuzz
// targets: a model of which raw requests Go's net/http server accepts, and a
// generator of tricky raw requests. Like net/http/httptest, it is for tests
// only.
package http1test

import (
	"bufio"
	"bytes"
	"net/http"
	"net/textproto"
	"strings"
)

// NetHTTPAccepts reports whether Go's net/http server would hand the request
// at the front of raw to its handler: http.ReadRequest (which parses the
// request-line, header fields and framing), then the checks the server's
// conn.readRequest adds on top (net/http/server.go): the version, Host
// presence for HTTP/1.1 but CONNECT, the Host value, field names and values.
// The Host presence is read with net/textproto's ReadMIMEHeader, the same
// code ReadRequest uses, since ReadRequest deletes Host from the header.
//
// The server's 417 for an unknown Expect is not modelled: it is a reply,
// not a parse decision.
func NetHTTPAccepts(raw []byte) bool {
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return false
	}
	h2Upgrade := req.ProtoMajor == 2 && req.ProtoMinor == 0 && req.Method == "PRI" && req.RequestURI == "*"
	if req.ProtoMajor != 1 && !h2Upgrade {
		return false
	}
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	if _, err := tp.ReadLine(); err != nil {
		return false
	}
	hdr, err := tp.ReadMIMEHeader()
	if err != nil {
		return false
	}
	hosts, haveHost := hdr["Host"]
	if req.ProtoAtLeast(1, 1) && (!haveHost || len(hosts) == 0) && !(h2Upgrade && len(hdr) == 0) && req.Method != "CONNECT" {
		return false
	}
	if len(hosts) == 1 && !validHostHeader(hosts[0]) {
		return false
	}
	for k, vv := range hdr {
		if !validFieldName(k) {
			return false
		}
		for _, v := range vv {
			if !validFieldValue(v) {
				return false
			}
		}
	}
	return true
}

// validHostHeader is httpguts.ValidHostHeader: any byte of the characters
// a Host may hold, in any order.
func validHostHeader(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' ||
			strings.IndexByte("!$%&()*+,-.:;=['_~]", c) >= 0) {
			return false
		}
	}
	return true
}

// validFieldName is httpguts.ValidHeaderFieldName: a token.
func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// validFieldValue is httpguts.ValidHeaderFieldValue: no CTL but SP and HTAB.
func validFieldValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < ' ' || c == 0x7f) && c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}
