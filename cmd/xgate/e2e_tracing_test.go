package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	dh "dubbo.apache.org/dubbo-go/v3/protocol/dubbo/hessian2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
	"github.com/xgate/xgate/codecs/dubbo/dubbopeer"
	"github.com/xgate/xgate/xprotocol"
)

// otlpCollector is an OTLP/HTTP trace receiver on loopback: it decodes each
// protobuf ExportTraceServiceRequest posted to /v1/traces and keeps the
// spans with their resource's service.name.
type otlpCollector struct {
	srv   *httptest.Server
	mu    sync.Mutex
	spans []exportedSpan
	posts int
}

type exportedSpan struct {
	service string
	span    *tracepb.Span
}

func startCollector(t *testing.T) *otlpCollector {
	t.Helper()
	c := &otlpCollector{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		data, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(data, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.posts++
		for _, rs := range req.GetResourceSpans() {
			svc := ""
			for _, kv := range rs.GetResource().GetAttributes() {
				if kv.GetKey() == "service.name" {
					svc = kv.GetValue().GetStringValue()
				}
			}
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					c.spans = append(c.spans, exportedSpan{service: svc, span: s})
				}
			}
		}
		c.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	})
	c.srv = httptest.NewServer(mux) // 127.0.0.1
	t.Cleanup(c.srv.Close)
	return c
}

func (c *otlpCollector) addr() string { return strings.TrimPrefix(c.srv.URL, "http://") }

func (c *otlpCollector) snapshot() ([]exportedSpan, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]exportedSpan(nil), c.spans...), c.posts
}

// spanOfTrace returns the exported span of trace id traceID (hex).
func (c *otlpCollector) spanOfTrace(traceID string) (exportedSpan, bool) {
	spans, _ := c.snapshot()
	for _, s := range spans {
		if hex.EncodeToString(s.span.GetTraceId()) == traceID {
			return s, true
		}
	}
	return exportedSpan{}, false
}

// seenTraceparents records the traceparent each test backend received, by
// protocol.
type seenTraceparents struct {
	mu   sync.Mutex
	seen map[string][]string
}

func (s *seenTraceparents) add(proto, tp string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = make(map[string][]string)
	}
	s.seen[proto] = append(s.seen[proto], tp)
}

func (s *seenTraceparents) get(proto string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen[proto]...)
}

// tracingBackends starts one recording backend per protocol and returns
// their addresses by protocol.
func tracingBackends(t *testing.T, seen *seenTraceparents) map[string]string {
	t.Helper()
	addrs := map[string]string{}

	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.add("http1", r.Header.Get("traceparent"))
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(hs.Close)
	addrs["http1"] = strings.TrimPrefix(hs.URL, "http://")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	gs := grpc.NewServer()
	healthpb.RegisterHealthServer(gs, &recordingHealth{seen: seen})
	go func() { _ = gs.Serve(ln) }()
	t.Cleanup(gs.Stop)
	addrs["grpc"] = ln.Addr().String()

	addrs["bolt"] = serveLoopback(t, func(c net.Conn) { serveBoltRecording(c, seen) })
	addrs["dubbo"] = serveLoopback(t, func(c net.Conn) { serveDubboRecording(c, seen) })
	addrs["down"] = closedAddr(t)
	return addrs
}

type recordingHealth struct {
	healthpb.UnimplementedHealthServer
	seen *seenTraceparents
}

// Check answers SERVING, except for the services "missing" (NOT_FOUND as
// a trailers-only response) and "missing-after-headers" (NOT_FOUND in
// trailers after a response head).
func (h *recordingHealth) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	h.seen.add("grpc", strings.Join(md.Get("traceparent"), ","))
	switch req.GetService() {
	case "missing":
		return nil, status.Error(codes.NotFound, "unknown service")
	case "missing-after-headers":
		if err := grpc.SendHeader(ctx, metadata.Pairs("x-head", "1")); err != nil {
			return nil, err
		}
		return nil, status.Error(codes.NotFound, "unknown service")
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

// serveBoltRecording answers Bolt requests with their content, recording
// each request's "traceparent" header (decoded by Xgate's Bolt codec).
func serveBoltRecording(c net.Conn, seen *seenTraceparents) {
	sess := bolt.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleServer})
	var buf []byte
	rd := make([]byte, 64<<10)
	for {
		n, err := c.Read(rd)
		if err != nil {
			return
		}
		buf = append(buf, rd[:n]...)
		for {
			f, used, err := sess.Decode(buf)
			if errors.Is(err, xprotocol.ErrIncomplete) {
				break
			}
			if err != nil {
				return
			}
			buf = buf[used:]
			if f == nil {
				continue
			}
			var reply *bolt.Frame
			if f.Kind() == xprotocol.KindRequest {
				bf := f.(*bolt.Frame)
				if f.Heartbeat() {
					reply = bolt.NewHeartbeatAck(bf.RequestID(), bf.Codec())
				} else {
					tp, _ := f.Header().Get("traceparent")
					seen.add("bolt", string(tp))
					reply = bolt.NewResponse(bf.RequestID(), bolt.StatusSuccess, string(bf.ClassName()), nil, append([]byte(nil), bf.Content()...))
				}
			}
			f.Release()
			if reply != nil {
				out, _ := reply.AppendBinary(nil)
				reply.Release()
				if _, err := c.Write(out); err != nil {
					return
				}
			}
		}
	}
}

// serveDubboRecording answers Dubbo calls with their first argument,
// reading every request with dubbo-go's own packet codec (so a request the
// gateway re-encoded with a new attachment must still be valid Dubbo) and
// recording its "traceparent" attachment.
func serveDubboRecording(c net.Conn, seen *seenTraceparents) {
	r := bufio.NewReader(c)
	for {
		var hdr [dh.HEADER_LENGTH]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return
		}
		var h dh.DubboHeader
		err := dh.NewHessianCodec(bufio.NewReader(bytes.NewReader(hdr[:]))).ReadHeader(&h)
		if err != nil && !errors.Is(err, dh.ErrBodyNotEnough) {
			return
		}
		raw := make([]byte, dh.HEADER_LENGTH+h.BodyLen)
		copy(raw, hdr[:])
		if _, err := io.ReadFull(r, raw[dh.HEADER_LENGTH:]); err != nil {
			return
		}
		codec := dh.NewHessianCodec(bufio.NewReaderSize(bytes.NewReader(raw), len(raw)))
		if err := codec.ReadHeader(&h); err != nil {
			return
		}
		var out []byte
		if h.Type&dh.PackageHeartbeat != 0 {
			_ = codec.ReadBody(nil)
			out, err = dh.NewHessianCodec(nil).Write(dh.Service{}, dh.DubboHeader{SerialID: h.SerialID, Type: dh.PackageHeartbeat,
				ID: h.ID, ResponseStatus: dh.Response_OK}, nil)
		} else {
			req := make([]any, 7)
			if err := codec.ReadBody(req); err != nil {
				seen.add("dubbo", "undecodable: "+err.Error())
				return
			}
			atts, _ := req[6].(map[string]any)
			tp, _ := atts["traceparent"].(string)
			seen.add("dubbo", tp)
			args, _ := req[5].([]any)
			var value any
			if len(args) > 0 {
				value = args[0]
			}
			out, err = dh.NewHessianCodec(nil).Write(dh.Service{}, dh.DubboHeader{SerialID: h.SerialID, Type: dh.PackageResponse,
				ID: h.ID, ResponseStatus: dh.Response_OK}, dh.NewResponse(value, nil, nil))
		}
		if err != nil {
			return
		}
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

// tracingConfig routes each protocol, on one auto listener, to its
// recording backend; tracing is the tracing block (or "").
func tracingConfig(addrs map[string]string, tracing string) string {
	return fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
%s
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - {name: http-route, match: {protocol: http1}, cluster: http}
      - {name: grpc-route, match: {protocol: grpc}, cluster: grpc}
      - {name: down-route, match: {service: com.example.Down}, cluster: down}
      - {name: retired-route, match: {service: com.example.Retired}, direct_response: {status: unavailable, body: "service retired"}}
      - {name: bolt-route, match: {protocol: bolt}, cluster: bolt}
      - {name: dubbo-route, match: {protocol: dubbo}, cluster: dubbo}
clusters:
  - {name: http, protocol: http1, endpoints: ["%s"]}
  - {name: grpc, protocol: grpc, endpoints: ["%s"]}
  - {name: bolt, protocol: bolt, endpoints: ["%s"]}
  - {name: dubbo, protocol: dubbo, endpoints: ["%s"]}
  - {name: down, protocol: bolt, endpoints: ["%s"], connect_timeout: 500ms}
`, tracing, addrs["http1"], addrs["grpc"], addrs["bolt"], addrs["dubbo"], addrs["down"])
}

// callEach sends one request of every protocol through the gateway at
// addr, each carrying traceparent tps[protocol] when it is not empty.
func callEach(t *testing.T, addr string, tps map[string]string) {
	t.Helper()
	ctx := ctxTimeout(t, 10*time.Second)

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/items/7?verbose=1", nil)
	require.NoError(t, err)
	if tp := tps["http1"]; tp != "" {
		req.Header.Set("traceparent", tp)
	}
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	cc := grpcDial(t, addr)
	gctx := ctx
	if tp := tps["grpc"]; tp != "" {
		gctx = metadata.AppendToOutgoingContext(ctx, "traceparent", tp)
	}
	hr, err := healthpb.NewHealthClient(cc).Check(gctx, &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	require.Equal(t, healthpb.HealthCheckResponse_SERVING, hr.GetStatus())

	bc, err := boltpeer.Dial(addr, 2*time.Second)
	require.NoError(t, err)
	defer bc.Close()
	hdrs := [][2]string{{"service", "com.example.EchoService"}, {"sofa_head_method_name", "echo"}}
	if tp := tps["bolt"]; tp != "" {
		hdrs = append(hdrs, [2]string{"traceparent", tp})
	}
	br, err := bc.Do(ctx, hdrs, []byte("hello"))
	require.NoError(t, err)
	require.Equal(t, bolt.StatusSuccess, br.Status)
	require.Equal(t, "hello", string(br.Content))

	dc, err := dubbopeer.Dial(addr, 2*time.Second)
	require.NoError(t, err)
	defer dc.Close()
	inv := dubbopeer.Invocation{Service: "com.example.DemoService", Method: "echo", Args: []any{"hi"}}
	if tp := tps["dubbo"]; tp != "" {
		inv.Attachments = map[string]any{"traceparent": tp}
	}
	dr, err := dc.Do(ctx, inv)
	require.NoError(t, err)
	require.EqualValues(t, dubboOK, dr.Status)
	require.Equal(t, "hi", dr.Value)
}

func spanAttrs(s *tracepb.Span) map[string]string {
	m := map[string]string{}
	for _, kv := range s.GetAttributes() {
		v := kv.GetValue()
		switch {
		case v.GetStringValue() != "":
			m[kv.GetKey()] = v.GetStringValue()
		default:
			m[kv.GetKey()] = fmt.Sprint(v.GetIntValue())
		}
	}
	return m
}

// TestTracingThroughGateway: with tracing on, a request of each protocol
// that carries a traceparent reaches its backend with a traceparent of the
// same trace whose parent is the span the gateway exported over OTLP/HTTP
// (flushed when the gateway stops), and that span describes the request.
func TestTracingThroughGateway(t *testing.T) {
	col := startCollector(t)
	seen := &seenTraceparents{}
	addrs := tracingBackends(t, seen)
	g := startGateway(t, tracingConfig(addrs, fmt.Sprintf(
		`tracing: {enabled: true, otlp_endpoint: "%s", sample_ratio: 1.0, service_name: xgate-e2e}`, col.addr())))

	const clientSpan = "00f067aa0ba902b7"
	traces := map[string]string{
		"http1": "4bf92f3577b34da6a3ce929d0e0e4701",
		"grpc":  "4bf92f3577b34da6a3ce929d0e0e4702",
		"bolt":  "4bf92f3577b34da6a3ce929d0e0e4703",
		"dubbo": "4bf92f3577b34da6a3ce929d0e0e4704",
	}
	tps := map[string]string{}
	for p, tr := range traces {
		tps[p] = "00-" + tr + "-" + clientSpan + "-01"
	}
	callEach(t, g.addr, tps)

	// A request that fails at the gateway (its cluster's only host is
	// down) still gets its span, with the failure as its status.
	const downTrace = "4bf92f3577b34da6a3ce929d0e0e4705"
	bc, err := boltpeer.Dial(g.addr, 2*time.Second)
	require.NoError(t, err)
	defer bc.Close()
	br, err := bc.Do(ctxTimeout(t, 10*time.Second), [][2]string{{"service", "com.example.Down"}, {"sofa_head_method_name", "echo"},
		{"traceparent", "00-" + downTrace + "-" + clientSpan + "-01"}}, []byte("x"))
	require.NoError(t, err)
	require.NotEqual(t, bolt.StatusSuccess, br.Status)

	g.stop() // SIGTERM: the batch processor is flushed before the process exits
	require.Eventually(t, func() bool { s, _ := col.snapshot(); return len(s) >= len(traces)+1 },
		10*time.Second, 10*time.Millisecond, "spans were not exported on shutdown")
	spans, _ := col.snapshot()
	require.Len(t, spans, len(traces)+1, "one span per request")

	down, ok := col.spanOfTrace(downTrace)
	require.True(t, ok, "no span for the failed request")
	a := spanAttrs(down.span)
	assert.Equal(t, "unavailable", a["xgate.status"])
	assert.Equal(t, "down", a["xgate.cluster"])
	assert.Equal(t, "down-route", a["xgate.route"])
	assert.Equal(t, tracepb.Status_STATUS_CODE_ERROR, down.span.GetStatus().GetCode())
	assert.Equal(t, clientSpan, hex.EncodeToString(down.span.GetParentSpanId()))

	want := map[string]map[string]string{
		"http1": {"xgate.protocol": "http1", "http.request.method": "GET", "url.path": "/items/7"},
		"grpc":  {"xgate.protocol": "grpc", "rpc.system": "grpc", "rpc.service": "grpc.health.v1.Health", "rpc.method": "Check"},
		"bolt":  {"xgate.protocol": "bolt", "rpc.system": "sofa_bolt", "rpc.service": "com.example.EchoService", "rpc.method": "echo"},
		"dubbo": {"xgate.protocol": "dubbo", "rpc.system": "apache_dubbo", "rpc.service": "com.example.DemoService", "rpc.method": "echo"},
	}
	cluster := map[string]string{"http1": "http", "grpc": "grpc", "bolt": "bolt", "dubbo": "dubbo"}
	for p, tr := range traces {
		t.Run(p, func(t *testing.T) {
			es, ok := col.spanOfTrace(tr)
			require.True(t, ok, "no span exported for the %s request's trace", p)
			s := es.span
			assert.Equal(t, "xgate-e2e", es.service)
			assert.Equal(t, clientSpan, hex.EncodeToString(s.GetParentSpanId()), "parent is the client's span")
			assert.Equal(t, tracepb.Span_SPAN_KIND_SERVER, s.GetKind())
			assert.NotEqual(t, tracepb.Status_STATUS_CODE_ERROR, s.GetStatus().GetCode())
			a := spanAttrs(s)
			for k, v := range want[p] {
				assert.Equal(t, v, a[k], "attribute %s", k)
			}
			assert.Equal(t, "edge", a["xgate.listener"])
			assert.Equal(t, strings.TrimSuffix(p, "1")+"-route", a["xgate.route"])
			assert.Equal(t, cluster[p], a["xgate.cluster"])
			assert.Equal(t, addrs[p], a["xgate.upstream.host"])
			assert.Equal(t, "ok", a["xgate.status"])
			assert.Equal(t, "0", a["xgate.retries"])

			got := seen.get(p)
			require.Len(t, got, 1)
			assert.Equal(t, "00-"+tr+"-"+hex.EncodeToString(s.GetSpanId())+"-01", got[0],
				"the backend's parent is the gateway's span")
		})
	}
}

// TestTracingLocalAnswersAndGRPCStatus: a request the gateway answers
// itself (a direct_response route) gets an exported span with the answer's
// status; a gRPC call failing with NOT_FOUND gets an error span with
// rpc.grpc.status_code 5, whether the status came trailers-only or in
// trailers after the response head; an unsampled request (parent flag 00)
// is forwarded with its traceparent unchanged and exports nothing.
func TestTracingLocalAnswersAndGRPCStatus(t *testing.T) {
	col := startCollector(t)
	seen := &seenTraceparents{}
	addrs := tracingBackends(t, seen)
	g := startGateway(t, tracingConfig(addrs, fmt.Sprintf(
		`tracing: {enabled: true, otlp_endpoint: "%s", sample_ratio: 1.0}`, col.addr())))
	ctx := ctxTimeout(t, 10*time.Second)
	const clientSpan = "00f067aa0ba902b7"
	tp := func(trace, flags string) string { return "00-" + trace + "-" + clientSpan + "-" + flags }
	const (
		directTrace   = "4bf92f3577b34da6a3ce929d0e0e4711"
		notFoundTrace = "4bf92f3577b34da6a3ce929d0e0e4712"
		trailerTrace  = "4bf92f3577b34da6a3ce929d0e0e4713"
		unsampled     = "4bf92f3577b34da6a3ce929d0e0e4714"
	)

	bc, err := boltpeer.Dial(g.addr, 2*time.Second)
	require.NoError(t, err)
	defer bc.Close()
	br, err := bc.Do(ctx, [][2]string{{"service", "com.example.Retired"}, {"sofa_head_method_name", "echo"},
		{"traceparent", tp(directTrace, "01")}}, []byte("x"))
	require.NoError(t, err)
	require.NotEqual(t, bolt.StatusSuccess, br.Status)

	hc := healthpb.NewHealthClient(grpcDial(t, g.addr))
	for svc, tr := range map[string]string{"missing": notFoundTrace, "missing-after-headers": trailerTrace} {
		_, err := hc.Check(metadata.AppendToOutgoingContext(ctx, "traceparent", tp(tr, "01")),
			&healthpb.HealthCheckRequest{Service: svc})
		require.Equal(t, codes.NotFound, status.Code(err), "%s: %v", svc, err)
	}

	br, err = bc.Do(ctx, [][2]string{{"service", "com.example.EchoService"}, {"sofa_head_method_name", "echo"},
		{"traceparent", tp(unsampled, "00")}}, []byte("x"))
	require.NoError(t, err)
	require.Equal(t, bolt.StatusSuccess, br.Status)
	assert.Equal(t, []string{tp(unsampled, "00")}, seen.get("bolt"), "an unsampled request's traceparent is forwarded as it came")

	g.stop()
	require.Eventually(t, func() bool { s, _ := col.snapshot(); return len(s) >= 3 },
		10*time.Second, 10*time.Millisecond, "spans were not exported on shutdown")
	spans, _ := col.snapshot()
	require.Len(t, spans, 3, "one span per sampled request, none for the unsampled one")

	d, ok := col.spanOfTrace(directTrace)
	require.True(t, ok, "no span for the direct response")
	a := spanAttrs(d.span)
	assert.Equal(t, "unavailable", a["xgate.status"])
	assert.Equal(t, "retired-route", a["xgate.route"])
	assert.Empty(t, a["xgate.upstream.host"])
	assert.Equal(t, tracepb.Status_STATUS_CODE_ERROR, d.span.GetStatus().GetCode())
	assert.Equal(t, "service retired", d.span.GetStatus().GetMessage())
	assert.Equal(t, clientSpan, hex.EncodeToString(d.span.GetParentSpanId()))

	for _, tr := range []string{notFoundTrace, trailerTrace} {
		s, ok := col.spanOfTrace(tr)
		require.True(t, ok, "no span for the gRPC call of trace %s", tr)
		a := spanAttrs(s.span)
		assert.Equal(t, "5", a["rpc.grpc.status_code"], tr)
		assert.Equal(t, "200", a["http.response.status_code"], tr)
		assert.Equal(t, "unknown", a["xgate.status"], tr)
		assert.Equal(t, addrs["grpc"], a["xgate.upstream.host"], tr)
		assert.Equal(t, tracepb.Status_STATUS_CODE_ERROR, s.span.GetStatus().GetCode(), tr)
		assert.Equal(t, "unknown service", s.span.GetStatus().GetMessage(), tr)
	}
}

// TestTracingUnsampledAddsNothing: with sample_ratio 0, a request without
// a traceparent reaches its backend without one (the gateway records
// nothing and writes nothing), while a sampled parent is still followed.
func TestTracingUnsampledAddsNothing(t *testing.T) {
	col := startCollector(t)
	seen := &seenTraceparents{}
	addrs := tracingBackends(t, seen)
	g := startGateway(t, tracingConfig(addrs, fmt.Sprintf(
		`tracing: {enabled: true, otlp_endpoint: "%s", sample_ratio: 0}`, col.addr())))
	callEach(t, g.addr, nil)
	const tr = "4bf92f3577b34da6a3ce929d0e0e4721"
	sampled := "00-" + tr + "-00f067aa0ba902b7-01"
	callEach(t, g.addr, map[string]string{"bolt": sampled})
	g.stop()
	for _, p := range []string{"http1", "grpc", "dubbo"} {
		assert.Equal(t, []string{"", ""}, seen.get(p), p)
	}
	require.Eventually(t, func() bool { s, _ := col.snapshot(); return len(s) >= 1 },
		10*time.Second, 10*time.Millisecond, "the sampled parent's span was not exported")
	spans, _ := col.snapshot()
	require.Len(t, spans, 1)
	s, ok := col.spanOfTrace(tr)
	require.True(t, ok)
	got := seen.get("bolt")
	require.Len(t, got, 2)
	assert.Empty(t, got[0], "ratio 0: nothing added")
	assert.Equal(t, "00-"+tr+"-"+hex.EncodeToString(s.span.GetSpanId())+"-01", got[1])
}

// TestTracingDisabledAddsNothing: with tracing off (the default), requests
// reach their backends with no traceparent added, one sent by the client
// passes through untouched, and nothing is exported.
func TestTracingDisabledAddsNothing(t *testing.T) {
	col := startCollector(t)
	seen := &seenTraceparents{}
	addrs := tracingBackends(t, seen)
	g := startGateway(t, tracingConfig(addrs, fmt.Sprintf(`tracing: {enabled: false, otlp_endpoint: "%s"}`, col.addr())))

	callEach(t, g.addr, nil)
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4799-00f067aa0ba902b7-01"
	callEach(t, g.addr, map[string]string{"http1": tp, "grpc": tp, "bolt": tp, "dubbo": tp})
	g.stop()

	for _, p := range []string{"http1", "grpc", "bolt", "dubbo"} {
		assert.Equal(t, []string{"", tp}, seen.get(p), p)
	}
	spans, posts := col.snapshot()
	assert.Empty(t, spans)
	assert.Zero(t, posts, "nothing was exported")
}

// BenchmarkTracingBoltThroughGateway is BenchmarkBoltThroughGateway with
// tracing on, every request sampled (ratio=1.0, spans exported to a
// loopback collector) or none (ratio=0: no span, nothing written into the
// request), to compare the gateway's allocations per request with tracing
// off (BenchmarkBoltThroughGateway, the default configuration).
func BenchmarkTracingBoltThroughGateway(b *testing.B) {
	for _, ratio := range []string{"1.0", "0"} {
		b.Run("ratio="+ratio, func(b *testing.B) {
			col := &otlpCollector{}
			col.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
				w.Header().Set("Content-Type", "application/x-protobuf")
				_, _ = w.Write(out)
			}))
			b.Cleanup(col.srv.Close)
			s := echoServer(b, boltpeer.ServerOptions{Name: "a"})
			cfg := fmt.Sprintf("tracing: {enabled: true, otlp_endpoint: %q, sample_ratio: %s}\n", col.addr(), ratio) + boltConfig("5s", s.Addr())
			g := fastGateway(b, cfg)
			loadBolt(b, g.addr, 10000, 8, 64) // warm the pools
			before := g.metric("go_memstats_mallocs_total")
			b.ResetTimer()
			loadBolt(b, g.addr, b.N, 8, 64)
			b.StopTimer()
			after := g.metric("go_memstats_mallocs_total")
			b.ReportMetric((after-before)/float64(b.N), "gw-allocs/op")
		})
	}
}

// TestTracingReloadRefusesChange: tracing settings take effect at start;
// a reload that changes them is refused and the gateway keeps serving.
func TestTracingReloadRefusesChange(t *testing.T) {
	col := startCollector(t)
	seen := &seenTraceparents{}
	addrs := tracingBackends(t, seen)
	cfg := tracingConfig(addrs, "")
	g := startGateway(t, cfg)
	g.rewrite(t, tracingConfig(addrs, fmt.Sprintf(`tracing: {enabled: true, otlp_endpoint: "%s"}`, col.addr())))
	resp, err := http.Post("http://"+g.admin+"/reload", "text/plain", nil)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, string(body), "tracing settings cannot change without a restart")

	callEach(t, g.addr, nil) // still serving, still untraced
	g.stop()
	assert.Equal(t, []string{""}, seen.get("bolt"))
	spans, _ := col.snapshot()
	assert.Empty(t, spans)
}
