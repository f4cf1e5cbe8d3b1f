package http2

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	"github.com/xgate/xgate/xprotocol"
)

// TestHeaderCountLimit: a request with more regular fields than
// SessionOptions.MaxHeaderCount gets a 431 and the connection goes on; one
// at the limit is handed on.
func TestHeaderCountLimit(t *testing.T) {
	const limit = 5
	withFields := func(n int) []string {
		fields := append([]string(nil), getReq...)
		for i := range n {
			fields = append(fields, fmt.Sprintf("x-f%d", i), "v")
		}
		return fields
	}
	p := newPeer(t, xprotocol.RoleServer, xprotocol.SessionOptions{MaxHeaderCount: limit})
	regular := 0
	for i := 0; i < len(getReq); i += 2 {
		if getReq[i][0] != ':' {
			regular++
		}
	}
	p.headers(1, true, withFields(limit-regular)...)
	fs := p.mustFeed()
	require.Len(t, fs, 1, "a request at the limit is handed on")
	releaseAll(fs)

	p.headers(3, true, withFields(limit-regular+1)...)
	fs = p.mustFeed()
	assert.Empty(t, fs, "a request over the limit is not handed on")
	var refused bool
	for _, f := range p.output() {
		if h, ok := f.(*http2.HeadersFrame); ok && h.StreamID == 3 {
			refused = true
			assert.True(t, h.StreamEnded())
		}
	}
	assert.True(t, refused, "431 response sent on stream 3")

	p.headers(5, true)
	fs = p.mustFeed()
	require.Len(t, fs, 1, "the connection goes on")
	releaseAll(fs)
}
