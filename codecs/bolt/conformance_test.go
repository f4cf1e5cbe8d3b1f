package bolt_test

import (
	"testing"
	"time"

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
	conformance.Run(t, bolt.Proto, frames)
}
