package transport

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Back-pressure on a TLS connection whose client does not read: above the
// high watermark the handler is not given requests and, unlike a gnet
// connection, the reader goroutine stops reading, so the server holds a
// bounded amount of the client's bytes however much it sends, and is not
// closed for its inbound limit. Once the client reads, everything flows.
func TestTLSBackPressure(t *testing.T) {
	const (
		hwm       = 256 << 10
		bigReply  = 64 << 10
		inLimit   = 256 << 10
		smallReqs = 8 << 20 // far more than InboundLimit (gnet would close) and the socket buffers
	)
	reply := func(b byte) []byte {
		if b == 'B' {
			return bytes.Repeat([]byte{'b'}, bigReply)
		}
		return []byte{b}
	}
	var consumed int64 // loop-owned
	conns := make(chan *Conn, 1)
	closed := make(chan error, 1)
	srv := startTLSServer(t, ServerOptions{
		Loops:         1,
		HighWatermark: hwm,
		LowWatermark:  hwm / 2,
		InboundLimit:  inLimit,
		Accept: acceptWith(&funcs{
			open: func(c *Conn) { conns <- c },
			data: func(c *Conn, p []byte) int {
				for _, b := range p {
					c.Write(reply(b))
				}
				consumed += int64(len(p))
				return len(p)
			},
			close: func(_ *Conn, err error) { closed <- err },
		}),
	})
	// Default socket buffers: with a tiny SO_RCVBUF here Linux loopback
	// crawls (window probes) once both directions are full.
	nc := dialTLS(t, srv.Address(), clientConfig(t), 0)
	sc := recv(t, conns, "OnOpen")
	consumedNow := func() (n int64) {
		onLoop(t, sc.Loop(), func() { n = consumed })
		return n
	}

	// Phase 1: one big request at a time, each handled before the next,
	// until the connection is paused.
	sent := 0
	for {
		require.Less(t, sent, 4096, "server never paused")
		_, err := nc.Write([]byte{'B'})
		require.NoError(t, err)
		sent++
		var paused bool
		require.Eventually(t, func() bool {
			_, paused, _, _ = statsOn(t, sc)
			return paused || consumedNow() == int64(sent)
		}, failsafe, time.Millisecond)
		if paused {
			break
		}
	}
	st, paused, out, _ := statsOn(t, sc)
	require.True(t, paused)
	assert.Greater(t, out, hwm, "paused only above the high watermark")
	assert.LessOrEqual(t, out, hwm+bigReply, "outbound bound")
	assert.EqualValues(t, sent-1, consumedNow(), "the request that found the conn over the watermark is held")
	pausedAt := consumedNow()

	// Phase 2: the client sends far more than the inbound limit. The
	// reader stops at the paused read limit; the client's writes block.
	writeDone := make(chan error, 1)
	go func() {
		_, err := nc.Write(bytes.Repeat([]byte{'s'}, smallReqs))
		writeDone <- err
	}()
	require.Eventually(t, func() bool {
		st, _, _, _ = statsOn(t, sc)
		return st.readWaiting
	}, failsafe, time.Millisecond, "reader did not stop")
	st, paused, out, inbuf := statsOn(t, sc)
	t.Logf("reader stopped: read %d B, %d unprocessed (limit %d), outbound %d", st.readTotal, st.unprocessed, st.readLimit, out)
	assert.True(t, paused)
	assert.Equal(t, pausedReadLimit, st.readLimit)
	assert.GreaterOrEqual(t, st.unprocessed, pausedReadLimit)
	assert.LessOrEqual(t, st.unprocessed, pausedReadLimit+maxReadChunk, "inbound held while paused")
	assert.LessOrEqual(t, inbuf, st.unprocessed)
	assert.Less(t, st.readTotal, int64(sent+smallReqs), "the reader read everything")
	assert.LessOrEqual(t, out, hwm+bigReply, "outbound grew while paused")
	assert.Equal(t, pausedAt, consumedNow(), "handler given requests while paused")
	none(t, closed, "OnClose while paused")
	none(t, writeDone, "client write completion")
	// Still true a moment later: nothing reads behind the limit's back.
	st2, _, _, _ := statsOn(t, sc)
	assert.Equal(t, st.readTotal, st2.readTotal, "reader read while stopped")

	// Phase 3: the client reads; every reply arrives, in order.
	for i := range sent {
		buf := make([]byte, bigReply)
		_, err := io.ReadFull(nc, buf)
		require.NoError(t, err, "big reply %d", i)
		require.Equal(t, reply('B'), buf)
	}
	small := make([]byte, smallReqs)
	_, err := io.ReadFull(nc, small)
	require.NoError(t, err)
	require.Equal(t, bytes.Repeat([]byte{'s'}, smallReqs), small)
	require.NoError(t, recv(t, writeDone, "client write"))
	assert.EqualValues(t, sent+smallReqs, consumedNow())
	st, paused, out, inbuf = statsOn(t, sc)
	assert.False(t, paused)
	assert.Zero(t, out)
	assert.Zero(t, inbuf)
	assert.Zero(t, st.unprocessed)
	none(t, closed, "OnClose")
}
