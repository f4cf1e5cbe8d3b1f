package filter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/xprotocol"
)

func authChain(t *testing.T, m Metrics, settings string) *Chain {
	t.Helper()
	c, err := NewChain([]config.Filter{{Name: HeaderAuth, Config: js(settings)}}, Env{Listener: "edge", Metrics: m})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestHeaderAuth(t *testing.T) {
	m := newCounters()
	e := newEngine(authChain(t, m, `{"values": ["Bearer t1", "Bearer t2"]}`))

	tests := []struct {
		name    string
		proto   string
		headers []string
		want    Result
		msg     string
	}{
		{"first token (HTTP)", "http1", []string{"authorization", "Bearer t1"}, Continue, ""},
		{"second token (gRPC metadata)", "grpc", []string{"authorization", "Bearer t2"}, Continue, ""},
		{"Bolt header", "bolt", []string{"authorization", "Bearer t2"}, Continue, ""},
		{"wrong token", "http2", []string{"authorization", "Bearer t3"}, Stop, "unauthorized"},
		{"prefix of a token", "http1", []string{"authorization", "Bearer t"}, Stop, "unauthorized"},
		{"empty value", "http1", []string{"authorization", ""}, Stop, "unauthorized"},
		{"missing", "dubbo", []string{"x-other", "Bearer t1"}, Stop, "unauthorized"},
		{"thrift carries no headers: fail closed", "thrift", nil, Stop, "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.replies = nil
			assert.Equal(t, tt.want, e.request(newRequest(tt.proto, nil, tt.headers...)))
			if tt.want == Stop {
				require.Len(t, e.replies, 1)
				assert.Equal(t, xprotocol.StatusBadRequest, e.replies[0].status)
				assert.Equal(t, tt.msg, e.replies[0].msg)
			} else {
				assert.Empty(t, e.replies)
				assert.True(t, e.forwarded)
			}
		})
	}
	assert.Equal(t, 2, m.get(HeaderAuth, "missing"))
	assert.Equal(t, 3, m.get(HeaderAuth, "denied"))
}

func TestHeaderAuthOptions(t *testing.T) {
	// A name written in upper case still finds HTTP's lower-case field;
	// remove_header strips the secret before forwarding; status is chosen.
	e := newEngine(authChain(t, nil, `{"header": "X-Api-Key", "values": "k1", "remove_header": true, "status": "overload"}`))
	r := newRequest("http2", nil, "x-api-key", "k1", "x-keep", "1")
	assert.Equal(t, Continue, e.request(r))
	_, ok := r.Header().Get("x-api-key")
	assert.False(t, ok, "removed")
	_, ok = r.Header().Get("x-keep")
	assert.True(t, ok)

	// Exact-case headers (Bolt, Dubbo attachments) match as written.
	r = newRequest("bolt", nil, "X-Api-Key", "k1")
	assert.Equal(t, Continue, e.request(r))

	assert.Equal(t, Stop, e.request(newRequest("http2", nil, "x-api-key", "k2")))
	assert.Equal(t, xprotocol.StatusOverload, e.replies[0].status)
}
