package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// xgateBin is the gateway binary built once for the package's tests, with
// the race detector on, and run as a separate process as in production.
var xgateBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "xgate-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	xgateBin = filepath.Join(dir, "xgate")
	build := exec.Command("go", "build", "-race", "-o", xgateBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building xgate:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// gateway is a running xgate process.
type gateway struct {
	t      testing.TB
	cmd    *exec.Cmd
	admin  string
	addr   string
	path   string // the configuration file
	done   bool   // the process exited and was waited for (waitExit)
	mu     sync.Mutex
	log    strings.Builder
	exited chan error
}

// startGateway writes cfg (with {{ADDR}} and {{ADMIN}} replaced by free
// addresses) to a file and runs `xgate run -c FILE`, returning once the
// process logs that it started.
func startGateway(t testing.TB, cfg string) *gateway {
	t.Helper()
	return startGatewayBinary(t, xgateBin, cfg)
}

// startGatewayBinary is startGateway for any binary with xgate's command
// line (xgate itself, or one built the same way with more codecs, such as
// xgate-toy).
func startGatewayBinary(t testing.TB, bin, cfg string) *gateway {
	t.Helper()
	name := filepath.Base(bin)
	g := &gateway{t: t, admin: freeAddr(t), addr: freeAddr(t), exited: make(chan error, 1)}
	cfg = strings.ReplaceAll(cfg, "{{ADDR}}", g.addr)
	cfg = strings.ReplaceAll(cfg, "{{ADMIN}}", g.admin)
	path := filepath.Join(t.TempDir(), name+".yaml")
	g.path = path
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	g.cmd = exec.Command(bin, "run", "-c", path, "-log-level", "debug", "-drain-timeout", "5s")
	stderr, err := g.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, g.cmd.Start())
	started := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			line := sc.Text()
			g.mu.Lock()
			g.log.WriteString(line + "\n")
			g.mu.Unlock()
			if !once && strings.Contains(line, "xgate started") {
				once = true
				close(started)
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		g.exited <- g.cmd.Wait()
	}()
	select {
	case <-started:
	case err := <-g.exited:
		t.Fatalf("%s exited before starting: %v\n%s", name, err, g.logs())
	case <-time.After(20 * time.Second):
		_ = g.cmd.Process.Kill()
		t.Fatalf("%s did not start in time\n%s", name, g.logs())
	}
	t.Cleanup(g.stop)
	return g
}

// waitLog waits until the gateway has logged a line containing substr.
func (g *gateway) waitLog(t testing.TB, substr string) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Contains(g.logs(), substr) },
		10*time.Second, 5*time.Millisecond, "gateway never logged %q", substr)
}

func (g *gateway) logs() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.log.String()
}

// stop sends SIGTERM and requires a clean exit; a race report fails the test.
func (g *gateway) stop() {
	if g.done || g.cmd.ProcessState != nil {
		return // a test waited for the exit itself
	}
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-g.exited:
		if err != nil {
			g.t.Errorf("xgate exited with %v\n%s", err, g.logs())
		}
	case <-time.After(15 * time.Second):
		_ = g.cmd.Process.Kill()
		g.t.Errorf("xgate did not stop on SIGTERM\n%s", g.logs())
	}
	if strings.Contains(g.logs(), "DATA RACE") {
		g.t.Errorf("race detected in xgate:\n%s", g.logs())
	}
}

// metric returns the value of one Prometheus series from /metrics, 0 if absent.
func (g *gateway) metric(series string) float64 {
	g.t.Helper()
	resp, err := http.Get("http://" + g.admin + "/metrics")
	require.NoError(g.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(g.t, err)
	for _, line := range strings.Split(string(body), "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			var v float64
			_, err := fmt.Sscan(rest, &v)
			require.NoError(g.t, err)
			return v
		}
	}
	return 0
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func replaceOnce(s, old, repl string) string {
	i := strings.Index(s, old)
	if i < 0 {
		panic(fmt.Sprintf("replaceOnce: %q not found", old))
	}
	return s[:i] + repl + s[i+len(old):]
}

// rewrite replaces the configuration file (placeholders substituted as at
// start), for a reload.
func (g *gateway) rewrite(t testing.TB, cfg string) {
	t.Helper()
	cfg = strings.ReplaceAll(cfg, "{{ADDR}}", g.addr)
	cfg = strings.ReplaceAll(cfg, "{{ADMIN}}", g.admin)
	require.NoError(t, os.WriteFile(g.path, []byte(cfg), 0o600))
}

// waitExit waits for the process to exit by itself (after a signal the
// test sent) and requires a clean exit.
func (g *gateway) waitExit(t testing.TB, within time.Duration) {
	t.Helper()
	select {
	case err := <-g.exited:
		g.done = true
		require.NoError(t, err, "xgate exit\n%s", g.logs())
		require.NotContains(t, g.logs(), "DATA RACE")
	case <-time.After(within):
		t.Fatalf("xgate did not exit in %s\n%s", within, g.logs())
	}
}

// serveLoopback accepts connections on a loopback port and serves each
// with serve on its own goroutine until the test ends.
func serveLoopback(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(c)
			}()
		}
	}()
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
