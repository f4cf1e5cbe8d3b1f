package http1_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	_ "github.com/xgate/xgate/codecs/all" // detection is checked against every shipped protocol
	"github.com/xgate/xgate/codecs/http1"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xprotocol"
)

// netHTTPRequest returns the bytes net/http's Request.Write puts on the wire.
func netHTTPRequest(t testing.TB, method, url, body string, hdr ...string) []byte {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	var b bytes.Buffer
	require.NoError(t, req.Write(&b))
	return b.Bytes()
}

// netHTTPResponse returns the bytes net/http's Response.Write puts on the wire.
func netHTTPResponse(t testing.TB, code int, body string, hdr ...string) []byte {
	t.Helper()
	resp := &http.Response{StatusCode: code, ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{},
		ContentLength: int64(len(body)), Body: io.NopCloser(strings.NewReader(body))}
	for i := 0; i+1 < len(hdr); i += 2 {
		resp.Header.Add(hdr[i], hdr[i+1])
	}
	var b bytes.Buffer
	require.NoError(t, resp.Write(&b))
	return b.Bytes()
}

func goldens(t testing.TB) []conformance.Golden {
	req := func(name string, wire []byte) conformance.Golden {
		return conformance.Golden{Name: name, Wire: wire, Role: xprotocol.RoleServer, Kind: xprotocol.KindRequest, StreamID: 1}
	}
	resp := func(name string, wire []byte) conformance.Golden {
		return conformance.Golden{Name: name, Wire: wire, Role: xprotocol.RoleClient, Kind: xprotocol.KindResponse, StreamID: 1}
	}
	return []conformance.Golden{
		req("get", netHTTPRequest(t, "GET", "http://example.com/search?q=xgate", "", "Accept", "text/html", "X-Trace", "abc")),
		req("post", netHTTPRequest(t, "POST", "http://api.example.com:8080/v1/echo", `{"msg":"hello"}`, "Content-Type", "application/json")),
		req("put-empty", netHTTPRequest(t, "PUT", "http://example.com/k", "")),
		req("delete", netHTTPRequest(t, "DELETE", "http://[::1]:9000/item/7", "")),
		req("options", netHTTPRequest(t, "OPTIONS", "http://example.com/", "")),
		resp("ok", netHTTPResponse(t, 200, "payload", "Content-Type", "text/plain")),
		resp("not-found", netHTTPResponse(t, 404, "no such page\n")),
		resp("no-content", netHTTPResponse(t, 204, "")),
		resp("unavailable", netHTTPResponse(t, 503, "busy", "Retry-After", "5")),
		resp("empty-ok", netHTTPResponse(t, 200, "")),
	}
}

// TestConformance runs the kit on the codec itself. HTTP/1.1 has no
// stream id on the wire (a server session numbers requests 1, 2, 3… per
// connection; TestStreamIDs checks that numbering) and streams bodies in
// frames bounded by the frame limit, so the kit is told both.
func TestConformance(t *testing.T) {
	conformance.RunWith(t, http1.Proto, goldens(t), conformance.Options{
		NoWireStreamID: true,
		Streaming:      true,
		LengthClaim: func(n int) conformance.Bad {
			return conformance.Bad{Name: "content-length 1 GiB", Role: xprotocol.RoleServer,
				Wire: []byte(fmt.Sprintf("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\npartial body", n))}
		},
		Bad: []conformance.Bad{
			{Name: "cl-and-te", Role: xprotocol.RoleServer, Want: xprotocol.ErrMalformed,
				Wire: []byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")},
			{Name: "bare-lf-in-name", Role: xprotocol.RoleServer, Want: xprotocol.ErrMalformed,
				Wire: []byte("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n")},
			{Name: "head-over-64KiB", Role: xprotocol.RoleServer, Want: xprotocol.ErrFrameTooLarge,
				Wire: []byte("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + strings.Repeat("a", 70<<10) + "\r\n\r\n")},
			{Name: "head-in-progress", Role: xprotocol.RoleServer, Want: xprotocol.ErrIncomplete,
				Wire: []byte("GET / HTTP/1.1\r\nHost: a\r\n")},
		},
	})
}
