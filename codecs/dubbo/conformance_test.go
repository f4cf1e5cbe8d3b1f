package dubbo_test

import (
	"testing"

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
	conformance.Run(t, dubbo.Proto, frames)
}
