package transport

import (
	"context"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// failsafe bounds every wait in these tests. It is never what a test waits
// for: it only turns a hang (a bug) into a failure.
const failsafe = 15 * time.Second

// leakOptions are the goroutines goleak tolerates. gnet submits Enroll's
// work to its package-level ants pool (gnet/pkg/pool/goroutine.DefaultWorkerPool),
// which keeps two housekeeping goroutines for the life of the process and
// parks idle workers for up to 10 s. An idle worker sits in goWorker.run's
// closure waiting on its task channel; a worker stuck inside a task (for
// example in Enroll) has the task's function at the top of its stack and is
// still reported.
func leakOptions() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreTopFunction("github.com/panjf2000/ants/v2.(*poolCommon).purgeStaleWorkers"),
		goleak.IgnoreTopFunction("github.com/panjf2000/ants/v2.(*poolCommon).ticktock"),
		goleak.IgnoreTopFunction("github.com/panjf2000/ants/v2.(*goWorker).run.func1"),
	}
}

// freeAddr returns a 127.0.0.1 address that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// testServer wraps a Server so a test can stop it explicitly and the cleanup
// stops it otherwise, exactly once.
type testServer struct {
	*Server
	once    sync.Once
	stopErr error
}

func (s *testServer) stop(t testing.TB) {
	t.Helper()
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), failsafe)
		defer cancel()
		s.stopErr = s.Stop(ctx)
	})
	require.NoError(t, s.stopErr)
}

func startServer(t testing.TB, opts ServerOptions) *testServer {
	t.Helper()
	if opts.Address == "" {
		opts.Address = freeAddr(t)
	}
	if opts.Loops == 0 {
		opts.Loops = 2
	}
	srv, err := Listen(opts)
	require.NoError(t, err)
	ts := &testServer{Server: srv}
	t.Cleanup(func() { ts.stop(t) })
	return ts
}

// funcs is a Handler made of optional functions; a nil OnData consumes
// everything.
type funcs struct {
	open  func(c *Conn)
	data  func(c *Conn, p []byte) int
	close func(c *Conn, err error)
}

func (f *funcs) OnOpen(c *Conn) {
	if f.open != nil {
		f.open(c)
	}
}

func (f *funcs) OnData(c *Conn, p []byte) int {
	if f.data != nil {
		return f.data(c, p)
	}
	return len(p)
}

func (f *funcs) OnClose(c *Conn, err error) {
	if f.close != nil {
		f.close(c, err)
	}
}

func echoData(c *Conn, p []byte) int {
	c.Write(p)
	return len(p)
}

func acceptWith(h Handler) func(*Conn) Handler {
	return func(*Conn) Handler { return h }
}

// dial connects a client to addr; the deadline is a failsafe only.
func dial(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, failsafe)
	require.NoError(t, err)
	require.NoError(t, nc.SetDeadline(time.Now().Add(failsafe)))
	t.Cleanup(func() { _ = nc.Close() })
	return nc.(*net.TCPConn)
}

// recv waits for a value on ch.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(failsafe):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// none asserts nothing is ready on ch right now.
func none[T any](t testing.TB, ch <-chan T, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %s: %v", what, v)
	default:
	}
}

// execOn runs fn on l and waits for it; false if the loop is gone.
func execOn(l *Loop, fn func()) bool {
	done := make(chan struct{})
	if !l.Execute(func() { fn(); close(done) }) {
		return false
	}
	select {
	case <-done:
		return true
	case <-time.After(failsafe):
		return false
	}
}

func onLoop(t testing.TB, l *Loop, fn func()) {
	t.Helper()
	require.True(t, execOn(l, fn), "loop task did not run")
}

// goid returns the current goroutine's id, to check that callbacks run on
// the goroutine of their loop.
func goid() uint64 {
	var buf [64]byte
	s := string(buf[:runtime.Stack(buf[:], false)])
	s = strings.TrimPrefix(s, "goroutine ")
	id, err := strconv.ParseUint(s[:strings.IndexByte(s, ' ')], 10, 64)
	if err != nil {
		panic(err)
	}
	return id
}
