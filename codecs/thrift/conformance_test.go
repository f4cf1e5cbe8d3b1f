package thrift_test

import (
	"encoding/binary"
	"testing"

	athrift "github.com/apache/thrift/lib/go/thrift"

	_ "github.com/xgate/xgate/codecs/all" // detection is checked against every shipped protocol
	"github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/conformance/thrift/gen-go/echo"
	"github.com/xgate/xgate/xprotocol"
)

// TestConformance runs the kit over library-written frames of each
// variant. Compact seqids are 5-byte varints (≥ 2^28) because the kit
// renumbers to MaxStreamID and expects the length to stay; length changes
// are covered by TestSetStreamIDAllVariants. The kit's error-reply check
// holds for every status: FieldGatewayStatus carries it exactly.
func TestConformance(t *testing.T) {
	for _, v := range thrift.AllVariants() {
		t.Run(v.String(), func(t *testing.T) {
			base := int32(42)
			if v.Compact() {
				base = 1 << 28
			}
			g := func(name string, role xprotocol.Role, kind xprotocol.Kind, seq int32, m libMsg) conformance.Golden {
				m.seqid = seq
				return conformance.Golden{Name: name, Role: role, Kind: kind, StreamID: uint64(seq), Wire: libWrite(t, v, m)}
			}
			frames := []conformance.Golden{
				g("call", xprotocol.RoleServer, xprotocol.KindRequest, base,
					libMsg{name: "echo", typ: athrift.CALL, body: &echo.EchoEchoArgs{Msg: "payload"}}),
				g("call-multiplexed", xprotocol.RoleServer, xprotocol.KindRequest, base+1,
					libMsg{name: "mirror", typ: athrift.CALL, body: &echo.EchoMirrorArgs{B: bundle(3, true)}, service: "Echo"}),
				g("oneway", xprotocol.RoleServer, xprotocol.KindOneway, base+2,
					libMsg{name: "fire", typ: athrift.ONEWAY, body: &echo.EchoFireArgs{Msg: "fire"}, service: "Echo"}),
				g("reply", xprotocol.RoleClient, xprotocol.KindResponse, base,
					libMsg{name: "echo", typ: athrift.REPLY, body: &echo.EchoEchoResult{Success: ptr("payload")}}),
				g("reply-declared-exception", xprotocol.RoleClient, xprotocol.KindResponse, base+3,
					libMsg{name: "fail", typ: athrift.REPLY, body: &echo.EchoFailResult{Err: &echo.EchoError{Code: 1, Message: "no"}}}),
				g("exception", xprotocol.RoleClient, xprotocol.KindResponse, base+4,
					libMsg{name: "nope", typ: athrift.EXCEPTION, body: athrift.NewTApplicationException(athrift.UNKNOWN_METHOD, "nope")}),
			}
			opts := conformance.Options{}
			if v.Framed() {
				// A frame length claiming n bytes ahead of a message start.
				head := append([]byte(nil), frames[0].Wire[:16]...)
				opts.LengthClaim = func(n int) conformance.Bad {
					claim := append([]byte(nil), head...)
					binary.BigEndian.PutUint32(claim, uint32(n))
					return conformance.Bad{Name: "frame length 1 GiB", Role: xprotocol.RoleServer, Wire: claim}
				}
			}
			conformance.RunWith(t, thrift.Proto, frames, opts)
		})
	}
}
