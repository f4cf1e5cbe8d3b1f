package proxy

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/xprotocol"
)

// tsWire is one frame as read off a socket in the tests.
type tsWire struct {
	kind    byte
	end     bool
	id      uint32
	payload []byte
}

func readTS(r *bufio.Reader) (tsWire, error) {
	var h [tsHeader]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return tsWire{}, err
	}
	w := tsWire{kind: h[1], end: h[2]&1 != 0, id: binary.BigEndian.Uint32(h[3:7])}
	w.payload = make([]byte, binary.BigEndian.Uint32(h[7:11]))
	_, err := io.ReadFull(r, w.payload)
	return w, err
}

func writeTS(t testing.TB, c net.Conn, kind byte, end bool, id uint32, payload []byte) {
	t.Helper()
	var flags byte
	if end {
		flags = 1
	}
	_, err := c.Write(appendTS(nil, kind, flags, id, payload))
	require.NoError(t, err)
}

// tsBackend echoes streams: a request head is answered by a response head
// at once; each request body frame comes back as a response body frame;
// the response ends when the request does. A request head whose payload is
// a command changes that: "reset" answers the head and then resets the
// stream, "die" answers the head and closes the connection, "hold" stops
// reading the connection until release is closed.
type tsBackend struct {
	ln      net.Listener
	resets  chan uint32 // streams the gateway reset
	release chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   []net.Conn
}

func startTSBackend(t *testing.T) *tsBackend {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	b := &tsBackend{ln: ln, resets: make(chan uint32, 64), release: make(chan struct{})}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.mu.Lock()
			b.conns = append(b.conns, c)
			b.mu.Unlock()
			b.wg.Add(1)
			go func() {
				defer b.wg.Done()
				b.serve(c)
			}()
		}
	}()
	t.Cleanup(b.close)
	return b
}

func (b *tsBackend) close() {
	_ = b.ln.Close()
	b.mu.Lock()
	for _, c := range b.conns {
		_ = c.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
}

func (b *tsBackend) serve(c net.Conn) {
	defer func() { _ = c.Close() }()
	r := bufio.NewReader(c)
	var mu sync.Mutex
	write := func(kind byte, end bool, id uint32, p []byte) bool {
		var flags byte
		if end {
			flags = 1
		}
		mu.Lock()
		defer mu.Unlock()
		_, err := c.Write(appendTS(nil, kind, flags, id, p))
		return err == nil
	}
	for {
		f, err := readTS(r)
		if err != nil {
			return
		}
		switch f.kind {
		case tsRequest:
			switch string(f.payload) {
			case "reset":
				write(tsResponse, false, f.id, []byte("head"))
				write(tsReset, true, f.id, []byte{byte(xprotocol.StatusServerError)})
				continue
			case "die":
				write(tsResponse, false, f.id, []byte("head"))
				return
			case "hold":
				<-b.release
				continue
			}
			write(tsResponse, f.end, f.id, f.payload)
		case tsData:
			write(tsData, f.end, f.id, f.payload)
		case tsReset:
			b.resets <- f.id
		}
	}
}

// startTSGateway runs an in-process gateway whose only protocol is tstream.
func startTSGateway(t *testing.T, backend string, extra string) (*Gateway, string) {
	reg := xprotocol.NewRegistry()
	require.NoError(t, reg.Register(tstream{}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	yaml := fmt.Sprintf(`
admin: {disabled: true}
listeners:
  - name: ts
    address: %s
    event_loops: 1
    routes: [{cluster: echo}]
clusters:
  - name: echo
    endpoints: [%s]
    request_timeout: 2s
%s`, addr, backend, extra)
	cfg, err := config.Parse([]byte(yaml), reg.Names())
	require.NoError(t, err)
	g, err := New(cfg, Options{Registry: reg, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	require.NoError(t, g.Start())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		assert.NoError(t, g.Shutdown(ctx))
	})
	return g, addr
}

func dialTS(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	return c, bufio.NewReader(c)
}

func TestStreamedBodiesFlowBothWays(t *testing.T) {
	b := startTSBackend(t)
	_, addr := startTSGateway(t, b.ln.Addr().String(), "")
	c, r := dialTS(t, addr)

	// Two interleaved streams on one connection, ten body frames each.
	writeTS(t, c, tsRequest, false, 7, []byte("h7"))
	writeTS(t, c, tsRequest, false, 9, []byte("h9"))
	for i := range 10 {
		writeTS(t, c, tsData, i == 9, 7, fmt.Appendf(nil, "7-%d", i))
		writeTS(t, c, tsData, i == 9, 9, fmt.Appendf(nil, "9-%d", i))
	}
	got := map[uint32][]string{}
	ended := map[uint32]bool{}
	for len(ended) < 2 {
		f, err := readTS(r)
		require.NoError(t, err)
		require.False(t, ended[f.id], "frame after the end of stream %d", f.id)
		got[f.id] = append(got[f.id], string(f.payload))
		if f.end {
			ended[f.id] = true
		}
	}
	for _, id := range []uint32{7, 9} {
		want := []string{fmt.Sprintf("h%d", id)}
		for i := range 10 {
			want = append(want, fmt.Sprintf("%d-%d", id, i))
		}
		assert.Equal(t, want, got[id], "stream %d: head then body frames in order, under the client's id", id)
	}
}

func TestClientResetCancelsUpstreamStream(t *testing.T) {
	b := startTSBackend(t)
	g, addr := startTSGateway(t, b.ln.Addr().String(), "")
	c, r := dialTS(t, addr)
	writeTS(t, c, tsRequest, false, 3, []byte("h"))
	f, err := readTS(r)
	require.NoError(t, err)
	require.Equal(t, byte(tsResponse), f.kind)
	writeTS(t, c, tsReset, true, 3, []byte{0})
	select {
	case <-b.resets: // the upstream stream was reset
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream never saw the stream reset")
	}
	assert.Equal(t, 1.0, testutil.ToFloat64(g.listeners[0].clientResets))
	// Body frames for the reset stream are dropped; the connection carries on.
	writeTS(t, c, tsData, true, 3, []byte("late"))
	writeTS(t, c, tsRequest, true, 5, []byte("next"))
	f, err = readTS(r)
	require.NoError(t, err)
	assert.Equal(t, tsWire{kind: tsResponse, end: true, id: 5, payload: []byte("next")}, f)
}

func TestClientCloseResetsItsUpstreamStreams(t *testing.T) {
	b := startTSBackend(t)
	_, addr := startTSGateway(t, b.ln.Addr().String(), "")
	c, r := dialTS(t, addr)
	writeTS(t, c, tsRequest, false, 1, []byte("h"))
	_, err := readTS(r)
	require.NoError(t, err)
	require.NoError(t, c.Close())
	select {
	case <-b.resets:
	case <-time.After(5 * time.Second):
		t.Fatal("closing the client did not reset its open upstream stream")
	}
}

func TestUpstreamResetMidResponseResetsClientStream(t *testing.T) {
	b := startTSBackend(t)
	_, addr := startTSGateway(t, b.ln.Addr().String(), "")
	c, r := dialTS(t, addr)
	writeTS(t, c, tsRequest, false, 11, []byte("reset"))
	f, err := readTS(r)
	require.NoError(t, err)
	assert.Equal(t, byte(tsResponse), f.kind)
	f, err = readTS(r)
	require.NoError(t, err)
	assert.Equal(t, byte(tsReset), f.kind, "a stream whose head was relayed can only be reset")
	assert.EqualValues(t, 11, f.id)
}

func TestUpstreamDeathMidResponseResetsClientStream(t *testing.T) {
	b := startTSBackend(t)
	_, addr := startTSGateway(t, b.ln.Addr().String(), "")
	c, r := dialTS(t, addr)
	writeTS(t, c, tsRequest, false, 2, []byte("die"))
	f, err := readTS(r)
	require.NoError(t, err)
	assert.Equal(t, byte(tsResponse), f.kind)
	f, err = readTS(r)
	require.NoError(t, err)
	assert.Equal(t, byte(tsReset), f.kind)
	assert.EqualValues(t, 2, f.id)
	// server_error, not unavailable: the request was processed (HTTP/2
	// maps unavailable to REFUSED_STREAM, "not processed, safe to retry").
	assert.Equal(t, []byte{byte(xprotocol.StatusServerError)}, f.payload)
}

func TestSlowUpstreamPausesTheClientBody(t *testing.T) {
	b := startTSBackend(t)
	g, addr := startTSGateway(t, b.ln.Addr().String(), "")
	c, _ := dialTS(t, addr)
	writeTS(t, c, tsRequest, false, 1, []byte("hold"))
	// The backend reads nothing more; the client keeps sending 64 KiB body
	// frames. The gateway must stop reading it rather than buffer it all:
	// the client's writes block (deadline) long before 256 MiB went out.
	chunk := appendTS(nil, tsData, 0, 1, []byte(strings.Repeat("x", 64<<10)))
	require.NoError(t, c.SetWriteDeadline(time.Now().Add(3*time.Second)))
	sent := 0
	for sent < 256<<20 {
		n, err := c.Write(chunk)
		sent += n
		if err != nil {
			break
		}
	}
	assert.Less(t, sent, 256<<20, "the client was never pushed back")
	assert.Positive(t, testutil.ToFloat64(g.listeners[0].pressurePauses), "back-pressure was not applied")
	close(b.release)
}
