// Command demo runs the Xgate demo: it starts a sample backend for every
// endpoint of every cluster in the demo configuration, starts the xgate
// binary with that configuration, sends real requests of every supported
// protocol (Bolt, Dubbo, Thrift, HTTP/1.1, HTTP/2, gRPC) through the one
// gateway port, prints what went where, and stops everything. It exits
// non-zero if any request did not go as expected.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	_ "github.com/xgate/xgate/codecs/all"
	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
	"github.com/xgate/xgate/codecs/dubbo/dubbopeer"
	"github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/codecs/thrift/thriftpeer"
	"github.com/xgate/xgate/conformance/grpcpeer"
	"github.com/xgate/xgate/conformance/httppeer"
	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/xprotocol"
)

func main() {
	bin := flag.String("xgate", "bin/xgate", "path to the xgate binary")
	path := flag.String("c", "examples/demo.yaml", "demo configuration")
	flag.Parse()
	if err := run(*bin, *path); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
	fmt.Println("\ndemo finished: every request went where it should")
}

func run(bin, path string) error {
	cfg, err := config.Load(path, xprotocol.Default.Names())
	if err != nil {
		return err
	}
	// Sample backends, one per cluster endpoint.
	var servers []io.Closer
	defer func() {
		for _, s := range servers {
			_ = s.Close()
		}
	}()
	for _, cl := range cfg.Clusters {
		for i, ep := range cl.Endpoints {
			ln, err := net.Listen("tcp", ep)
			if err != nil {
				return fmt.Errorf("backend for %s: %w", cl.Name, err)
			}
			name := fmt.Sprintf("%s#%d@%s", cl.Name, i, ep)
			switch cl.Protocol {
			case "bolt":
				servers = append(servers, boltpeer.Serve(ln, boltpeer.ServerOptions{Name: name}))
			case "dubbo":
				servers = append(servers, dubbopeer.Serve(ln, dubbopeer.ServerOptions{Name: name}))
			case "thrift":
				// The generated Thrift server listens itself; the variant
				// is the demo's choice per cluster (see demo.yaml).
				_ = ln.Close()
				v := thrift.MakeVariant(strings.Contains(cl.Name, "unframed"), !strings.Contains(cl.Name, "unframed"))
				s, err := thriftpeer.Serve(thriftpeer.ServerOptions{Variant: v, Multiplexed: true, Name: name, Address: ep})
				if err != nil {
					return fmt.Errorf("backend for %s: %w", cl.Name, err)
				}
				servers = append(servers, closerFunc(func() error { s.Stop(); return nil }))
			case "http1", "http2":
				// net/http listens itself: HTTP/1.1 only behind an http1
				// cluster, HTTP/1.1 and h2c behind an http2 one.
				_ = ln.Close()
				s, err := httppeer.Start(httppeer.Options{Address: ep, Name: name, HTTP2: cl.Protocol == "http2"})
				if err != nil {
					return fmt.Errorf("backend for %s: %w", cl.Name, err)
				}
				servers = append(servers, s)
			case "grpc":
				_ = ln.Close()
				s, err := grpcpeer.Start(grpcpeer.Options{Address: ep, Name: name})
				if err != nil {
					return fmt.Errorf("backend for %s: %w", cl.Name, err)
				}
				servers = append(servers, closerFunc(func() error { s.Close(); return nil }))
			default:
				_ = ln.Close()
				return fmt.Errorf("cluster %s: the demo has no %q backend", cl.Name, cl.Protocol)
			}
			fmt.Printf("backend  %-20s %-6s listening on %s\n", cl.Name, cl.Protocol, ep)
		}
	}

	gw, err := startXgate(bin, path)
	if err != nil {
		return err
	}
	defer gw.stop()
	addr := cfg.Listeners[0].Address
	fmt.Printf("gateway  %s on %s (admin %s)\n\n", cfg.Listeners[0].Name, addr, cfg.Admin.Address)

	c, err := boltpeer.Dial(addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var failures []string
	expect := func(what string, ok bool) {
		if !ok {
			failures = append(failures, what)
		}
	}
	show := func(proto, what string, r *boltpeer.Response, err error) {
		if err != nil {
			fmt.Printf("%-6s %-44s -> error: %v\n", proto, what, err)
			return
		}
		where := r.Headers["server"]
		if where == "" {
			where = "answered by xgate"
		}
		fmt.Printf("%-6s %-44s -> %-40s %s %q\n", proto, what, where, r.Status, printable(r.Content))
	}

	for i := range 4 {
		msg := fmt.Sprintf("hello %d", i)
		r, err := c.Call(ctx, "com.example.EchoService", "echo", []byte(msg))
		show("bolt", "com.example.EchoService.echo", r, err)
		expect("echo "+msg, err == nil && r.Status == bolt.StatusSuccess && string(r.Content) == msg &&
			strings.HasPrefix(r.Headers["server"], "echo-bolt#"))
	}
	r, err := c.Do(ctx, [][2]string{{"service", "com.example.EchoService"}, {"sofa_head_method_name", "greet"}, {"x-env", "canary"}}, []byte("canary"))
	show("bolt", "com.example.EchoService.greet x-env=canary", r, err)
	expect("canary", err == nil && strings.HasPrefix(r.Headers["server"], "canary-bolt#"))

	v2, err := boltpeer.Dial(addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer v2.Close()
	v2.Proto, v2.CRC = bolt.ProtoV2, true
	r, err = v2.Call(ctx, "com.example.EchoService", "echo", []byte("bolt v2 with crc32"))
	show("boltv2", "com.example.EchoService.echo (CRC32)", r, err)
	expect("bolt v2", err == nil && r.Status == bolt.StatusSuccess && r.Proto == bolt.ProtoV2 && r.CRC)

	r, err = c.Call(ctx, "com.example.NoSuchService", "echo", []byte("?"))
	show("bolt", "com.example.NoSuchService.echo", r, err)
	expect("no route", err == nil && r.Status == bolt.StatusNoProcessor)

	r, err = c.Heartbeat(ctx)
	show("bolt", "heartbeat", r, err)
	expect("heartbeat", err == nil && r.Heartbeat && r.Status == bolt.StatusSuccess)

	if err := runDubbo(ctx, addr, expect); err != nil {
		return err
	}
	if err := runThrift(ctx, addr, expect); err != nil {
		return err
	}
	runHTTP(ctx, addr, expect)
	if err := runGRPC(ctx, addr, expect); err != nil {
		return err
	}

	closed := sendGarbage(addr)
	fmt.Printf("%-6s %-44s -> %s\n", "?", "garbage bytes", map[bool]string{true: "connection closed by xgate", false: "NOT CLOSED"}[closed])
	expect("garbage closed", closed)

	fmt.Println("\nmetrics from the admin API:")
	for _, line := range metrics(cfg.Admin.Address) {
		fmt.Println("  " + line)
	}
	if len(failures) > 0 {
		return fmt.Errorf("unexpected results: %s", strings.Join(failures, ", "))
	}
	return nil
}

func printable(b []byte) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			out = append(out, c)
		}
	}
	return string(out)
}

func sendGarbage(addr string) bool {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return false
	}
	defer conn.Close()
	_, _ = conn.Write([]byte("\xff\xfenot a protocol\r\n"))
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = conn.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return err != nil
}

func metrics(admin string) []string {
	resp, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		return []string{err.Error()}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		for _, p := range []string{"xgate_requests_total", "xgate_detect_total", "xgate_local_replies_total", "xgate_upstream_responses_total"} {
			if strings.HasPrefix(line, p) && !strings.HasSuffix(line, " 0") {
				out = append(out, line)
			}
		}
	}
	return out
}

type xgateProc struct {
	cmd    *exec.Cmd
	exited chan error
}

func startXgate(bin, path string) (*xgateProc, error) {
	cmd := exec.Command(bin, "run", "-c", path, "-log-level", "warn")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = os.Stdout
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w (run `make build` first)", bin, err)
	}
	p := &xgateProc{cmd: cmd, exited: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			fmt.Println("  [xgate] " + sc.Text())
		}
		p.exited <- cmd.Wait()
	}()
	// Ready when the admin API says so.
	cfg, _ := config.Load(path, xprotocol.Default.Names())
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.exited:
			return nil, fmt.Errorf("xgate exited: %v", err)
		default:
		}
		if cfg != nil {
			if resp, err := http.Get("http://" + cfg.Admin.Address + "/ready"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return p, nil
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("xgate did not become ready")
}

func (p *xgateProc) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
	}
}

// runDubbo sends Dubbo calls built with dubbo-go's own codec.
func runDubbo(ctx context.Context, addr string, expect func(string, bool)) error {
	c, err := dubbopeer.Dial(addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	show := func(what string, r *dubbopeer.Response, err error) {
		if err != nil {
			fmt.Printf("%-6s %-44s -> error: %v\n", "dubbo", what, err)
			return
		}
		where := fmt.Sprint(r.Attachments["server"])
		if r.Attachments["server"] == nil {
			where = "answered by xgate"
		}
		result := fmt.Sprint(r.Value)
		if r.ErrorMessage != "" {
			result = r.ErrorMessage
		}
		fmt.Printf("%-6s %-44s -> %-40s status %d %q\n", "dubbo", what, where, r.Status, printable([]byte(result)))
	}
	for i := range 2 {
		msg := fmt.Sprintf("hi dubbo %d", i)
		r, err := c.Call(ctx, "org.apache.dubbo.demo.DemoService", "echo", msg)
		show("org.apache.dubbo.demo.DemoService.echo", r, err)
		expect("dubbo echo", err == nil && r.Status == 20 && r.Value == msg)
	}
	r, err := c.Call(ctx, "org.apache.dubbo.demo.Missing", "echo", "?")
	show("org.apache.dubbo.demo.Missing.echo", r, err)
	expect("dubbo no route", err == nil && r.Status == 60)
	r, err = c.Heartbeat(ctx)
	show("heartbeat (event)", r, err)
	expect("dubbo heartbeat", err == nil && r.Heartbeat)
	return nil
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// runThrift calls the generated Thrift client in two wire variants.
func runThrift(ctx context.Context, addr string, expect func(string, bool)) error {
	for _, c := range []struct {
		variant thrift.Variant
		mux     bool
	}{{thrift.BinaryFramed, true}, {thrift.CompactUnframed, false}} {
		client, err := thriftpeer.Dial(addr, thriftpeer.ClientOptions{Variant: c.variant, Multiplexed: c.mux})
		if err != nil {
			return err
		}
		name := "echo"
		if c.mux {
			name = "Echo:echo"
		}
		what := fmt.Sprintf("%s (%s)", name, c.variant)
		got, err := client.Echo.Echo(ctx, thriftpeer.WhoAmI+" hello")
		if err != nil {
			fmt.Printf("%-6s %-44s -> error: %v\n", "thrift", what, err)
		} else {
			fmt.Printf("%-6s %-44s -> %q\n", "thrift", what, printable([]byte(got)))
		}
		expect("thrift "+what, err == nil && strings.HasPrefix(got, "echo-thrift-"))
		sum, err := client.Echo.Add(ctx, 20, 22)
		fmt.Printf("%-6s %-44s -> %d %v\n", "thrift", "add(20, 22) "+c.variant.String(), sum, errString(err))
		expect("thrift add", err == nil && sum == 42)
		_ = client.Close()
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
