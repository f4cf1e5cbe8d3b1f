package toyrpc_test

import (
	"encoding/binary"
	"testing"

	_ "github.com/xgate/xgate/codecs/all" // detection is checked against every shipped protocol
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/examples/codecs/toyrpc"
	"github.com/xgate/xgate/xprotocol"
)

// TestConformance runs the shared codec kit: round trips, every split,
// 1,000 frames per read, stream-id rewrite, error replies, heartbeats,
// detection against every shipped protocol, and refusals.
func TestConformance(t *testing.T) {
	frames := goldens(t)
	head := frames[1].Wire[:toyrpc.HeaderLen]
	patched := func(off int, b byte) []byte {
		w := append([]byte(nil), frames[1].Wire...)
		w[off] = b
		return w
	}
	conformance.RunWith(t, toyrpc.Proto, frames, conformance.Options{
		LengthClaim: func(n int) conformance.Bad {
			claim := append([]byte(nil), head...)
			binary.BigEndian.PutUint32(claim[12:], uint32(n))
			return conformance.Bad{Name: "length 1 GiB", Role: xprotocol.RoleServer, Wire: claim}
		},
		Bad: []conformance.Bad{
			{Name: "bad magic", Role: xprotocol.RoleServer, Wire: patched(3, '2'), Want: xprotocol.ErrMalformed},
			{Name: "bad version", Role: xprotocol.RoleServer, Wire: patched(4, 2), Want: xprotocol.ErrMalformed},
			{Name: "unknown flag", Role: xprotocol.RoleServer, Wire: patched(5, 0x80), Want: xprotocol.ErrMalformed},
			{Name: "oneway response", Role: xprotocol.RoleClient, Wire: patched(5, toyrpc.FlagResponse|toyrpc.FlagOneway), Want: xprotocol.ErrMalformed},
			{Name: "service overruns", Role: xprotocol.RoleServer, Wire: patched(16, 0xff), Want: xprotocol.ErrMalformed},
			{Name: "over a 32-byte limit", Role: xprotocol.RoleServer, Wire: frames[1].Wire, MaxFrameSize: 32, Want: xprotocol.ErrFrameTooLarge},
			{Name: "header in progress", Role: xprotocol.RoleServer, Wire: head[:15], Want: xprotocol.ErrIncomplete},
		},
	})
}
