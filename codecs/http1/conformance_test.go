package http1_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/http1"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xprotocol"
)

// wireless adapts the protocol to the conformance kit, whose stream-id and
// concatenation checks assume the id travels on the wire. HTTP/1.x has
// none: a server session numbers requests 1, 2, 3… per connection and a
// client session gives a response its request's id. So the adapter pins
// every decoded id to 1 (what a fresh session gives the first message) and
// reports MaxStreamID 1, which turns the kit's rewrite check into "setting
// the id leaves the bytes alone". TestStreamIDs checks the real numbering.
type wireless struct{ xprotocol.Protocol }

func (wireless) MaxStreamID() uint64 { return 1 }

func (w wireless) NewSession(o xprotocol.SessionOptions) xprotocol.Session {
	return pinned{w.Protocol.NewSession(o)}
}

type pinned struct{ xprotocol.Session }

func (p pinned) Decode(src []byte) (xprotocol.Frame, int, error) {
	f, n, err := p.Session.Decode(src)
	if f != nil {
		f.SetStreamID(1)
	}
	return f, n, err
}

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

func TestConformance(t *testing.T) {
	conformance.Run(t, wireless{http1.Proto}, goldens(t))
}
