// Package tracing gives the gateway OpenTelemetry spans and W3C Trace
// Context propagation: one server span per proxied request, a parent read
// from the request's traceparent/tracestate headers, and the forwarded
// request rewritten to carry a traceparent whose parent is the gateway's
// span.
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
	// shutdown flushes and stops the provider New built; nil for a
	// provider the caller owns (NewWithProvider). Only the first Shutdown
	// runs it.
	shutdown func(context.Context) error
	once     sync.Once
}

// New builds the tracer cfg describes: an OTLP/HTTP exporter behind a
// batch span processor, parent-based sampling with cfg's ratio for new
// traces, and service.name cfg.Service(). It returns nil (tracing off) when
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
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.Ratio()))),
		sdktrace.WithResource(res),
	)
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		log.Warn("tracing", "err", err)
	}))
	t := NewWithProvider(tp)
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
// SDK provider with a tracetest.SpanRecorder). Shutdown does not stop tp.
func NewWithProvider(tp trace.TracerProvider) *Tracer {
	return &Tracer{tracer: tp.Tracer(instrumentation)}
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
}

// Start begins the server span of request f, routed by rt (nil for none)
// on listener to cluster. Its parent is the traceparent (and tracestate) f
// carries, if valid; f's traceparent is then replaced (or added) with one
// naming the new span, so the forwarded request continues the trace.
func (t *Tracer) Start(f xprotocol.Frame, listener string, rt *route.Route, cluster string) Span {
	if t == nil {
		return Span{}
	}
	return t.start(f, listener, rt, cluster)
}

func (t *Tracer) start(f xprotocol.Frame, listener string, rt *route.Route, cluster string) Span {
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
	t.prop.Inject(ctx, carrier)
	return Span{span: s}
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

// Recording reports whether s is a live span (tracing on, not ended).
func (s *Span) Recording() bool { return s.span != nil }

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
// HTTP response head resp, its status code. resp may be nil.
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
	if v, ok := resp.Header().Get(":status"); ok {
		if code, err := strconv.Atoi(string(v)); err == nil {
			s.span.SetAttributes(attribute.Int("http.response.status_code", code))
		}
	}
}

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
