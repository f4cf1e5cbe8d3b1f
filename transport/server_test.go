package transport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// 1. Echo: concurrent clients, random message sizes, exact bytes back.
func TestEcho(t *testing.T) {
	closed := make(chan error, 16)
	srv := startServer(t, ServerOptions{Accept: acceptWith(&funcs{
		data:  echoData,
		close: func(_ *Conn, err error) { closed <- err },
	})})

	const clients, msgs, maxSize = 4, 24, 256 << 10
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)

	var wg sync.WaitGroup
	errs := make(chan error, 2*clients)
	for i := range clients {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		payloads := make([][]byte, msgs)
		for j := range payloads {
			n := 1 + rng.IntN(maxSize)
			switch j {
			case 0:
				n = 1
			case 1:
				n = maxSize
			}
			p := make([]byte, n)
			for k := range p {
				p[k] = byte(rng.Uint32())
			}
			payloads[j] = p
		}
		nc := dial(t, srv.Address())
		wg.Add(2)
		go func() { // writer
			defer wg.Done()
			for _, p := range payloads {
				if _, err := nc.Write(p); err != nil {
					errs <- fmt.Errorf("client %d write: %w", i, err)
					return
				}
			}
		}()
		go func() { // reader
			defer wg.Done()
			for j, p := range payloads {
				got := make([]byte, len(p))
				if _, err := io.ReadFull(nc, got); err != nil {
					errs <- fmt.Errorf("client %d message %d (%d B): %w", i, j, len(p), err)
					return
				}
				if !bytes.Equal(got, p) {
					errs <- fmt.Errorf("client %d message %d (%d B): echoed bytes differ", i, j, len(p))
					return
				}
			}
			_ = nc.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for range clients {
		err := recv(t, closed, "OnClose")
		assert.Error(t, err, "a peer close is reported with its error")
		assert.NotErrorIs(t, err, ErrClosed)
	}
	assert.Equal(t, 0, srv.Conns())
}

// 2. Write batching: 100 Writes in one OnData leave as one buffer, in order.
func TestWriteBatching(t *testing.T) {
	type obs struct {
		buffered, queued, kernel int
	}
	seen := make(chan obs, 1)
	srv := startServer(t, ServerOptions{Accept: acceptWith(&funcs{
		data: func(c *Conn, p []byte) int {
			for i := range 100 {
				c.Write(fmt.Appendf(nil, "msg-%03d;", i))
			}
			o := obs{buffered: len(c.Buffer()), kernel: c.gc.OutboundBuffered()}
			for _, d := range c.loop.dirty {
				if d == c {
					o.queued++
				}
			}
			seen <- o
			return len(p)
		},
	})})

	var want bytes.Buffer
	for i := range 100 {
		fmt.Fprintf(&want, "msg-%03d;", i)
	}
	nc := dial(t, srv.Address())
	_, err := nc.Write([]byte("go"))
	require.NoError(t, err)

	got := make([]byte, 0, want.Len())
	buf := make([]byte, 64<<10)
	reads := 0
	for len(got) < want.Len() {
		n, err := nc.Read(buf)
		require.NoError(t, err)
		reads++
		got = append(got, buf[:n]...)
	}
	assert.Equal(t, want.String(), string(got))

	o := recv(t, seen, "handler observation")
	assert.Equal(t, want.Len(), o.buffered, "all 100 writes still pending at the end of OnData")
	assert.Equal(t, 1, o.queued, "connection queued for flushing exactly once")
	assert.Zero(t, o.kernel, "nothing handed to gnet during the callback")
	// One write(2) of 800 bytes on loopback arrives as one segment.
	assert.Equal(t, 1, reads, "batched reply arrived in %d reads", reads)
}

// 3. Deferred close: Write then Close in the same OnData delivers the whole
// reply, then EOF; OnClose runs exactly once with ErrClosed.
func TestDeferredClose(t *testing.T) {
	for _, size := range []int{4 << 10, 8 << 20} {
		t.Run(fmt.Sprintf("%dB", size), func(t *testing.T) {
			reply := make([]byte, size)
			for i := range reply {
				reply[i] = byte(i*7 + i>>9)
			}
			var closes atomic.Int32
			closed := make(chan error, 4)
			type state struct{ open, closed bool }
			afterClose := make(chan state, 4)
			var datas atomic.Int32
			srv := startServer(t, ServerOptions{Accept: acceptWith(&funcs{
				data: func(c *Conn, p []byte) int {
					datas.Add(1)
					c.Write(reply)
					c.Close(nil)
					c.Write([]byte("written after Close")) // dropped
					afterClose <- state{c.Open(), c.Closed()}
					return len(p)
				},
				close: func(_ *Conn, err error) {
					closes.Add(1)
					closed <- err
				},
			})})

			nc := dial(t, srv.Address())
			require.NoError(t, nc.SetReadBuffer(32<<10))
			_, err := nc.Write([]byte("bye"))
			require.NoError(t, err)
			st := recv(t, afterClose, "OnData")
			assert.False(t, st.open)
			assert.True(t, st.closed)

			got, err := io.ReadAll(nc) // until EOF
			require.NoError(t, err, "client sees a clean EOF after the reply")
			require.Equal(t, len(reply), len(got), "reply length")
			require.True(t, bytes.Equal(reply, got), "reply bytes")

			assert.ErrorIs(t, recv(t, closed, "OnClose"), ErrClosed)
			srv.stop(t)
			assert.EqualValues(t, 1, closes.Load(), "OnClose calls")
			assert.EqualValues(t, 1, datas.Load(), "OnData calls")
		})
	}
}

// 4. Dial: upstream connections enrolled into the caller's loop.
func TestDial(t *testing.T) {
	t.Run("ProxyThroughSameLoop", testDialProxy)
	t.Run("Refused", testDialRefused)
	t.Run("CloseWhileDialing", testDialCloseWhileDialing)
}

func listenUpstream(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}

type upstreamResult struct {
	got []byte // what the upstream read before EOF
	err error
}

func testDialProxy(t *testing.T) {
	ln := listenUpstream(t)
	upDone := make(chan upstreamResult, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			upDone <- upstreamResult{err: err}
			return
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(failsafe))
		first := make([]byte, len("ping:hello+open"))
		if _, err := io.ReadFull(nc, first); err != nil {
			upDone <- upstreamResult{got: first, err: err}
			return
		}
		if _, err := nc.Write([]byte("pong:" + string(first))); err != nil {
			upDone <- upstreamResult{got: first, err: err}
			return
		}
		rest, err := io.ReadAll(nc) // until the proxy closes its side
		upDone <- upstreamResult{got: append(first, rest...), err: err}
	}()

	type report struct {
		sameLoop        bool
		acceptedG       uint64
		dialG, dialData uint64
		openBeforeOpen  bool
		dialedFlag      bool
	}
	rep := make(chan report, 1)
	upClosed := make(chan error, 1)
	var r report
	srv := startServer(t, ServerOptions{Accept: acceptWith(&funcs{
		data: func(c *Conn, p []byte) int {
			if c.Value != nil {
				return len(p)
			}
			r.acceptedG = goid()
			down := c
			up := c.Loop().Dial(ln.Addr().String(), failsafe, &funcs{
				open: func(u *Conn) {
					r.dialG = goid()
					r.sameLoop = u.Loop() == down.Loop()
					u.Write([]byte("+open")) // after the bytes written while dialling
				},
				data: func(u *Conn, p []byte) int {
					r.dialData = goid()
					down.Write(p)
					rep <- r
					return len(p)
				},
				close: func(_ *Conn, err error) { upClosed <- err },
			})
			r.openBeforeOpen = up.Open()
			r.dialedFlag = up.Dialed()
			up.Write([]byte("ping:"))
			up.Write(p) // "hello"
			c.Value = up
			return len(p)
		},
		close: func(c *Conn, _ error) {
			if up, ok := c.Value.(*Conn); ok {
				up.Close(nil)
			}
		},
	})})

	nc := dial(t, srv.Address())
	_, err := nc.Write([]byte("hello"))
	require.NoError(t, err)
	reply := make([]byte, len("pong:ping:hello+open"))
	_, err = io.ReadFull(nc, reply)
	require.NoError(t, err)
	assert.Equal(t, "pong:ping:hello+open", string(reply))

	got := recv(t, rep, "dialled OnData")
	assert.True(t, got.sameLoop, "dialled.Loop() == accepted.Loop()")
	assert.Equal(t, got.acceptedG, got.dialG, "dialled OnOpen on the accepted conn's loop goroutine")
	assert.Equal(t, got.acceptedG, got.dialData, "dialled OnData on the accepted conn's loop goroutine")
	assert.False(t, got.openBeforeOpen, "Dial returns a dialling connection")
	assert.True(t, got.dialedFlag)

	// Client goes away: the proxy closes its upstream, which sees EOF.
	require.NoError(t, nc.Close())
	assert.ErrorIs(t, recv(t, upClosed, "upstream OnClose"), ErrClosed)
	res := recv(t, upDone, "upstream EOF")
	require.NoError(t, res.err)
	assert.Equal(t, "ping:hello+open", string(res.got))
}

func testDialRefused(t *testing.T) {
	dead := freeAddr(t) // nothing listens here any more
	var opens atomic.Int32
	type closeEv struct {
		err          error
		g, acceptedG uint64
	}
	closed := make(chan closeEv, 1)
	srv := startServer(t, ServerOptions{Accept: acceptWith(&funcs{
		open: func(c *Conn) {
			g := goid()
			c.Loop().Dial(dead, failsafe, &funcs{
				open:  func(*Conn) { opens.Add(1) },
				close: func(_ *Conn, err error) { closed <- closeEv{err, goid(), g} },
			})
		},
	})})
	dial(t, srv.Address())
	ev := recv(t, closed, "OnClose of the failed dial")
	require.Error(t, ev.err)
	assert.ErrorIs(t, ev.err, syscall.ECONNREFUSED)
	assert.Equal(t, ev.acceptedG, ev.g, "dial failure reported on the loop")
	srv.stop(t) // waits for the dial goroutines
	assert.Zero(t, opens.Load(), "OnOpen of a failed dial")
	none(t, closed, "second OnClose")
}

func testDialCloseWhileDialing(t *testing.T) {
	ln := listenUpstream(t)
	upDone := make(chan upstreamResult, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			upDone <- upstreamResult{err: err}
			return
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(failsafe))
		got, err := io.ReadAll(nc)
		upDone <- upstreamResult{got: got, err: err}
	}()

	var opens, closes atomic.Int32
	closed := make(chan error, 2)
	type st struct{ closed, open bool }
	states := make(chan st, 1)
	srv := startServer(t, ServerOptions{Accept: acceptWith(&funcs{
		open: func(c *Conn) {
			up := c.Loop().Dial(ln.Addr().String(), failsafe, &funcs{
				open: func(*Conn) { opens.Add(1) },
				close: func(_ *Conn, err error) {
					closes.Add(1)
					closed <- err
				},
			})
			up.Write([]byte("never sent"))
			up.Close(nil) // before the dial can possibly have completed
			states <- st{up.Closed(), up.Open()}
		},
	})})
	dial(t, srv.Address())
	s := recv(t, states, "OnOpen")
	assert.True(t, s.closed)
	assert.False(t, s.open)
	assert.ErrorIs(t, recv(t, closed, "OnClose of the abandoned dial"), ErrClosed)

	// The socket that connects late is closed without being used.
	res := recv(t, upDone, "upstream EOF")
	require.NoError(t, res.err, "upstream sees EOF")
	assert.Empty(t, res.got, "bytes written to an abandoned dial")
	srv.stop(t)
	assert.Zero(t, opens.Load(), "OnOpen of an abandoned dial")
	assert.EqualValues(t, 1, closes.Load(), "OnClose calls")
}

// 5. Back-pressure and the inbound limit.
func TestBackPressure(t *testing.T) {
	const hwm, replySize = 256 << 10, 64 << 10
	var replies [256][]byte
	for i := range replies {
		replies[i] = bytes.Repeat([]byte{byte(i)}, replySize)
	}
	var consumed atomic.Int64
	var maxOutAtData, maxOutAfterData atomic.Int64
	storeMax := func(m *atomic.Int64, v int) {
		for {
			old := m.Load()
			if int64(v) <= old || m.CompareAndSwap(old, int64(v)) {
				return
			}
		}
	}
	conns := make(chan *Conn, 1)
	srv := startServer(t, ServerOptions{
		Loops:         1,
		HighWatermark: hwm,
		LowWatermark:  hwm / 2,
		Accept: acceptWith(&funcs{
			open: func(c *Conn) { conns <- c },
			data: func(c *Conn, p []byte) int {
				storeMax(&maxOutAtData, c.Outbound())
				for _, b := range p {
					c.Write(replies[b]) // one 64 KiB reply per request byte
				}
				storeMax(&maxOutAfterData, c.Outbound())
				consumed.Add(int64(len(p)))
				return len(p)
			},
		}),
	})

	nc := dial(t, srv.Address())
	require.NoError(t, nc.SetReadBuffer(16<<10)) // keep the kernel's share small
	sc := recv(t, conns, "OnOpen")
	type snapshot struct {
		paused         bool
		out, inbound   int
		ok             bool
		consumedAtSnap int64
	}
	snap := func() (s snapshot) {
		s.ok = execOn(sc.Loop(), func() {
			s.paused = sc.paused
			s.out = sc.Outbound()
			if sc.gc != nil {
				s.inbound = sc.gc.InboundBuffered()
			}
			s.consumedAtSnap = consumed.Load()
		})
		return s
	}

	// Phase 1: one request byte at a time, each answered before the next,
	// until the server stops handing requests to the handler.
	sent := 0
	for {
		require.Less(t, sent, 4096, "server never paused reading")
		_, err := nc.Write([]byte{byte(sent)})
		require.NoError(t, err)
		sent++
		var s snapshot
		require.Eventually(t, func() bool {
			s = snap()
			return s.ok && (s.consumedAtSnap == int64(sent) || s.paused)
		}, failsafe, time.Millisecond)
		if s.paused {
			break
		}
	}
	s := snap()
	require.True(t, s.paused)
	pausedAt := consumed.Load()
	assert.EqualValues(t, sent-1, pausedAt, "the request that found the conn over the watermark is held")
	t.Logf("paused after %d requests, outbound %d", pausedAt, s.out)
	assert.Greater(t, s.out, hwm, "paused only above the high watermark")
	assert.LessOrEqual(t, maxOutAtData.Load(), int64(hwm), "OnData called while above the high watermark")
	assert.LessOrEqual(t, maxOutAfterData.Load(), int64(hwm+replySize), "outbound bound")

	// More requests arrive while paused: gnet buffers them, the handler
	// is not given them.
	more := make([]byte, 100)
	for i := range more {
		more[i] = byte(sent + i)
	}
	_, err := nc.Write(more)
	require.NoError(t, err)
	sent += len(more)
	require.Eventually(t, func() bool {
		s = snap()
		return s.ok && s.inbound >= len(more)+1
	}, failsafe, time.Millisecond, "server did not buffer the new requests")
	assert.Equal(t, pausedAt, consumed.Load(), "handler consumed requests while paused")
	assert.True(t, s.paused)
	assert.LessOrEqual(t, s.out, hwm+replySize, "outbound grew while paused")

	// Phase 2: the client reads; everything arrives, in order.
	buf := make([]byte, replySize)
	for i := range sent {
		_, err := io.ReadFull(nc, buf)
		require.NoError(t, err, "reply %d of %d", i, sent)
		require.True(t, bytes.Equal(buf, replies[byte(i)]), "reply %d has the wrong bytes", i)
	}
	assert.EqualValues(t, sent, consumed.Load(), "every request consumed after resuming")
	s = snap()
	assert.False(t, s.paused)
	assert.Zero(t, s.inbound)
}

func TestInboundLimit(t *testing.T) {
	t.Run("WhilePaused", func(t *testing.T) {
		reply := make([]byte, 64<<10)
		closed := make(chan error, 1)
		srv := startServer(t, ServerOptions{
			Loops:         1,
			HighWatermark: 256 << 10,
			InboundLimit:  64 << 10,
			Accept: acceptWith(&funcs{
				data: func(c *Conn, p []byte) int {
					c.Write(reply) // one reply per read, whatever it holds
					return len(p)
				},
				close: func(_ *Conn, err error) { closed <- err },
			}),
		})
		nc := dial(t, srv.Address())
		require.NoError(t, nc.SetReadBuffer(16<<10))
		writerDone := make(chan error, 1)
		go func() { // keeps sending, never reads
			chunk := make([]byte, 4<<10)
			for {
				if _, err := nc.Write(chunk); err != nil {
					writerDone <- err
					return
				}
			}
		}()
		assert.ErrorIs(t, recv(t, closed, "OnClose"), ErrInboundLimit)
		// The client finds its connection closed (EOF or reset, not a timeout).
		_, err := io.Copy(io.Discard, nc)
		var ne net.Error
		assert.False(t, errors.As(err, &ne) && ne.Timeout(), "client read timed out: %v", err)
		_ = nc.Close()
		recv(t, writerDone, "writer to stop")
	})
	t.Run("UnconsumedFrame", func(t *testing.T) {
		closed := make(chan error, 1)
		srv := startServer(t, ServerOptions{
			InboundLimit: 64 << 10,
			Accept: acceptWith(&funcs{
				data:  func(*Conn, []byte) int { return 0 }, // waits for a frame that never completes
				close: func(_ *Conn, err error) { closed <- err },
			}),
		})
		nc := dial(t, srv.Address())
		_, err := nc.Write(make([]byte, 32<<10))
		require.NoError(t, err)
		go func() { _, _ = nc.Write(make([]byte, 64<<10)) }() // may fail once the server closes
		assert.ErrorIs(t, recv(t, closed, "OnClose"), ErrInboundLimit)
		_, err = io.Copy(io.Discard, nc)
		var ne net.Error
		assert.False(t, errors.As(err, &ne) && ne.Timeout(), "client read timed out: %v", err)
	})
}

// 6. Idle timeout.
func TestIdleTimeout(t *testing.T) {
	const idle = 100 * time.Millisecond
	type closeEv struct {
		remote string
		err    error
	}
	closed := make(chan closeEv, 4)
	srv := startServer(t, ServerOptions{Accept: acceptWith(&funcs{
		open:  func(c *Conn) { c.SetIdleTimeout(idle) },
		data:  echoData,
		close: func(c *Conn, err error) { closed <- closeEv{c.RemoteAddr(), err} },
	})})

	start := time.Now()
	silent := dial(t, srv.Address())
	talker := dial(t, srv.Address())

	type eof struct {
		err   error
		after time.Duration
	}
	silentEOF := make(chan eof, 1)
	go func() {
		_, err := silent.Read(make([]byte, 1))
		silentEOF <- eof{err, time.Since(start)}
	}()

	// The talker pings every 20 ms for 300 ms; each ping is echoed.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	buf := make([]byte, 4)
	var lastSend time.Time
	for time.Since(start) < 300*time.Millisecond {
		<-tick.C
		lastSend = time.Now()
		_, err := talker.Write([]byte("ping"))
		require.NoError(t, err)
		_, err = io.ReadFull(talker, buf)
		require.NoError(t, err, "talker closed while talking")
	}

	se := recv(t, silentEOF, "silent client EOF")
	assert.ErrorIs(t, se.err, io.EOF)
	assert.GreaterOrEqual(t, se.after, idle, "silent conn closed early")
	ev := recv(t, closed, "OnClose of the silent conn")
	assert.Equal(t, silent.LocalAddr().String(), ev.remote)
	assert.ErrorIs(t, ev.err, ErrIdleTimeout)
	none(t, closed, "OnClose of the talking conn")

	// Once the talker falls silent it is closed too, not before the timeout.
	_, err := talker.Read(buf)
	assert.ErrorIs(t, err, io.EOF)
	assert.GreaterOrEqual(t, time.Since(lastSend), idle, "talker closed early")
	ev = recv(t, closed, "OnClose of the talker")
	assert.Equal(t, talker.LocalAddr().String(), ev.remote)
	assert.ErrorIs(t, ev.err, ErrIdleTimeout)
}

// 7. MaxConns.
func TestMaxConns(t *testing.T) {
	opened := make(chan *Conn, 4)
	closed := make(chan error, 4)
	refused := make(chan string, 4)
	srv := startServer(t, ServerOptions{
		MaxConns:  2,
		OnRefused: func(reason string) { refused <- reason },
		Accept: acceptWith(&funcs{
			open:  func(c *Conn) { opened <- c },
			data:  echoData,
			close: func(_ *Conn, err error) { closed <- err },
		}),
	})
	echoes := func(nc net.Conn) {
		t.Helper()
		_, err := nc.Write([]byte("hi"))
		require.NoError(t, err)
		buf := make([]byte, 2)
		_, err = io.ReadFull(nc, buf)
		require.NoError(t, err)
		require.Equal(t, "hi", string(buf))
	}

	c1 := dial(t, srv.Address())
	c2 := dial(t, srv.Address())
	recv(t, opened, "first OnOpen")
	recv(t, opened, "second OnOpen")
	assert.Equal(t, 2, srv.Conns())

	c3 := dial(t, srv.Address())
	_, err := c3.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF, "third connection is closed")
	assert.Equal(t, "max_connections", recv(t, refused, "OnRefused"))
	none(t, opened, "OnOpen of the refused connection")
	echoes(c1)
	echoes(c2)

	// A slot frees up: the next connection is accepted.
	require.NoError(t, c1.Close())
	recv(t, closed, "OnClose")
	assert.Equal(t, 1, srv.Conns())
	c4 := dial(t, srv.Address())
	recv(t, opened, "OnOpen after a slot freed")
	echoes(c4)
	none(t, refused, "OnRefused")
}

// MaxConns holds across loops: two connections accepted at the same time on
// different loops must not both be let in when one slot is left.
func TestMaxConnsAcrossLoops(t *testing.T) {
	refused := make(chan string, 2)
	accepts := make(chan struct{}, 2)
	release := make(chan struct{})
	var first atomic.Bool
	srv := startServer(t, ServerOptions{
		Loops:     2, // gnet hands accepted connections to the loops round-robin
		MaxConns:  1,
		OnRefused: func(reason string) { refused <- reason },
		Accept: func(*Conn) Handler {
			accepts <- struct{}{}
			if first.CompareAndSwap(false, true) {
				// Hold this loop inside Accept until the other connection
				// has been decided on the other loop.
				select {
				case <-release:
				case <-time.After(failsafe):
				}
			}
			return &funcs{}
		},
	})
	dial(t, srv.Address())
	recv(t, accepts, "first Accept")
	dial(t, srv.Address())
	select {
	case reason := <-refused:
		assert.Equal(t, "max_connections", reason)
		close(release)
		require.Eventually(t, func() bool { return srv.Conns() == 1 }, failsafe, time.Millisecond)
	case <-accepts:
		close(release)
		t.Error("second connection accepted beyond MaxConns")
	case <-time.After(failsafe):
		close(release)
		t.Fatal("second connection neither accepted nor refused")
	}
}

// 8. Timers and Execute run on the loop.
func TestTimers(t *testing.T) {
	const delay = 30 * time.Millisecond
	type fired struct {
		armedG, firedG uint64
		elapsed        time.Duration
	}
	fires := make(chan fired, 16)
	var sc atomic.Pointer[Conn]
	srv := startServer(t, ServerOptions{Accept: acceptWith(&funcs{
		open: func(c *Conn) { sc.Store(c) },
		data: func(c *Conn, p []byte) int {
			switch string(p) {
			case "arm":
				g, at := goid(), c.Loop().Now() // the loop clock AfterFunc counts from
				tm := &Timer{}
				tm.Fire = func() {
					fires <- fired{g, goid(), time.Since(at)}
					c.Write([]byte("tick"))
				}
				c.Loop().AfterFunc(tm, delay)
			case "two":
				one := &Timer{Fire: func() { c.Write([]byte("one!")) }}
				two := &Timer{Fire: func() { c.Write([]byte("two!")) }}
				c.Loop().AfterFunc(one, delay)
				c.Loop().AfterFunc(two, 2*delay)
				c.Loop().Stop(one)
			default:
				return 0 // wait for a whole command
			}
			return len(p)
		},
	})})
	nc := dial(t, srv.Address())
	buf := make([]byte, 4)
	for range 10 {
		_, err := nc.Write([]byte("arm"))
		require.NoError(t, err)
		_, err = io.ReadFull(nc, buf)
		require.NoError(t, err)
		assert.Equal(t, "tick", string(buf))
		f := recv(t, fires, "Fire")
		assert.Equal(t, f.armedG, f.firedG, "timer fired off its loop's goroutine")
		assert.GreaterOrEqual(t, f.elapsed, delay, "timer fired early")
	}

	_, err := nc.Write([]byte("two"))
	require.NoError(t, err)
	_, err = io.ReadFull(nc, buf)
	require.NoError(t, err)
	assert.Equal(t, "two!", string(buf), "a stopped timer fired")

	// Execute from another goroutine runs on the loop and flushes writes.
	c := sc.Load()
	require.NotNil(t, c)
	var execG uint64
	onLoop(t, c.Loop(), func() {
		execG = goid()
		c.Write([]byte("exec"))
	})
	_, err = io.ReadFull(nc, buf)
	require.NoError(t, err)
	assert.Equal(t, "exec", string(buf))
	onLoop(t, c.Loop(), func() { assert.Equal(t, execG, goid()) })
}

// 9. Stop closes every connection and returns; the address is free again.
func TestStop(t *testing.T) {
	opened := make(chan *Conn, 4)
	var closes atomic.Int32
	addr := freeAddr(t)
	srv := startServer(t, ServerOptions{Address: addr, Accept: acceptWith(&funcs{
		open:  func(c *Conn) { opened <- c },
		data:  echoData,
		close: func(*Conn, error) { closes.Add(1) },
	})})
	clients := make([]net.Conn, 3)
	for i := range clients {
		clients[i] = dial(t, addr)
		recv(t, opened, "OnOpen")
	}
	srv.stop(t)
	for i, nc := range clients {
		_, err := nc.Read(make([]byte, 1))
		assert.ErrorIs(t, err, io.EOF, "client %d", i)
	}
	assert.EqualValues(t, 3, closes.Load(), "OnClose per connection")
	assert.Equal(t, 0, srv.Conns())

	_, err := net.DialTimeout("tcp", addr, failsafe)
	assert.Error(t, err, "listener still accepting after Stop")
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err, "address not released")
	require.NoError(t, ln.Close())
}

// BenchmarkEchoRoundTrip: one client, 128-byte ping-pong.
func BenchmarkEchoRoundTrip(b *testing.B) {
	srv := startServer(b, ServerOptions{Accept: acceptWith(&funcs{data: echoData})})
	nc := dial(b, srv.Address())
	require.NoError(b, nc.SetDeadline(time.Time{}))
	msg := bytes.Repeat([]byte("x"), 128)
	buf := make([]byte, len(msg))
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nc.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(nc, buf); err != nil {
			b.Fatal(err)
		}
	}
}
