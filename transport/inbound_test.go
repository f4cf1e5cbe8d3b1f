package transport

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pipelined returns n bytes of a recognisable pattern.
func pipelined(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte('a' + i%26)
	}
	return p
}

// TestResumeReadingSerial: a one-at-a-time handler (HTTP/1.1 style) takes
// one byte, declines the rest until a timer answers it and resumes; every
// pipelined byte is answered, in order, from the re-offered leftovers.
func TestResumeReadingSerial(t *testing.T) {
	const n = 200
	busy := false
	srv := startServer(t, ServerOptions{Tick: time.Millisecond, Accept: func(*Conn) Handler {
		var tm Timer
		var pending byte
		return &funcs{data: func(c *Conn, p []byte) int {
			if busy {
				return 0
			}
			busy, pending = true, p[0]
			tm.Fire = func() {
				busy = false
				c.Write([]byte{pending})
				c.ResumeReading()
			}
			c.Loop().AfterFunc(&tm, time.Millisecond)
			return 1
		}}
	}})
	nc := dial(t, srv.Address())
	want := pipelined(n)
	_, err := nc.Write(want)
	require.NoError(t, err)
	got := make([]byte, n)
	_, err = io.ReadFull(nc, got)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

// TestResumeReadingDuringOnData: a handler that answers synchronously and
// resumes from inside its own OnData still gets the rest: re-offered when
// it consumed something, woken when it declined everything.
func TestResumeReadingDuringOnData(t *testing.T) {
	calls := 0
	srv := startServer(t, ServerOptions{Accept: acceptWith(&funcs{data: func(c *Conn, p []byte) int {
		calls++
		c.ResumeReading()
		if calls == 1 {
			return 0 // declined everything once: offered again by a wake
		}
		c.Write(p[:1])
		return 1 // one byte per offer: the rest is re-offered
	}})})
	nc := dial(t, srv.Address())
	want := pipelined(50)
	_, err := nc.Write(want)
	require.NoError(t, err)
	got := make([]byte, len(want))
	_, err = io.ReadFull(nc, got)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

// TestResumeReadingNothingBuffered: resuming a connection with no inbound
// bytes queues nothing (no wake, no re-offer).
func TestResumeReadingNothingBuffered(t *testing.T) {
	conns := make(chan *Conn, 1)
	srv := startServer(t, ServerOptions{Accept: acceptWith(&funcs{open: func(c *Conn) { conns <- c }})})
	dial(t, srv.Address())
	sc := recv(t, conns, "OnOpen")
	var queued bool
	onLoop(t, sc.Loop(), func() {
		sc.PauseReading()
		sc.ResumeReading()
		queued = sc.reofferQ || len(sc.Loop().reoffer) > 0
	})
	assert.False(t, queued)
}

// TestHeldBytesAndLeftovers: bytes arriving while the handler holds
// reading stay with gnet and are offered intact on resume; a handler that
// takes part of each offer gets the rest, with new bytes appended, in
// order. (Units of 1000 bytes written in pieces of 7001 leave partial
// units behind in most offers.)
func TestHeldBytesAndLeftovers(t *testing.T) {
	conns := make(chan *Conn, 1)
	var got bytes.Buffer
	done := make(chan struct{})
	const total = 300000
	srv := startServer(t, ServerOptions{Accept: acceptWith(&funcs{
		open: func(c *Conn) {
			c.PauseReading()
			conns <- c
		},
		data: func(c *Conn, p []byte) int {
			take := len(p) - len(p)%1000 // whole units: the rest waits
			got.Write(p[:take])
			if got.Len() == total {
				close(done)
			}
			return take
		},
	})})
	nc := dial(t, srv.Address())
	sc := recv(t, conns, "OnOpen")
	want := pipelined(total)
	for off := 0; off < total/2; off += 7001 {
		_, err := nc.Write(want[off:min(off+7001, total/2)])
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		var n int
		onLoop(t, sc.Loop(), func() { n = sc.inbound() })
		return n == total/2
	}, failsafe, time.Millisecond, "held bytes")
	onLoop(t, sc.Loop(), func() { sc.ResumeReading() })
	_, err := nc.Write(want[total/2:])
	require.NoError(t, err)
	recv(t, done, "every byte")
	var got2 []byte
	onLoop(t, sc.Loop(), func() { got2 = append(got2, got.Bytes()...) })
	assert.True(t, bytes.Equal(want, got2), "bytes differ")
}
