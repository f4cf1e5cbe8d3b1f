package http2_test

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xprotocol"
)

// golden is one vector: the fields, stream and flags it was built from.
type golden struct {
	name   string
	role   xprotocol.Role
	kind   xprotocol.Kind
	id     uint32
	end    bool
	fields [][2]string
}

// goldenVectors are written by x/net/http2's Framer and a fresh hpack
// Encoder each, not by this codec.
var goldenVectors = []golden{
	{"grpc_unary_request", xprotocol.RoleServer, xprotocol.KindRequest, 1, false, [][2]string{
		{":method", "POST"}, {":scheme", "http"}, {":path", "/helloworld.Greeter/SayHello"},
		{":authority", "localhost:50051"}, {"content-type", "application/grpc"}, {"user-agent", "grpc-go/1.79.1"},
		{"te", "trailers"}, {"grpc-timeout", "999999u"}}},
	{"http_get", xprotocol.RoleServer, xprotocol.KindRequest, 3, true, [][2]string{
		{":method", "GET"}, {":scheme", "https"}, {":authority", "example.com"}, {":path", "/index.html?q=1"},
		{"accept", "*/*"}, {"accept-encoding", "gzip, deflate"}}},
	{"http_post_continuation", xprotocol.RoleServer, xprotocol.KindRequest, 5, false, [][2]string{
		{":method", "POST"}, {":scheme", "http"}, {":authority", "api.example.com:8080"}, {":path", "/upload"},
		{"content-type", "application/json"}, {"x-big", strings.Repeat("0123456789", 2000)}}},
	{"grpc_response", xprotocol.RoleClient, xprotocol.KindResponse, 1, false, [][2]string{
		{":status", "200"}, {"content-type", "application/grpc"}}},
	{"grpc_trailers_only", xprotocol.RoleClient, xprotocol.KindResponse, 3, true, [][2]string{
		{":status", "200"}, {"content-type", "application/grpc"}, {"grpc-status", "14"}, {"grpc-message", "backend down"}}},
	{"http_404", xprotocol.RoleClient, xprotocol.KindResponse, 5, true, [][2]string{
		{":status", "404"}, {"content-length", "0"}, {"server", "x/net"}}},
}

// xnetHeaders writes fields as HEADERS (+CONTINUATION at 16384 bytes) with
// x/net's Framer and a fresh hpack Encoder.
func xnetHeaders(t testing.TB, id uint32, end bool, fields [][2]string) []byte {
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range fields {
		if err := enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]}); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	fr := http2.NewFramer(&out, nil)
	b := block.Bytes()
	first := b[:min(len(b), 16384)]
	rest := b[len(first):]
	if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: first, EndStream: end, EndHeaders: len(rest) == 0}); err != nil {
		t.Fatal(err)
	}
	for len(rest) > 0 {
		n := min(len(rest), 16384)
		if err := fr.WriteContinuation(id, n == len(rest), rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	return out.Bytes()
}

func goldenFrames(t testing.TB) []conformance.Golden {
	var out []conformance.Golden
	for _, g := range goldenVectors {
		out = append(out, conformance.Golden{Name: g.name, Wire: xnetHeaders(t, g.id, g.end, g.fields),
			Role: g.role, Kind: g.kind, StreamID: uint64(g.id)})
	}
	return out
}

// TestGoldenFiles keeps testdata/*.hex (the fuzz seeds) equal to what
// x/net writes; XGATE_UPDATE_GOLDEN=1 rewrites them.
func TestGoldenFiles(t *testing.T) {
	for _, g := range goldenFrames(t) {
		path := filepath.Join("testdata", g.Name+".hex")
		if os.Getenv("XGATE_UPDATE_GOLDEN") != "" {
			var b strings.Builder
			b.WriteString("# " + g.Name + ": written by x/net/http2 Framer + hpack Encoder (see golden_test.go)\n")
			h := hex.EncodeToString(g.Wire)
			for len(h) > 64 {
				b.WriteString(h[:64] + "\n")
				h = h[64:]
			}
			b.WriteString(h + "\n")
			if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got := conformance.ReadHex(t, path); !bytes.Equal(got, g.Wire) {
			t.Errorf("%s differs from x/net's encoding; regenerate with XGATE_UPDATE_GOLDEN=1", path)
		}
	}
}
