package detect_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xhttp2 "golang.org/x/net/http2"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/dubbo"
	_ "github.com/xgate/xgate/codecs/http1"
	_ "github.com/xgate/xgate/codecs/http2"
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
	// HTTP/1.1 request lines as net/http writes them, for every method an
	// auto listener detects; HTTP/2 as x/net's Framer starts a connection.
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH"} {
		req, err := http.NewRequest(m, "http://example.com/a?b=c", nil)
		require.NoError(t, err)
		var buf bytes.Buffer
		require.NoError(t, req.Write(&buf))
		cases = append(cases, struct {
			name, want string
			wire       []byte
		}{"http1 " + m, "http1", buf.Bytes()})
	}
	var h2 bytes.Buffer
	h2.WriteString(xhttp2.ClientPreface)
	require.NoError(t, xhttp2.NewFramer(&h2, nil).WriteSettings(xhttp2.Setting{ID: xhttp2.SettingInitialWindowSize, Val: 1 << 20}))
	cases = append(cases, struct {
		name, want string
		wire       []byte
	}{"http2 preface", "http2", h2.Bytes()})
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
	// Bytes of protocols that are not registered must not be claimed: a TLS
	// ClientHello (TLS is a listener setting, not a detected protocol), an
	// HTTP/1 method outside the detected set, SSH and RESP.
	for _, other := range []string{"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "PROPFIND / HTTP/1.1\r\n", "SSH-2.0-OpenSSH_9.2\r\n", "*1\r\n$4\r\nPING\r\n"} {
		if _, res := d.Detect([]byte(other)); res == xprotocol.MatchYes {
			p, _ := d.Detect([]byte(other))
			t.Errorf("%q claimed by %s", other, p.Name())
		}
	}
}
