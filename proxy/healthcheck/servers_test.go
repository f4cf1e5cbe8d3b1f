package healthcheck

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
	"github.com/xgate/xgate/xprotocol"
)

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return ln
}

// tcpServer accepts and closes connections.
func tcpServer(t *testing.T) string {
	t.Helper()
	return serve(t, func(c net.Conn) { _ = c.Close() })
}

// serve runs handle for each connection of a new listener until the test
// ends, then closes the listener and every connection and waits.
func serve(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln := listen(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { handle(c) })
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// silent accepts connections and never answers.
func silent(c net.Conn) { _, _ = io.Copy(io.Discard, c) }

// closedAddr returns an address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln := listen(t)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// switchable is a Bolt echo server that can be told to stop answering:
// while mute, new connections are accepted and ignored.
type switchable struct {
	net.Listener
	mute  atomic.Bool
	mu    sync.Mutex
	held  []net.Conn
	wg    sync.WaitGroup
	inner *boltpeer.Server
}

func newSwitchable(t *testing.T) *switchable {
	t.Helper()
	s := &switchable{Listener: listen(t)}
	s.inner = boltpeer.Serve(s, boltpeer.ServerOptions{})
	t.Cleanup(func() {
		_ = s.inner.Close()
		s.mu.Lock()
		for _, c := range s.held {
			_ = c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *switchable) Accept() (net.Conn, error) {
	for {
		c, err := s.Listener.Accept()
		if err != nil || !s.mute.Load() {
			return c, err
		}
		s.mu.Lock()
		s.held = append(s.held, c)
		s.mu.Unlock()
		s.wg.Go(func() { silent(c) })
	}
}

var boltProto xprotocol.Protocol = bolt.Protocol{}

// lineProto is a made-up text protocol: frames are lines "KIND ID", a
// client session first writes "HELLO" (as a Flusher, like the HTTP/2
// preface), heartbeats are "PING id" and their replies "PONG id"; other
// lines are ordinary responses.
type lineProto struct{ noHeartbeat bool }

func (lineProto) Name() string                                   { return "line" }
func (lineProto) Match([]byte) xprotocol.MatchResult             { return xprotocol.MatchNo }
func (lineProto) PoolMode() xprotocol.PoolMode                   { return xprotocol.PoolMultiplex }
func (lineProto) MaxStreamID() uint64                            { return 1 << 20 }
func (lineProto) HeartbeatReply(xprotocol.Frame) xprotocol.Frame { return nil }
func (lineProto) ErrorReply(xprotocol.Frame, xprotocol.Status, string) xprotocol.Frame {
	return nil
}
func (p lineProto) NewHeartbeat(id uint64) xprotocol.Frame {
	if p.noHeartbeat {
		return nil
	}
	return &lineFrame{kind: "PING", id: id}
}
func (lineProto) NewSession(xprotocol.SessionOptions) xprotocol.Session { return &lineSession{} }

type lineSession struct{ greeted bool }

func (s *lineSession) AppendPending(dst []byte) []byte {
	if !s.greeted {
		s.greeted = true
		dst = append(dst, "HELLO\n"...)
	}
	return dst
}
func (s *lineSession) Held() int { return 0 }

func (s *lineSession) Decode(src []byte) (xprotocol.Frame, int, error) {
	i := strings.IndexByte(string(src), '\n')
	if i < 0 {
		return nil, 0, xprotocol.ErrIncomplete
	}
	kind, idText, _ := strings.Cut(string(src[:i]), " ")
	id, err := strconv.ParseUint(idText, 10, 64)
	if err != nil {
		return nil, 0, &xprotocol.FrameError{Protocol: "line", Field: "id", Reason: err.Error(), Err: xprotocol.ErrMalformed}
	}
	return &lineFrame{kind: kind, id: id}, i + 1, nil
}

func (s *lineSession) Encode(dst []byte, f xprotocol.Frame) ([]byte, error) {
	lf := f.(*lineFrame)
	return fmt.Appendf(dst, "%s %d\n", lf.kind, lf.id), nil
}

type lineFrame struct {
	kind string
	id   uint64
}

func (f *lineFrame) Protocol() string { return "line" }
func (f *lineFrame) Kind() xprotocol.Kind {
	if f.kind == "PING" {
		return xprotocol.KindRequest
	}
	return xprotocol.KindResponse
}
func (f *lineFrame) Heartbeat() bool          { return f.kind == "PING" || f.kind == "PONG" || f.kind == "SICK" }
func (f *lineFrame) StreamID() uint64         { return f.id }
func (f *lineFrame) SetStreamID(id uint64)    { f.id = id }
func (f *lineFrame) Key(xprotocol.Key) []byte { return nil }
func (f *lineFrame) Header() xprotocol.Header { return nil }
func (f *lineFrame) Body() []byte             { return nil }
func (f *lineFrame) Timeout() time.Duration   { return 0 }
func (f *lineFrame) EndStream() bool          { return true }
func (f *lineFrame) Size() int                { return len(f.kind) + 4 }
func (f *lineFrame) Release()                 {}
func (f *lineFrame) Status() xprotocol.Status {
	if f.kind == "SICK" {
		return xprotocol.StatusServerError
	}
	return xprotocol.StatusOK
}

// lineServer answers "PING id" after a "HELLO" line with reply(id), and
// records protocol violations in bad.
func lineServer(t *testing.T, reply func(id string) string, bad *atomic.Value) string {
	return serve(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		hello, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if hello != "HELLO\n" {
			bad.Store("first line " + strconv.Quote(hello))
			return
		}
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			id, ok := strings.CutPrefix(strings.TrimSpace(line), "PING ")
			if !ok {
				bad.Store("unexpected " + strconv.Quote(line))
				return
			}
			if _, err := io.WriteString(c, reply(id)); err != nil {
				return
			}
		}
	})
}
