package http1_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/http1"
	"github.com/xgate/xgate/xprotocol"
)

// TestSessionHeaderCount: SessionOptions.MaxHeaderCount bounds a request's
// field lines (431 beyond it), and is capped at 128.
func TestSessionHeaderCount(t *testing.T) {
	withCount := func(n int) func(*xprotocol.SessionOptions) {
		return func(o *xprotocol.SessionOptions) { o.MaxHeaderCount = n }
	}
	head := func(fields int) []byte {
		return []byte("GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X-A: b\r\n", fields-1) + "\r\n")
	}
	s := newServer(withCount(5))
	f, _, err := s.Decode(head(5))
	require.NoError(t, err, "5 field lines are within a limit of 5")
	f.Release()

	_, _, err = newServer(withCount(5)).Decode(head(6))
	requireRule(t, err, http1.RuleTooManyFields, 431, "6 field lines over a limit of 5")

	f, _, err = newServer(withCount(1000)).Decode(head(128))
	require.NoError(t, err, "128 field lines with a limit above the cap")
	f.Release()
	_, _, err = newServer(withCount(1000)).Decode(head(129))
	requireRule(t, err, http1.RuleTooManyFields, 431, "the cap is 128")
}

// TestAppendRequestTimeout: a server session waiting for a head answers
// 408 and closes; one owing a response stays silent.
func TestAppendRequestTimeout(t *testing.T) {
	type timeouter interface{ AppendRequestTimeout([]byte) []byte }
	s := newServer()
	_, _, err := s.Decode([]byte("GET / HTTP/1.1\r\nHo"))
	require.ErrorIs(t, err, xprotocol.ErrIncomplete)
	out := s.(timeouter).AppendRequestTimeout(nil)
	assert.True(t, strings.HasPrefix(string(out), "HTTP/1.1 408 Request Timeout\r\n"), "got %q", out)
	assert.Contains(t, string(out), "Connection: close\r\n")
	assert.True(t, s.(xprotocol.Closing).ShouldClose())

	s = newServer()
	f, _, err := s.Decode([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
	require.NoError(t, err)
	f.Release()
	assert.Empty(t, s.(timeouter).AppendRequestTimeout(nil), "a response is owed first")
}
