package toyrpc_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/examples/codecs/toyrpc"
	"github.com/xgate/xgate/xprotocol"
)

// echoRequestHex is a request written by hand from the layout in doc.go,
// not by this package: service "toy.Echo", method "echo", one header
// timeout-ms: 250, body "hi", stream 7.
const echoRequestHex = `
54 4f 59 31  01  00  00 00 00 07  00 00  00 00 00 25
00 08 74 6f 79 2e 45 63 68 6f
00 04 65 63 68 6f
00 01  00 0a 74 69 6d 65 6f 75 74 2d 6d 73  00 03 32 35 30
68 69`

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wire(t testing.TB, m toyrpc.Message) []byte {
	t.Helper()
	b, err := toyrpc.AppendMessage(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// goldens are the vectors both kits run on.
func goldens(t testing.TB) []conformance.Golden {
	hdr := [][2]string{{"trace-id", "abc"}, {"x-tenant", "blue"}}
	req := func(name string, kind xprotocol.Kind, id uint64, b []byte) conformance.Golden {
		return conformance.Golden{Name: name, Role: xprotocol.RoleServer, Kind: kind, StreamID: id, Wire: b}
	}
	resp := func(name string, id uint64, b []byte) conformance.Golden {
		return conformance.Golden{Name: name, Role: xprotocol.RoleClient, Kind: xprotocol.KindResponse, StreamID: id, Wire: b}
	}
	return []conformance.Golden{
		req("hand-written-request", xprotocol.KindRequest, 7, unhex(t, echoRequestHex)),
		req("request", xprotocol.KindRequest, 42, wire(t, toyrpc.Message{ID: 42, Service: "toy.Echo", Method: "echo", Headers: hdr, Body: []byte("payload")})),
		req("oneway", xprotocol.KindOneway, 43, wire(t, toyrpc.Message{Type: toyrpc.TypeOneway, ID: 43, Service: "toy.Log", Method: "write", Body: []byte("fire")})),
		req("heartbeat", xprotocol.KindRequest, 44, wire(t, toyrpc.Message{Heartbeat: true, ID: 44})),
		req("empty", xprotocol.KindRequest, 0, wire(t, toyrpc.Message{})),
		resp("response", 42, wire(t, toyrpc.Message{Type: toyrpc.TypeResponse, ID: 42, Service: "toy.Echo", Method: "echo", Headers: hdr, Body: []byte("payload")})),
		resp("error-response", 45, wire(t, toyrpc.Message{Type: toyrpc.TypeResponse, ID: 45, Code: toyrpc.CodeUnavailable, Body: []byte("down")})),
		resp("heartbeat-reply", 44, wire(t, toyrpc.Message{Type: toyrpc.TypeResponse, Heartbeat: true, ID: 44})),
	}
}

// TestHandWrittenMatchesBuilder: the builder writes the hand-assembled bytes.
func TestHandWrittenMatchesBuilder(t *testing.T) {
	got := wire(t, toyrpc.Message{ID: 7, Service: "toy.Echo", Method: "echo",
		Headers: [][2]string{{"timeout-ms", "250"}}, Body: []byte("hi")})
	if want := unhex(t, echoRequestHex); string(got) != string(want) {
		t.Fatalf("builder:\n got %x\nwant %x", got, want)
	}
}
