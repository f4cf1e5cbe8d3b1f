package config

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func limitsDoc(keys string) string {
	return `
listeners:
  - name: edge
    address: 127.0.0.1:2045
` + keys + `
    routes: [{cluster: up}]
clusters:
  - name: up
    endpoints: [127.0.0.1:12200]
`
}

func TestParseListenerLimits(t *testing.T) {
	c, err := Parse([]byte(limitsDoc("")), testProtocols)
	require.NoError(t, err)
	l := c.Listeners[0]
	assert.Equal(t, DefaultMaxHeaderCount, l.MaxHeaderCount)
	assert.Equal(t, DefaultMaxConcurrentStreams, l.MaxConcurrentStreams)
	assert.Equal(t, 10*time.Second, l.RequestHeaderTimeout)
	assert.Equal(t, 30*time.Second, l.WriteTimeout)

	c, err = Parse([]byte(limitsDoc(`    max_header_count: 20
    max_concurrent_streams: 8
    request_header_timeout: 0s
    write_timeout: 2s`)), testProtocols)
	require.NoError(t, err)
	l = c.Listeners[0]
	assert.Equal(t, 20, l.MaxHeaderCount)
	assert.Equal(t, 8, l.MaxConcurrentStreams)
	assert.Zero(t, l.RequestHeaderTimeout, "0 disables it")
	assert.Equal(t, 2*time.Second, l.WriteTimeout)
}

func TestParseListenerLimitsBroken(t *testing.T) {
	for _, tc := range []struct{ keys, path, msg string }{
		{"    max_header_count: 0", "listeners[0].max_header_count", "must be between 1 and 128"},
		{"    max_header_count: 129", "listeners[0].max_header_count", "must be between 1 and 128"},
		{"    max_concurrent_streams: 0", "listeners[0].max_concurrent_streams", "must be between 1"},
		{"    request_header_timeout: -1s", "listeners[0].request_header_timeout", "must be >= 0"},
		{"    write_timeout: -1s", "listeners[0].write_timeout", "must be >= 0"},
	} {
		_, err := Parse([]byte(limitsDoc(tc.keys)), testProtocols)
		require.Error(t, err, tc.keys)
		assert.True(t, strings.Contains(err.Error(), tc.path) && strings.Contains(err.Error(), tc.msg),
			"%s: got %v", tc.keys, err)
	}
}
