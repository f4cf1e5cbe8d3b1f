package bolt_test

import (
	"encoding/binary"
	"testing"
	"time"

	_ "github.com/xgate/xgate/codecs/all" // detection is checked against every shipped protocol
	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xprotocol"
)

func frameBytes(t *testing.T, f *bolt.Frame) []byte {
	t.Helper()
	b, err := f.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Release()
	return b
}

// kitOptions gives the kit a Bolt v1 request header claiming a content of
// n bytes, and input that must be refused.
func kitOptions(t *testing.T) conformance.Options {
	head := frameBytes(t, bolt.NewRequest(1, "", nil, nil, 0)) // 22 bytes: the fixed header alone
	badType := append([]byte(nil), head...)
	badType[1] = 7 // no such command type
	return conformance.Options{
		LengthClaim: func(n int) conformance.Bad {
			claim := append([]byte(nil), head...)
			binary.BigEndian.PutUint32(claim[18:], uint32(n)) // contentLen
			return conformance.Bad{Name: "contentLen 1 GiB", Role: xprotocol.RoleServer, Wire: claim}
		},
		Bad: []conformance.Bad{
			{Name: "unknown type", Role: xprotocol.RoleServer, Wire: badType, Want: xprotocol.ErrMalformed},
			{Name: "unknown proto byte", Role: xprotocol.RoleServer, Wire: []byte{0x09, 1, 0, 1}, Want: xprotocol.ErrMalformed},
			{Name: "fixed header in progress", Role: xprotocol.RoleServer, Wire: head[:21], Want: xprotocol.ErrIncomplete},
		},
	}
}

func TestConformance(t *testing.T) {
	hdr := [][2]string{{"service", "com.example.EchoService"}, {"sofa_head_method_name", "echo"}}
	frames := []conformance.Golden{
		{Name: "request", Role: xprotocol.RoleServer, Kind: xprotocol.KindRequest, StreamID: 42,
			Wire: frameBytes(t, bolt.NewRequest(42, "java.lang.String", hdr, []byte("payload"), 3*time.Second))},
		{Name: "oneway", Role: xprotocol.RoleServer, Kind: xprotocol.KindOneway, StreamID: 43,
			Wire: frameBytes(t, bolt.NewOneway(43, "java.lang.String", hdr, []byte("fire")))},
		{Name: "heartbeat", Role: xprotocol.RoleServer, Kind: xprotocol.KindRequest, StreamID: 44,
			Wire: frameBytes(t, bolt.NewHeartbeat(44))},
		{Name: "response", Role: xprotocol.RoleClient, Kind: xprotocol.KindResponse, StreamID: 42,
			Wire: frameBytes(t, bolt.NewResponse(42, bolt.StatusSuccess, "java.lang.String", nil, []byte("payload")))},
		{Name: "error-response", Role: xprotocol.RoleClient, Kind: xprotocol.KindResponse, StreamID: 45,
			Wire: frameBytes(t, bolt.NewResponse(45, bolt.StatusServerException, "", nil, nil))},
	}
	conformance.RunWith(t, bolt.Proto, frames, kitOptions(t))
}

// TestConformanceV2 runs the kit over Bolt v2 frames, without and with a
// CRC32: the stream-id check decodes the renumbered frame in a fresh session,
// so it fails unless SetStreamID keeps the CRC32 valid, and the error-reply
// check decodes v2 replies.
func TestConformanceV2(t *testing.T) {
	hdr := [][2]string{{"service", "com.example.EchoService"}, {"sofa_head_method_name", "echo"}}
	build := func(m bolt.Message) []byte {
		f, err := bolt.Build(m)
		if err != nil {
			t.Fatal(err)
		}
		return frameBytes(t, f)
	}
	for name, crc := range map[string]bool{"no-crc": false, "crc": true} {
		t.Run(name, func(t *testing.T) {
			v2 := func(m bolt.Message) []byte {
				m.Proto, m.CRC = bolt.ProtoV2, crc
				return build(m)
			}
			frames := []conformance.Golden{
				{Name: "request", Role: xprotocol.RoleServer, Kind: xprotocol.KindRequest, StreamID: 42,
					Wire: v2(bolt.Message{Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 42, Timeout: 3 * time.Second,
						Class: "java.lang.String", Headers: hdr, Content: []byte("payload")})},
				{Name: "oneway", Role: xprotocol.RoleServer, Kind: xprotocol.KindOneway, StreamID: 43,
					Wire: v2(bolt.Message{Type: bolt.TypeOneway, Code: bolt.CodeRequest, ID: 43,
						Class: "java.lang.String", Headers: hdr, Content: []byte("fire")})},
				{Name: "heartbeat", Role: xprotocol.RoleServer, Kind: xprotocol.KindRequest, StreamID: 44,
					Wire: v2(bolt.Message{Type: bolt.TypeRequest, Code: bolt.CodeHeartbeat, ID: 44})},
				{Name: "response", Role: xprotocol.RoleClient, Kind: xprotocol.KindResponse, StreamID: 42,
					Wire: v2(bolt.Message{Type: bolt.TypeResponse, Code: bolt.CodeResponse, ID: 42,
						Class: "java.lang.String", Content: []byte("payload")})},
				{Name: "error-response", Role: xprotocol.RoleClient, Kind: xprotocol.KindResponse, StreamID: 45,
					Wire: v2(bolt.Message{Type: bolt.TypeResponse, Code: bolt.CodeResponse, ID: 45,
						Status: bolt.StatusServerException})},
				{Name: "heartbeat-ack", Role: xprotocol.RoleClient, Kind: xprotocol.KindResponse, StreamID: 44,
					Wire: v2(bolt.Message{Type: bolt.TypeResponse, Code: bolt.CodeHeartbeat, ID: 44})},
			}
			conformance.RunWith(t, bolt.Proto, frames, kitOptions(t))
		})
	}
}

// TestConformanceMixed runs the kit over Bolt v1 and v2 frames together, so
// its 1,000-frame streams interleave both layouts on one connection.
func TestConformanceMixed(t *testing.T) {
	hdr := [][2]string{{"service", "com.example.EchoService"}, {"sofa_head_method_name", "echo"}}
	v2crc, err := bolt.Build(bolt.Message{Proto: bolt.ProtoV2, CRC: true, Type: bolt.TypeRequest, Code: bolt.CodeRequest,
		ID: 52, Class: "java.lang.String", Headers: hdr, Content: []byte("v2")})
	if err != nil {
		t.Fatal(err)
	}
	v2resp, err := bolt.Build(bolt.Message{Proto: bolt.ProtoV2, Type: bolt.TypeResponse, Code: bolt.CodeResponse,
		ID: 52, Content: []byte("v2")})
	if err != nil {
		t.Fatal(err)
	}
	frames := []conformance.Golden{
		{Name: "v1-request", Role: xprotocol.RoleServer, Kind: xprotocol.KindRequest, StreamID: 51,
			Wire: frameBytes(t, bolt.NewRequest(51, "java.lang.String", hdr, []byte("v1"), time.Second))},
		{Name: "v2-crc-request", Role: xprotocol.RoleServer, Kind: xprotocol.KindRequest, StreamID: 52, Wire: frameBytes(t, v2crc)},
		{Name: "v1-response", Role: xprotocol.RoleClient, Kind: xprotocol.KindResponse, StreamID: 51,
			Wire: frameBytes(t, bolt.NewResponse(51, bolt.StatusSuccess, "", nil, []byte("v1")))},
		{Name: "v2-response", Role: xprotocol.RoleClient, Kind: xprotocol.KindResponse, StreamID: 52, Wire: frameBytes(t, v2resp)},
	}
	conformance.RunWith(t, bolt.Proto, frames, kitOptions(t))
}
