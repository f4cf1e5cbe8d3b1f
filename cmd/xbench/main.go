// Command xbench is Xgate's load generator and echo server: a client-only
// tool that drives one protocol at one address with a fixed number of
// connections and requests in flight, and reports throughput, latency
// percentiles and errors by kind, as text or JSON.
//
//	xbench -protocol bolt -addr 127.0.0.1:9000 -c 8 -n 64 -d 5s -payload 128
//	xbench -protocol thrift -variant framed-compact -addr ... -requests 100000 -json
//	xbench -serve -protocol bolt -addr 127.0.0.1:9100     # an echo server
//
// Echo servers: Bolt uses the project's test peer (boltpeer), gRPC grpc-go
// (grpcpeer), HTTP/1.1 and h2c net/http; Dubbo and Thrift use a small
// server on the gateway's own codecs (fastecho.go) so that the direct
// baseline is not bound by a slow server, or with -peer the test peers
// built on dubbo-go and Apache Thrift.
//
// Protocols: bolt (v1), dubbo (hessian2 echo(String)), thrift (-variant
// framed-binary, framed-compact, binary, compact: Echo.echo(msg)), http1
// (POST /echo), h2 (h2c prior knowledge, POST /echo), grpc
// (grpc.testing.TestService/UnaryCall asking for a payload of the same
// size back).
//
// In flight (-n): Bolt, Dubbo, framed Thrift, HTTP/2 and gRPC multiplex -n
// requests on each connection, told apart by request id / stream id.
// HTTP/1.1 pipelines them: -n requests are written back to back and the
// responses come back in order (so one slow response delays the ones
// behind it; for independent requests use more connections, -c). Unframed
// Thrift carries one call at a time (-n 1): a gateway reads a call sent
// before the previous one was answered as oneway (see README.md).
//
// Each connection has one reader goroutine, which decodes responses with
// the codecs (xprotocol client sessions; HTTP/1.1 with a small parser),
// records latencies in its own log-linear histogram and queues the next
// requests, and one writer goroutine that sends what was queued in one
// write. Requests are prebuilt once and only their id is patched, so the
// hot path does not allocate for Bolt, Dubbo, Thrift and HTTP/1.1.
//
// Latency is measured from when a request is queued to when its response
// is decoded, for requests sent after -warmup; throughput counts those
// responses over the measured time. A request still unanswered -drain
// after the end is counted as a "timeout" error. The tool only ever
// connects to -addr.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command line.
type options struct {
	protocol, variant, addr string
	conns, inFlight         int
	duration, warmup, drain time.Duration
	requests                int64
	payload                 int
	jsonOut, serve, peer    bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("xbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.StringVar(&o.protocol, "protocol", "bolt", "protocol: "+strings.Join(protocolNames, ", "))
	fs.StringVar(&o.variant, "variant", "framed-binary", "thrift variant: framed-binary, framed-compact, binary, compact")
	fs.StringVar(&o.addr, "addr", "", "address to load (or to serve on with -serve; default 127.0.0.1:0 there)")
	fs.IntVar(&o.conns, "c", 1, "connections")
	fs.IntVar(&o.inFlight, "n", 1, "requests in flight per connection (HTTP/1.1: pipelined)")
	fs.DurationVar(&o.duration, "d", 5*time.Second, "measured duration")
	fs.DurationVar(&o.warmup, "warmup", 0, "load before measuring (not counted)")
	fs.DurationVar(&o.drain, "drain", 5*time.Second, "how long to wait for responses after the end")
	fs.Int64Var(&o.requests, "requests", 0, "send this many requests instead of running for -d")
	fs.IntVar(&o.payload, "payload", 128, "payload bytes per request")
	fs.BoolVar(&o.jsonOut, "json", false, "print the result as JSON")
	fs.BoolVar(&o.serve, "serve", false, "run an echo server for -protocol on -addr until interrupted")
	fs.BoolVar(&o.peer, "peer", false, "with -serve: Dubbo and Thrift echo with the reference-library test peers (dubbo-go, Apache Thrift) instead of the codec-based server")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.serve {
		if o.addr == "" {
			o.addr = "127.0.0.1:0"
		}
		return o, nil
	}
	switch {
	case o.addr == "":
		return nil, errors.New("-addr is required")
	case o.conns < 1 || o.inFlight < 1:
		return nil, errors.New("-c and -n must be at least 1")
	case o.inFlight > 1<<16:
		return nil, errors.New("-n is at most 65536")
	case o.payload < 0:
		return nil, errors.New("-payload must not be negative")
	case o.requests <= 0 && o.duration <= 0:
		return nil, errors.New("-d must be positive (or give -requests)")
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "xbench: %v\n", err)
		return 2
	}
	if o.serve {
		return serve(o, stdout, stderr)
	}
	res, err := load(o)
	if err != nil {
		fmt.Fprintf(stderr, "xbench: %v\n", err)
		return 1
	}
	if o.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(stderr, "xbench: %v\n", err)
			return 1
		}
	} else {
		res.writeText(stdout)
	}
	if res.Requests == 0 {
		return 1
	}
	return 0
}

// serve runs an echo server until SIGINT/SIGTERM; it prints "listening on
// ADDR" once ready.
func serve(o *options, stdout, stderr io.Writer) int {
	s, err := startEcho(o.protocol, o.variant, o.addr, o.peer)
	if err != nil {
		fmt.Fprintf(stderr, "xbench: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "listening on %s\n", s.addr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	s.close()
	return 0
}

// Latency is a latency summary in microseconds.
type Latency struct {
	P50  float64 `json:"p50_us"`
	P90  float64 `json:"p90_us"`
	P99  float64 `json:"p99_us"`
	P999 float64 `json:"p999_us"`
	Max  float64 `json:"max_us"`
	Mean float64 `json:"mean_us"`
}

// Result is what one run measured.
type Result struct {
	Protocol    string            `json:"protocol"`
	Variant     string            `json:"variant,omitempty"`
	Addr        string            `json:"addr"`
	Conns       int               `json:"conns"`
	InFlight    int               `json:"in_flight"`
	Payload     int               `json:"payload_bytes"`
	Seconds     float64           `json:"seconds"`
	Requests    uint64            `json:"requests"`
	Errors      map[string]uint64 `json:"errors"`
	ErrorsTotal uint64            `json:"errors_total"`
	ReqPerSec   float64           `json:"req_per_sec"`
	MBPerSec    float64           `json:"mb_per_sec"`
	BytesSent   uint64            `json:"bytes_sent"`
	BytesRecv   uint64            `json:"bytes_received"`
	Latency     Latency           `json:"latency"`
}

// load runs the client side.
func load(o *options) (*Result, error) {
	spec, err := newSpec(o.protocol, o.variant, o.addr, o.payload)
	if err != nil {
		return nil, err
	}
	if spec.maxInFlight > 0 && o.inFlight > spec.maxInFlight {
		return nil, fmt.Errorf("%s %s carries at most %d request(s) in flight per connection: use -c", o.protocol, o.variant, spec.maxInFlight)
	}
	cfg := &loadConfig{addr: o.addr, conns: o.conns, inFlight: o.inFlight, duration: o.duration,
		warmup: o.warmup, requests: o.requests, drain: o.drain}
	if o.requests > 0 {
		cfg.duration, cfg.warmup = 0, 0
	}
	var budget atomic.Int64
	budget.Store(o.requests)
	start := time.Now()
	runners := make([]*runner, o.conns)
	var wg sync.WaitGroup
	for i := range runners {
		cc, err := spec.newConn()
		if err != nil {
			return nil, fmt.Errorf("connection state: %w", err)
		}
		r := &runner{cfg: cfg, spec: spec, start: start, budget: &budget, cc: cc}
		runners[i] = r
		wg.Go(r.run)
	}
	wg.Wait()

	res := &Result{Protocol: o.protocol, Addr: o.addr, Conns: o.conns, InFlight: o.inFlight, Payload: o.payload,
		Errors: map[string]uint64{}}
	if o.protocol == "thrift" {
		res.Variant = o.variant
	}
	hist := NewHistogram()
	var last int64
	for _, r := range runners {
		hist.Merge(r.stats.hist)
		res.Requests += r.stats.ok
		res.BytesSent += atomic.LoadUint64(&r.stats.bytesOut)
		res.BytesRecv += r.stats.bytesIn
		for k, v := range r.stats.errs {
			res.Errors[k] += v
			res.ErrorsTotal += v
		}
		last = max(last, r.stats.lastDone)
	}
	from := int64(cfg.warmup)
	if o.requests > 0 {
		from = 0
	}
	if last > from {
		res.Seconds = float64(last-from) / 1e9
		res.ReqPerSec = float64(res.Requests) / res.Seconds
		total := time.Since(start).Seconds()
		res.MBPerSec = float64(res.BytesSent+res.BytesRecv) / total / 1e6
	}
	us := func(ns uint64) float64 { return float64(ns) / 1e3 }
	res.Latency = Latency{P50: us(hist.Quantile(0.5)), P90: us(hist.Quantile(0.9)), P99: us(hist.Quantile(0.99)),
		P999: us(hist.Quantile(0.999)), Max: us(hist.Max()), Mean: hist.Mean() / 1e3}
	return res, nil
}

// writeText prints the result for humans.
func (r *Result) writeText(w io.Writer) {
	name := r.Protocol
	if r.Variant != "" {
		name += " (" + r.Variant + ")"
	}
	fmt.Fprintf(w, "%s %s: %d conns x %d in flight, %d B payload, %.2fs measured\n",
		name, r.Addr, r.Conns, r.InFlight, r.Payload, r.Seconds)
	fmt.Fprintf(w, "  requests   %d ok, %d errors\n", r.Requests, r.ErrorsTotal)
	fmt.Fprintf(w, "  throughput %.0f req/s, %.2f MB/s (sent + received on the wire)\n", r.ReqPerSec, r.MBPerSec)
	fmt.Fprintf(w, "  latency    p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  mean %s\n",
		fmtUS(r.Latency.P50), fmtUS(r.Latency.P90), fmtUS(r.Latency.P99), fmtUS(r.Latency.P999),
		fmtUS(r.Latency.Max), fmtUS(r.Latency.Mean))
	if len(r.Errors) > 0 {
		kinds := make([]string, 0, len(r.Errors))
		for k := range r.Errors {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		parts := make([]string, len(kinds))
		for i, k := range kinds {
			parts[i] = fmt.Sprintf("%s %d", k, r.Errors[k])
		}
		fmt.Fprintf(w, "  errors     %s\n", strings.Join(parts, ", "))
	}
}

// fmtUS formats microseconds with a unit that suits them.
func fmtUS(us float64) string {
	switch {
	case us >= 1e6:
		return fmt.Sprintf("%.2fs", us/1e6)
	case us >= 1e3:
		return fmt.Sprintf("%.2fms", us/1e3)
	}
	return fmt.Sprintf("%.1fµs", us)
}
