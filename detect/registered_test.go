package detect_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/dubbo"
	"github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/detect"
	"github.com/xgate/xgate/xprotocol"
)

type wireFrame interface {
	AppendBinary([]byte) ([]byte, error)
	Release()
}

// wireOf returns a frame's bytes; a build error panics (fixed test input).
func wireOf(f wireFrame, err error) []byte {
	if err != nil {
		panic(err)
	}
	b, err := f.AppendBinary(nil)
	if err != nil {
		panic(err)
	}
	f.Release()
	return b
}

// TestDetectEveryRegisteredProtocol gives the first bytes of a real client
// frame of every shipped protocol and wire variant to a detector over every
// registered protocol, one byte at a time as well as whole: the answer is
// always the right protocol, never another one.
func TestDetectEveryRegisteredProtocol(t *testing.T) {
	hdr := [][2]string{{"service", "com.example.EchoService"}, {"sofa_head_method_name", "echo"}}
	cases := []struct {
		name, want string
		wire       []byte
	}{
		{"bolt v1 request", "bolt", wireOf(bolt.Build(bolt.Message{Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 1, Headers: hdr}))},
		{"bolt v1 heartbeat", "bolt", wireOf(bolt.Build(bolt.Message{Type: bolt.TypeRequest, Code: bolt.CodeHeartbeat, ID: 1}))},
		{"bolt v1 oneway", "bolt", wireOf(bolt.Build(bolt.Message{Type: bolt.TypeOneway, Code: bolt.CodeRequest, ID: 1}))},
		{"bolt v2 request", "bolt", wireOf(bolt.Build(bolt.Message{Proto: bolt.ProtoV2, Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 1, Headers: hdr}))},
		{"bolt v2 request crc", "bolt", wireOf(bolt.Build(bolt.Message{Proto: bolt.ProtoV2, CRC: true, Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 1}))},
		{"dubbo request", "dubbo", wireOf(dubbo.BuildRequest(dubbo.Request{ID: 1, Path: "com.example.Demo", Method: "echo", ParamTypes: "Ljava/lang/String;", Args: []any{"x"}}))},
		{"dubbo oneway", "dubbo", wireOf(dubbo.BuildRequest(dubbo.Request{ID: 1, Oneway: true, Path: "com.example.Demo", Method: "echo"}))},
		{"dubbo heartbeat", "dubbo", wireOf(dubbo.NewHeartbeat(1), error(nil))},
	}
	for _, v := range thrift.AllVariants() {
		for _, typ := range []thrift.MessageType{thrift.TypeCall, thrift.TypeOneway} {
			cases = append(cases, struct {
				name, want string
				wire       []byte
			}{
				"thrift " + v.String(), "thrift",
				wireOf(thrift.Build(thrift.Message{Variant: v, Type: typ, Name: "Echo:echo", SeqID: 1})),
			})
		}
		// A framed message whose length looks like a Bolt or Dubbo start.
		if v.Framed() {
			long := make([]byte, 0x0100_0000-64)
			cases = append(cases, struct {
				name, want string
				wire       []byte
			}{
				"thrift " + v.String() + " 16MiB", "thrift",
				wireOf(thrift.Build(thrift.Message{Variant: v, Type: thrift.TypeCall, Name: "m", SeqID: 1, Body: long})),
			})
		}
	}
	d := detect.New(xprotocol.Detectable(), 64)
	require.GreaterOrEqual(t, len(xprotocol.Detectable()), 3)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, res := d.Detect(c.wire)
			require.Equal(t, xprotocol.MatchYes, res, "% x", c.wire[:min(len(c.wire), 16)])
			assert.Equal(t, c.want, p.Name())
			for i := 0; i < min(len(c.wire), 64); i++ {
				p, res := d.Detect(c.wire[:i])
				if res == xprotocol.MatchYes {
					assert.Equal(t, c.want, p.Name(), "prefix of %d bytes", i)
				} else {
					assert.Equal(t, xprotocol.MatchNeedMore, res, "prefix of %d bytes rejected", i)
				}
			}
		})
	}
	// Bytes of protocols that are not (yet) registered must not be claimed.
	for _, other := range []string{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"} {
		if _, res := d.Detect([]byte(other)); res == xprotocol.MatchYes {
			p, _ := d.Detect([]byte(other))
			t.Errorf("%q claimed by %s", other, p.Name())
		}
	}
}
