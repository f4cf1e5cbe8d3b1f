package http2

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2/hpack"

	"github.com/xgate/xgate/xprotocol"
)

func TestServerAddsForwardedFields(t *testing.T) {
	for _, tc := range []struct {
		remote, prevFor, prevProto string
		secure                     bool
		wantFor, wantProto         string
	}{
		{"10.1.2.3:5555", "", "", false, "10.1.2.3", "http"},
		{"[2001:db8::1]:443", "203.0.113.7", "", true, "203.0.113.7, 2001:db8::1", "https"},
		{"10.1.2.3:5555", "", "https", false, "10.1.2.3", "http"},
	} {
		s := newSession(Name, xprotocol.SessionOptions{Role: xprotocol.RoleServer, RemoteAddr: tc.remote, Secure: tc.secure})
		var block []byte
		enc := hpack.NewEncoder(sliceWriter{&block})
		fields := []hpack.HeaderField{{Name: ":method", Value: "GET"}, {Name: ":scheme", Value: "http"},
			{Name: ":authority", Value: "example.com:8080"}, {Name: ":path", Value: "/"}}
		if tc.prevFor != "" {
			fields = append(fields, hpack.HeaderField{Name: "x-forwarded-for", Value: tc.prevFor})
		}
		if tc.prevProto != "" {
			fields = append(fields, hpack.HeaderField{Name: "x-forwarded-proto", Value: tc.prevProto})
		}
		for _, hf := range fields {
			require.NoError(t, enc.WriteField(hf))
		}
		in := append([]byte(clientPreface), 0, 0, 0, 4, 0, 0, 0, 0, 0) // empty SETTINGS
		in = append(in, byte(len(block)>>16), byte(len(block)>>8), byte(len(block)), 1, 0x5, 0, 0, 0, 1)
		in = append(in, block...)
		var f xprotocol.Frame
		for len(in) > 0 && f == nil {
			got, n, err := s.Decode(in)
			require.NoError(t, err)
			in, f = in[n:], got
		}
		require.NotNil(t, f)
		v, _ := f.Header().Get("x-forwarded-for")
		assert.Equal(t, tc.wantFor, string(v))
		v, _ = f.Header().Get("x-forwarded-proto")
		assert.Equal(t, tc.wantProto, string(v))
		assert.Equal(t, "example.com", string(f.Key(xprotocol.KeyService)), "the service key is the host without its port")
		f.Release()
	}
}

type sliceWriter struct{ b *[]byte }

func (w sliceWriter) Write(p []byte) (int, error) { *w.b = append(*w.b, p...); return len(p), nil }
