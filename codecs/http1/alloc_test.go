package http1_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/http1"
)

func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("allocation counts are meaningless under -race")
	}
}

func TestZeroAllocs(t *testing.T) {
	skipUnderRace(t)
	req, resp, body := []byte(browserHead), []byte(responseHead), []byte(chunkedBody)
	var h http1.RequestHead
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if _, err := h.Parse(req, http1.Limits{}); err != nil {
			t.Fatal(err)
		}
		_ = h.Get("user-agent")
		_ = h.IsHopByHop([]byte("keep-alive"))
		_ = h.KeepAlive()
	}), "request head")
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if _, _, err := http1.ParseRequestHead(req, http1.Limits{}); err != nil {
			t.Fatal(err)
		}
	}), "ParseRequestHead by value")
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if _, _, err := http1.ParseResponseHead(resp, http1.Limits{}); err != nil {
			t.Fatal(err)
		}
	}), "response head")
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		d := http1.NewChunkedDecoder(http1.Request, http1.Limits{})
		src := body
		for !d.Done() {
			_, n, err := d.Decode(src)
			if err != nil {
				t.Fatal(err)
			}
			src = src[n:]
		}
	}), "chunked body")
	bad := []byte("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if _, _, err := http1.ParseRequestHead(bad, http1.Limits{}); err == nil {
			t.Fatal("accepted CL+TE")
		}
	}), "rejection")
}

// TestChunkSize2e62NoAlloc: a chunk claiming 2^62 bytes is refused at the
// digit that crosses the limit, with a preallocated error.
func TestChunkSize2e62NoAlloc(t *testing.T) {
	skipUnderRace(t)
	src := []byte("4000000000000000\r\n")
	var err error
	allocs := testing.AllocsPerRun(100, func() {
		d := http1.NewChunkedDecoder(http1.Request, http1.Limits{})
		_, _, err = d.Decode(src)
	})
	requireRule(t, err, http1.RuleChunkTooLarge, 413, "2^62")
	require.Zero(t, allocs)
}
