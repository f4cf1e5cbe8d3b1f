package dubbo_test

import (
	"encoding/binary"
	"testing"

	_ "github.com/xgate/xgate/codecs/all" // detection is checked against every shipped protocol
	"github.com/xgate/xgate/codecs/dubbo"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xprotocol"
)

// TestConformance runs the shared codec kit over frames written by the
// library (dubbo-go's codec), not by this package.
func TestConformance(t *testing.T) {
	var frames []conformance.Golden
	for _, g := range libGoldens() {
		role := xprotocol.RoleServer
		if g.kind == xprotocol.KindResponse {
			role = xprotocol.RoleClient
		}
		frames = append(frames, conformance.Golden{Name: g.name, Wire: g.wire(t), Role: role, Kind: g.kind, StreamID: g.id})
	}
	head := append([]byte(nil), frames[0].Wire[:16]...) // the 16-byte header of a request
	badMagic := append([]byte(nil), frames[0].Wire...)
	badMagic[1] = 0x00
	conformance.RunWith(t, dubbo.Proto, frames, conformance.Options{
		LengthClaim: func(n int) conformance.Bad {
			claim := append([]byte(nil), head...)
			binary.BigEndian.PutUint32(claim[12:], uint32(n)) // body length
			return conformance.Bad{Name: "body length 1 GiB", Role: xprotocol.RoleServer, Wire: claim}
		},
		Bad: []conformance.Bad{
			{Name: "bad magic", Role: xprotocol.RoleServer, Wire: badMagic, Want: xprotocol.ErrMalformed},
			{Name: "header in progress", Role: xprotocol.RoleServer, Wire: head[:15], Want: xprotocol.ErrIncomplete},
		},
	})
}
