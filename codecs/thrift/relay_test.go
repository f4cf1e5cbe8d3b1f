package thrift_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	athrift "github.com/apache/thrift/lib/go/thrift"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/codecs/thrift/thriftpeer"
	"github.com/xgate/xgate/conformance/thrift/gen-go/echo"
	"github.com/xgate/xgate/xprotocol"
)

// relay is a minimal proxy built on the codec, the way the engine uses it:
// a server session decodes what the client sends, calls are renumbered into
// the relay's own seqid space (starting at 2^29, so compact varints grow
// from a client's small seqids) and written to the upstream with a client
// session; replies are matched by seqid, restored, and written back.
type relay struct {
	t        *testing.T
	ln       net.Listener
	upstream string
	// edit, when set, may change a call before it is forwarded, or answer
	// it itself by returning a reply.
	edit func(f *thrift.Frame) xprotocol.Frame
	wg   sync.WaitGroup
	mu   sync.Mutex
	conn []net.Conn
}

func startRelay(t *testing.T, upstream string, edit func(f *thrift.Frame) xprotocol.Frame) *relay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r := &relay{t: t, ln: ln, upstream: upstream, edit: edit}
	r.wg.Add(1)
	go r.accept()
	t.Cleanup(r.stop)
	return r
}

func (r *relay) addr() string { return r.ln.Addr().String() }

func (r *relay) stop() {
	_ = r.ln.Close()
	r.mu.Lock()
	for _, c := range r.conn {
		_ = c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

func (r *relay) track(c net.Conn) {
	r.mu.Lock()
	r.conn = append(r.conn, c)
	r.mu.Unlock()
}

func (r *relay) accept() {
	defer r.wg.Done()
	for {
		down, err := r.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", r.upstream)
		if err != nil {
			r.t.Error(err)
			_ = down.Close()
			return
		}
		r.track(down)
		r.track(up)
		r.wg.Add(1)
		go r.serve(down, up)
	}
}

// serve relays one connection. The upstream session learns its variant
// from the first call, as the engine would tell it.
func (r *relay) serve(down, up net.Conn) {
	defer r.wg.Done()
	var (
		wmu     sync.Mutex // writes to down
		mu      sync.Mutex
		pending = map[uint64]uint64{} // relay id -> client id
		next    = uint64(1 << 29)
		variant = make(chan uint8, 1)
	)
	writeDown := func(b []byte) {
		wmu.Lock()
		defer wmu.Unlock()
		_, _ = down.Write(b)
	}
	var inner sync.WaitGroup
	inner.Add(1)
	go func() { // upstream -> downstream
		defer inner.Done()
		defer down.Close()
		v, ok := <-variant
		if !ok {
			return
		}
		s := thrift.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleClient, Variant: v})
		_ = readFrames(up, s, func(f xprotocol.Frame) {
			mu.Lock()
			orig, ok := pending[f.StreamID()]
			delete(pending, f.StreamID())
			mu.Unlock()
			if !ok {
				r.t.Errorf("reply with unknown seqid %d", f.StreamID())
				return
			}
			f.SetStreamID(orig)
			out, err := s.Encode(nil, f)
			if err != nil {
				r.t.Error(err)
				return
			}
			writeDown(out)
		})
	}()
	s := thrift.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleServer})
	var upSession xprotocol.Session
	_ = readFrames(down, s, func(f xprotocol.Frame) {
		if upSession == nil {
			v := thrift.Proto.FrameVariant(f)
			upSession = thrift.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleClient, Variant: v})
			variant <- v
		}
		if r.edit != nil {
			if reply := r.edit(f.(*thrift.Frame)); reply != nil {
				out, err := s.Encode(nil, reply)
				reply.Release()
				require.NoError(r.t, err)
				writeDown(out)
				return
			}
		}
		if f.Kind() == xprotocol.KindRequest {
			mu.Lock()
			next++
			pending[next] = f.StreamID()
			f.SetStreamID(next)
			mu.Unlock()
		}
		out, err := upSession.Encode(nil, f)
		if err != nil {
			r.t.Error(err)
			return
		}
		_, _ = up.Write(out)
	})
	close(variant)
	_ = up.Close()
	inner.Wait()
}

// readFrames decodes frames from c until it fails; fn must not keep f.
func readFrames(c net.Conn, s xprotocol.Session, fn func(f xprotocol.Frame)) error {
	buf := make([]byte, 0, 64<<10)
	tmp := make([]byte, 4096)
	for {
		for {
			f, n, err := s.Decode(buf)
			if errors.Is(err, xprotocol.ErrIncomplete) {
				break
			}
			if err != nil {
				return err
			}
			fn(f)
			f.Release()
			buf = append(buf[:0], buf[n:]...)
		}
		n, err := c.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if err != nil {
			if n > 0 {
				continue
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// TestRelayRealPeers: the library's generated client and server talk
// through the codec-based relay in every variant, plain and multiplexed,
// with every seqid rewritten on the way and restored on the way back.
func TestRelayRealPeers(t *testing.T) {
	ctx := context.Background()
	for _, v := range thrift.AllVariants() {
		for _, mux := range []bool{false, true} {
			srv, err := thriftpeer.Serve(thriftpeer.ServerOptions{Variant: v, Multiplexed: mux, Name: "up"})
			require.NoError(t, err)
			r := startRelay(t, srv.Addr(), nil)
			c, err := thriftpeer.Dial(r.addr(), thriftpeer.ClientOptions{Variant: v, Multiplexed: mux, Timeout: 5 * time.Second})
			require.NoError(t, err)

			for i := range 20 { // seqids 1.., relayed as 2^29+..
				got, err := c.Echo.Echo(ctx, "hello")
				require.NoError(t, err, "%s mux=%v call %d", v, mux, i)
				assert.Equal(t, "hello", got)
			}
			sum, err := c.Echo.Add(ctx, 2, 3)
			require.NoError(t, err)
			assert.Equal(t, int32(5), sum)
			require.NoError(t, c.Echo.Fire(ctx, "oneway"))
			require.NoError(t, c.Echo.Ping(ctx))
			_, err = c.Echo.Fail(ctx, "declared")
			var ee *echo.EchoError
			require.True(t, errors.As(err, &ee), "%v", err)
			_, err = c.Echo.Fail(ctx, thriftpeer.FailInternal)
			var tae athrift.TApplicationException
			require.True(t, errors.As(err, &tae), "%v", err)
			b := bundle(8, true)
			back, err := c.Echo.Mirror(ctx, b)
			require.NoError(t, err)
			assert.True(t, b.Equals(back), "%s mux=%v: a nested bundle survives both ways", v, mux)
			if mux {
				p, err := c.Calc.Mul(ctx, 6, 7)
				require.NoError(t, err)
				assert.Equal(t, int64(42), p)
			}
			_ = c.Close()
			r.stop()
			srv.Stop()
		}
	}
}

// TestRelayErrorReplyAndServiceStrip: the relay answers ping itself with an
// error reply, which the generated client receives as its call's
// TApplicationException; and it strips the service of a multiplexed
// client's calls for a plain upstream.
func TestRelayErrorReplyAndServiceStrip(t *testing.T) {
	ctx := context.Background()
	for _, v := range thrift.AllVariants() {
		srv, err := thriftpeer.Serve(thriftpeer.ServerOptions{Variant: v}) // plain
		require.NoError(t, err)
		r := startRelay(t, srv.Addr(), func(f *thrift.Frame) xprotocol.Frame {
			if string(f.Key(xprotocol.KeyMethod)) == "ping" {
				return thrift.Proto.ErrorReply(f, xprotocol.StatusTimeout, "xgate: upstream timeout")
			}
			f.Header().Del("service")
			return nil
		})
		c, err := thriftpeer.Dial(r.addr(), thriftpeer.ClientOptions{Variant: v, Multiplexed: true})
		require.NoError(t, err)

		err = c.Echo.Ping(ctx)
		var tae athrift.TApplicationException
		require.True(t, errors.As(err, &tae), "%s: %v", v, err)
		assert.Equal(t, int32(athrift.INTERNAL_ERROR), tae.TypeId())
		assert.Equal(t, "xgate: upstream timeout", tae.Error())

		got, err := c.Echo.Echo(ctx, "stripped")
		require.NoError(t, err, v)
		assert.Equal(t, "stripped", got)
		calls := srv.Calls()
		require.Len(t, calls, 1, "ping never reached the server")
		assert.Equal(t, "echo", calls[0].Method)
		_ = c.Close()
		r.stop()
		srv.Stop()
	}
}
