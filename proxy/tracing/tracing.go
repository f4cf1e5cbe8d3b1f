// Package tracing gives the gateway OpenTelemetry spans and W3C Trace
// Context propagation: one server span per sampled request, a parent read
// from the request's traceparent/tracestate headers, and the forwarded
// request rewritten to carry a traceparent whose parent is the gateway's
// span.
//
// Sampling is decided here, before any SDK span exists: a request with a
// valid traceparent follows its sampled flag, any other one is sampled
// with the configured ratio (a fresh random draw). Only sampled requests
// get an SDK span. An unsampled request is not touched at all: its
// traceparent and tracestate, if any, are forwarded unchanged, and one
// without a traceparent is forwarded without one. Per W3C Trace Context a
// participant that records nothing may pass the headers through: a
// traceparent the gateway wrote with its own unrecorded span as parent
// (sampled=0) would name a span no backend ever receives, and writing one
// would re-encode every unsampled request, which is what made them cost.
// A backend therefore sees exactly what it would see with tracing off, and
// starts its own trace if it records one.
//
// Headers travel through the protocol-agnostic xprotocol.Header view, so
// each protocol carries them where its codec keeps headers: HTTP/1.1 and
// HTTP/2 header fields, gRPC metadata (HTTP/2 headers), the Bolt header map,
// Dubbo attachments (the codec re-encodes an edited request). Thrift has no
// header map without THeader, which the gateway does not support: a Thrift
// request starts a new trace and its forwarded request carries nothing.
//
// A nil *Tracer is tracing off, and every method of it and of a zero Span
// returns at once without allocating, so the engine's hooks cost nothing
// on the forward path while tracing is disabled.
package tracing

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strconv"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/xprotocol"
)

// instrumentation is the tracer's instrumentation scope name.
const instrumentation = "github.com/xgate/xgate/proxy"

// Tracer starts the gateway's spans. It is safe for concurrent use by every
// event loop. A nil *Tracer means tracing is off.
type Tracer struct {
	tracer trace.Tracer
	prop   propagation.TraceContext
	// bound samples a new trace when a random 63-bit number is below it
	// (the sample ratio scaled to 2^63); always is a ratio of 1 or more.
	bound  uint64
	always bool
	// shutdown flushes and stops the provider New built; nil for a
	// provider the caller owns (NewWithProvider). Only the first Shutdown
	// runs it.
	shutdown func(context.Context) error
	once     sync.Once
}

// New builds the tracer cfg describes: an OTLP/HTTP exporter behind a
// batch span processor, parent-based sampling with cfg's ratio for new
// traces (decided by the Tracer; the provider records every span it is
// asked for), and service.name cfg.Service(). It returns nil (tracing off) when
// cfg is not enabled. Export errors are logged on log at warn level.
func New(cfg config.Tracing, log *slog.Logger) (*Tracer, error) {
	if !cfg.Enabled {
		return nil, nil
	}
	if log == nil {
		log = slog.Default()
	}
	exp, err := otlptracehttp.New(context.Background(), endpointOptions(cfg.Endpoint())...)
	if err != nil {
		return nil, fmt.Errorf("tracing: otlp exporter for %s: %w", cfg.Endpoint(), err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", cfg.Service()))
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		// The Tracer has sampled already: the SDK records what it is given.
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
		sdktrace.WithResource(res),
	)
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		log.Warn("tracing", "err", err)
	}))
	t := NewWithProvider(tp, cfg.Ratio())
	t.shutdown = tp.Shutdown
	return t, nil
}

// endpointOptions turns an otlp_endpoint value into exporter options: a
// URL as it is, a bare host:port as plain HTTP on the default path.
func endpointOptions(ep string) []otlptracehttp.Option {
	if u, err := url.Parse(ep); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return []otlptracehttp.Option{otlptracehttp.WithEndpointURL(ep)}
	}
	return []otlptracehttp.Option{otlptracehttp.WithEndpoint(ep), otlptracehttp.WithInsecure()}
}

// NewWithProvider returns a tracer whose spans come from tp (tests use an
// SDK provider with a tracetest.SpanRecorder), sampling new traces with
// ratio (0..1). The Tracer makes the sampling decision and asks tp only for
// the spans it samples, so tp should record them all (the SDK's default
// sampler, ParentBased(AlwaysSample), does). Shutdown does not stop tp.
func NewWithProvider(tp trace.TracerProvider, ratio float64) *Tracer {
	t := &Tracer{tracer: tp.Tracer(instrumentation)}
	switch {
	case ratio >= 1:
		t.always = true
	case ratio > 0:
		t.bound = uint64(ratio * (1 << 63))
	}
	return t
}

// Shutdown exports the spans still queued and stops the exporter, within
// ctx; later calls do nothing. It is a no-op on a nil Tracer.
func (t *Tracer) Shutdown(ctx context.Context) error {
	if t == nil || t.shutdown == nil {
		return nil
	}
	var err error
	t.once.Do(func() { err = t.shutdown(ctx) })
	if err != nil {
		return fmt.Errorf("tracing: flush on shutdown: %w", err)
	}
	return nil
}

// Span is the gateway's span of one request. The zero Span (tracing off)
// does nothing. It is used by one goroutine, the request's event loop.
type Span struct {
	span trace.Span
	host string
	msg  string
	st   xprotocol.Status
	// answered: Respond recorded an outcome; a span ended without one was
	// cancelled (the client reset the stream or went away).
	answered bool
	// decided: Start or Local ran with tracing on, so the request's
	// sampling decision is made (span is nil when it was not sampled).
	decided bool
}

// Start begins the server span of request f, routed by rt (nil for none)
// on listener to cluster, when f is sampled. Its parent is the traceparent
// (and tracestate) f carries, if valid; f's traceparent is then replaced
// (or added) with one naming the new span, so the forwarded request
// continues the trace. An unsampled request is left as it is and its Span
// records nothing (see the package comment); deciding costs no allocation.
func (t *Tracer) Start(f xprotocol.Frame, listener string, rt *route.Route, cluster string) Span {
	if t == nil {
		return Span{}
	}
	if !t.sample(f.Header()) {
		return Span{decided: true}
	}
	return t.start(f, listener, rt, cluster, true)
}

// Local is Start for a request the gateway answers itself (no route, a
// direct response, a circuit-breaker or overload refusal, a stream
// filter's reply or timeout): the span is made when f is sampled, and f is
// not changed, since nothing is forwarded. rt and cluster may be nil and
// "" when routing did not get that far.
func (t *Tracer) Local(f xprotocol.Frame, listener string, rt *route.Route, cluster string) Span {
	if t == nil {
		return Span{}
	}
	if !t.sample(f.Header()) {
		return Span{decided: true}
	}
	return t.start(f, listener, rt, cluster, false)
}

// sample decides whether the request with headers h is recorded: as its
// valid traceparent's sampled flag says, else with the tracer's ratio.
func (t *Tracer) sample(h xprotocol.Header) bool {
	if v, ok := h.Get(traceparentHeader); ok {
		if valid, sampled := parseTraceparent(v); valid {
			return sampled
		}
	}
	return t.always || (t.bound > 0 && rand.Uint64()>>1 < t.bound)
}

const traceparentHeader = "traceparent"

// parseTraceparent checks a W3C traceparent value as the OpenTelemetry
// propagator does (version ff refused; version 00 exactly 55 characters
// with flags 00-02; a later version may be followed by "-..."; lower-case
// hex; trace and parent id not all zero) and returns its sampled flag.
func parseTraceparent(v []byte) (valid, sampled bool) {
	if len(v) < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-' {
		return false, false
	}
	ver, ok := hexByte(v[0], v[1])
	if !ok || ver == 0xff {
		return false, false
	}
	if !nonZeroHex(v[3:35]) || !nonZeroHex(v[36:52]) {
		return false, false
	}
	flags, ok := hexByte(v[53], v[54])
	if !ok {
		return false, false
	}
	if ver == 0 && (len(v) != 55 || flags > 2) {
		return false, false
	}
	if len(v) > 55 && v[55] != '-' {
		return false, false
	}
	return true, flags&1 == 1
}

// nonZeroHex reports whether b is lower-case hex with a digit other than 0.
func nonZeroHex(b []byte) bool {
	nonZero := false
	for _, c := range b {
		if _, ok := hexDigit(c); !ok {
			return false
		}
		nonZero = nonZero || c != '0'
	}
	return nonZero
}

func hexByte(hi, lo byte) (byte, bool) {
	h, ok1 := hexDigit(hi)
	l, ok2 := hexDigit(lo)
	return h<<4 | l, ok1 && ok2
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func (t *Tracer) start(f xprotocol.Frame, listener string, rt *route.Route, cluster string, inject bool) Span {
	carrier := HeaderCarrier{H: f.Header()}
	ctx := t.prop.Extract(context.Background(), carrier)
	name, attrs := describe(f)
	attrs = append(attrs,
		attribute.String("xgate.listener", listener),
		attribute.String("xgate.cluster", cluster))
	if rt != nil {
		rn := rt.Name
		if rn == "" {
			rn = rt.Path
		}
		attrs = append(attrs, attribute.String("xgate.route", rn))
	}
	ctx, s := t.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
	if inject {
		t.prop.Inject(ctx, carrier)
	}
	return Span{span: s, decided: true}
}

// describe names the span and gives its request attributes: RPC semantic
// conventions (rpc.system, rpc.service, rpc.method; span "service/method")
// for RPC protocols and gRPC, HTTP ones (http.request.method, url.path;
// span named by the method) for HTTP requests.
func describe(f xprotocol.Frame) (string, []attribute.KeyValue) {
	proto := f.Protocol()
	attrs := make([]attribute.KeyValue, 0, 10)
	attrs = append(attrs, attribute.String("xgate.protocol", proto))
	svc, method := f.Key(xprotocol.KeyService), f.Key(xprotocol.KeyMethod)
	if proto != "grpc" {
		if m, ok := f.Header().Get(":method"); ok {
			path := f.Key(xprotocol.KeyPath)
			for i, c := range path {
				if c == '?' {
					path = path[:i]
					break
				}
			}
			attrs = append(attrs, attribute.String("http.request.method", string(m)),
				attribute.String("url.path", string(path)))
			return string(m), attrs
		}
	}
	attrs = append(attrs, attribute.String("rpc.system", rpcSystem(proto)))
	if len(svc) > 0 {
		attrs = append(attrs, attribute.String("rpc.service", string(svc)))
	}
	if len(method) > 0 {
		attrs = append(attrs, attribute.String("rpc.method", string(method)))
	}
	switch {
	case len(svc) > 0 && len(method) > 0:
		return string(svc) + "/" + string(method), attrs
	case len(method) > 0:
		return string(method), attrs
	case len(svc) > 0:
		return string(svc), attrs
	}
	return proto, attrs
}

// rpcSystem maps a protocol name onto the rpc.system value of the
// semantic conventions, or a name of our own where they have none.
func rpcSystem(proto string) string {
	switch proto {
	case "grpc":
		return "grpc"
	case "dubbo":
		return "apache_dubbo"
	case "bolt":
		return "sofa_bolt"
	case "thrift":
		return "apache_thrift"
	}
	return proto
}

// Recording reports whether s is a live span (tracing on, sampled, not
// ended).
func (s *Span) Recording() bool { return s.span != nil }

// Started reports whether the request's sampling decision was made (Start
// or Local ran with tracing on), whether or not it was sampled.
func (s *Span) Started() bool { return s.decided }

// Upstream records the upstream host of the current try ("ip:port"); the
// last one recorded is reported.
func (s *Span) Upstream(addr string) {
	if s.span == nil {
		return
	}
	s.host = addr
}

// Respond records the request's outcome: the generic status st (of the
// response, or of the gateway's error reply, then with msg) and, for an
// HTTP response head resp, its status code, and its grpc-status (and
// grpc-message) when it has one (a trailers-only gRPC response). resp may
// be nil.
func (s *Span) Respond(resp xprotocol.Frame, st xprotocol.Status, msg string) {
	if s.span != nil { // inlined: tracing off costs a nil check
		s.respond(resp, st, msg)
	}
}

func (s *Span) respond(resp xprotocol.Frame, st xprotocol.Status, msg string) {
	s.st, s.msg, s.answered = st, msg, true
	if resp == nil {
		return
	}
	h := resp.Header()
	if v, ok := h.Get(":status"); ok {
		if code, err := strconv.Atoi(string(v)); err == nil {
			s.span.SetAttributes(attribute.Int("http.response.status_code", code))
		}
	}
	s.grpcStatus(h)
}

// Trailers records the outcome a streamed response's last frame f carries:
// for gRPC, the trailers' grpc-status (the generic status f reports, and
// rpc.grpc.status_code) and grpc-message. A last frame without
// grpc-status (plain HTTP/2 DATA or trailers) changes nothing.
func (s *Span) Trailers(f xprotocol.Frame) {
	if s.span != nil { // inlined: tracing off or unsampled costs a nil check
		s.trailers(f)
	}
}

func (s *Span) trailers(f xprotocol.Frame) {
	h := f.Header()
	if _, ok := h.Get("grpc-status"); !ok {
		return
	}
	s.st, s.msg, s.answered = f.Status(), "", true
	s.grpcStatus(h)
}

// grpcStatus records h's grpc-status as rpc.grpc.status_code and, for a
// failure without a message of the gateway's, its grpc-message (else its
// code name) as the description.
func (s *Span) grpcStatus(h xprotocol.Header) {
	v, ok := h.Get("grpc-status")
	if !ok {
		return
	}
	code, err := strconv.Atoi(string(v))
	if err != nil {
		return
	}
	s.span.SetAttributes(attribute.Int("rpc.grpc.status_code", code))
	if code == 0 || s.msg != "" {
		return
	}
	if m, ok := h.Get("grpc-message"); ok && len(m) > 0 {
		if dec, err := url.PathUnescape(string(m)); err == nil {
			s.msg = dec
		} else {
			s.msg = string(m)
		}
		return
	}
	if code < len(grpcCodes) {
		s.msg = grpcCodes[code]
	}
}

// grpcCodes names the gRPC status codes by number.
var grpcCodes = [...]string{"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
	"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}

// End ends the span with its outcome, upstream host and the number of
// retries made. A span ended without an outcome reports "cancelled". Every
// status but ok is an error status, described by the gateway's message or
// the status name.
func (s *Span) End(retries int) {
	if s.span != nil { // inlined: tracing off costs a nil check
		s.end(retries)
	}
}

func (s *Span) end(retries int) {
	status := "cancelled"
	if s.answered {
		status = s.st.String()
	}
	attrs := make([]attribute.KeyValue, 0, 3)
	attrs = append(attrs, attribute.String("xgate.status", status), attribute.Int("xgate.retries", retries))
	if s.host != "" {
		attrs = append(attrs, attribute.String("xgate.upstream.host", s.host))
	}
	s.span.SetAttributes(attrs...)
	if !s.answered || s.st != xprotocol.StatusOK {
		desc := s.msg
		if desc == "" {
			desc = status
		}
		s.span.SetStatus(codes.Error, desc)
	}
	s.span.End()
	*s = Span{}
}

// HeaderCarrier adapts a frame's headers to a propagation.TextMapCarrier,
// so any protocol's headers carry trace context: Get reads a header, Set
// replaces it in the frame (which the codec then re-encodes).
type HeaderCarrier struct {
	H xprotocol.Header
}

var _ propagation.TextMapCarrier = HeaderCarrier{}

// Get returns the value of key, or "".
func (c HeaderCarrier) Get(key string) string {
	v, _ := c.H.Get(key)
	return string(v)
}

// Set replaces (or adds) key.
func (c HeaderCarrier) Set(key, value string) { c.H.Set(key, value) }

// Keys lists the header names.
func (c HeaderCarrier) Keys() []string {
	var keys []string
	c.H.Range(func(k, _ []byte) bool {
		keys = append(keys, string(k))
		return true
	})
	return keys
}
