package tracing_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/dubbo"
	"github.com/xgate/xgate/codecs/http2"
	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/proxy/tracing"
	"github.com/xgate/xgate/xprotocol"

	_ "github.com/xgate/xgate/codecs/all"
)

const (
	parentTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	parentSpan  = "00f067aa0ba902b7"
	parentTP    = "00-" + parentTrace + "-" + parentSpan + "-01"
)

// recorder returns a tracer whose spans end up in the returned recorder,
// sampling new traces with ratio (the provider records what it is given).
func recorder(t *testing.T, ratio float64) (*tracing.Tracer, *tracetest.SpanRecorder) {
	t.Helper()
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tracing.NewWithProvider(tp, ratio), sr
}

// protocolCase builds a request of one protocol carrying the given extra
// headers (traceparent, tracestate) the way that protocol carries them.
type protocolCase struct {
	name  string
	proto string
	build func(t *testing.T, hdrs [][2]string) xprotocol.Frame
	// rpc: rpc.* attributes expected; otherwise http.*.
	rpc             bool
	service, method string
}

var protocolCases = []protocolCase{
	{
		name: "bolt", proto: "bolt", rpc: true, service: "com.example.Echo", method: "echo",
		build: func(t *testing.T, hdrs [][2]string) xprotocol.Frame {
			h := append([][2]string{{"service", "com.example.Echo"}, {"sofa_head_method_name", "echo"}}, hdrs...)
			return bolt.NewRequest(7, "com.alipay.sofa.rpc.core.request.SofaRequest", h, []byte("payload"), time.Second)
		},
	},
	{
		name: "dubbo", proto: "dubbo", rpc: true, service: "com.example.Echo", method: "echo",
		build: func(t *testing.T, hdrs [][2]string) xprotocol.Frame {
			as := []dubbo.Attachment{{Key: "path", Value: "com.example.Echo"}, {Key: "group", Value: "g1"}}
			for _, h := range hdrs {
				as = append(as, dubbo.Attachment{Key: h[0], Value: h[1]})
			}
			f, err := dubbo.BuildRequest(dubbo.Request{ID: 9, Path: "com.example.Echo", Method: "echo",
				ParamTypes: "Ljava/lang/String;", Args: []any{"hello"}, Attachments: as})
			require.NoError(t, err)
			return f
		},
	},
	{
		name: "http1", proto: "http1",
		build: func(t *testing.T, hdrs [][2]string) xprotocol.Frame {
			var b strings.Builder
			b.WriteString("GET /api/items?id=3 HTTP/1.1\r\nHost: example.com\r\n")
			for _, h := range hdrs {
				b.WriteString(h[0] + ": " + h[1] + "\r\n")
			}
			b.WriteString("\r\n")
			return decodeRequest(t, "http1", []byte(b.String()))
		},
	},
	{
		name: "grpc", proto: "grpc", rpc: true, service: "pkg.Echo", method: "Say",
		build: func(t *testing.T, hdrs [][2]string) xprotocol.Frame {
			fields := append([][2]string{{":method", "POST"}, {":scheme", "http"}, {":authority", "example.com"},
				{":path", "/pkg.Echo/Say"}, {"content-type", "application/grpc"}, {"te", "trailers"}}, hdrs...)
			return http2.NewRequest(1, fields, nil, false)
		},
	},
	{
		name: "http2", proto: "http2",
		build: func(t *testing.T, hdrs [][2]string) xprotocol.Frame {
			fields := append([][2]string{{":method", "PUT"}, {":scheme", "http"}, {":authority", "example.com"},
				{":path", "/v1/x"}}, hdrs...)
			return http2.NewRequest(1, fields, nil, true)
		},
	},
}

func lookup(t *testing.T, name string) xprotocol.Protocol {
	t.Helper()
	p, ok := xprotocol.Default.Lookup(name)
	require.True(t, ok, "protocol %s not registered", name)
	return p
}

// decodeRequest decodes the first request in wire with a server session.
func decodeRequest(t *testing.T, proto string, wire []byte) xprotocol.Frame {
	t.Helper()
	s := lookup(t, proto).NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleServer})
	for len(wire) > 0 {
		f, n, err := s.Decode(wire)
		require.NoError(t, err)
		wire = wire[n:]
		if f == nil {
			continue
		}
		if k := f.Kind(); k == xprotocol.KindRequest || k == xprotocol.KindOneway {
			return f
		}
		f.Release()
	}
	t.Fatalf("%s: no request decoded", proto)
	return nil
}

// onTheWire encodes f with an upstream (client) session of its protocol
// and decodes it again as a server would: the forwarded request as the
// backend sees it.
func onTheWire(t *testing.T, f xprotocol.Frame) xprotocol.Frame {
	t.Helper()
	name := f.Protocol()
	if name == "grpc" {
		name = "http2" // gRPC rides on HTTP/2 sessions
	}
	s := lookup(t, name).NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleClient})
	var wire []byte
	fl, _ := s.(xprotocol.Flusher)
	if fl != nil {
		wire = fl.AppendPending(wire) // client preface
	}
	wire, err := s.Encode(wire, f)
	require.NoError(t, err)
	if fl != nil {
		wire = fl.AppendPending(wire)
	}
	return decodeRequest(t, name, wire)
}

func header(f xprotocol.Frame, key string) string {
	v, _ := f.Header().Get(key)
	return string(v)
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value)
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

func testRoute() *route.Route { return &route.Route{Name: "r1", Path: "routes[0]"} }

// TestTracingPropagationPerProtocol: a request's traceparent becomes the
// parent of the gateway's span, and the forwarded request, encoded and
// decoded again by the protocol's codec, carries a traceparent of the same
// trace whose parent is the gateway's span; tracestate goes along.
func TestTracingPropagationPerProtocol(t *testing.T) {
	for _, tc := range protocolCases {
		t.Run(tc.name, func(t *testing.T) {
			tr, sr := recorder(t, 1)
			f := tc.build(t, [][2]string{{"traceparent", parentTP}, {"tracestate", "vendor=abc"}})
			defer f.Release()
			require.Equal(t, tc.proto, f.Protocol())

			sp := tr.Start(f, "edge", testRoute(), "backend")
			require.True(t, sp.Recording())
			sp.Upstream("127.0.0.1:9000")
			sp.Respond(nil, xprotocol.StatusOK, "")
			sp.End(2)
			require.False(t, sp.Recording())

			ended := sr.Ended()
			require.Len(t, ended, 1)
			s := ended[0]
			require.Equal(t, parentTrace, s.SpanContext().TraceID().String())
			require.Equal(t, parentSpan, s.Parent().SpanID().String(), "parent is the incoming traceparent")
			require.True(t, s.Parent().IsRemote())
			require.Equal(t, trace.SpanKindServer, s.SpanKind())
			require.Equal(t, "vendor=abc", s.SpanContext().TraceState().String())

			want := "00-" + parentTrace + "-" + s.SpanContext().SpanID().String() + "-01"
			require.Equal(t, want, header(f, "traceparent"), "the frame's traceparent names the gateway's span")
			fwd := onTheWire(t, f)
			defer fwd.Release()
			require.Equal(t, want, header(fwd, "traceparent"), "the re-encoded request carries it")
			require.Equal(t, "vendor=abc", header(fwd, "tracestate"))

			a := attrs(s)
			require.Equal(t, tc.proto, a["xgate.protocol"].AsString())
			require.Equal(t, "edge", a["xgate.listener"].AsString())
			require.Equal(t, "r1", a["xgate.route"].AsString())
			require.Equal(t, "backend", a["xgate.cluster"].AsString())
			require.Equal(t, "127.0.0.1:9000", a["xgate.upstream.host"].AsString())
			require.Equal(t, "ok", a["xgate.status"].AsString())
			require.Equal(t, int64(2), a["xgate.retries"].AsInt64())
			require.Equal(t, codes.Unset, s.Status().Code)
			if tc.rpc {
				require.Equal(t, tc.service, a["rpc.service"].AsString())
				require.Equal(t, tc.method, a["rpc.method"].AsString())
				require.NotEmpty(t, a["rpc.system"].AsString())
				require.Equal(t, tc.service+"/"+tc.method, s.Name())
			} else {
				require.NotEmpty(t, a["http.request.method"].AsString())
				require.Equal(t, a["http.request.method"].AsString(), s.Name())
				require.NotContains(t, a["url.path"].AsString(), "?")
			}
		})
	}
}

// TestTracingNewTraceWithoutParent: a request without (or with a broken)
// traceparent starts a new trace, and the forwarded request carries it.
func TestTracingNewTraceWithoutParent(t *testing.T) {
	for _, tc := range protocolCases {
		for _, in := range []string{"", "00-garbage-xx-01"} {
			t.Run(tc.name+"/"+map[bool]string{true: "none", false: "broken"}[in == ""], func(t *testing.T) {
				tr, sr := recorder(t, 1)
				var hdrs [][2]string
				if in != "" {
					hdrs = [][2]string{{"traceparent", in}}
				}
				f := tc.build(t, hdrs)
				defer f.Release()
				sp := tr.Start(f, "edge", nil, "backend")
				sp.End(0)
				ended := sr.Ended()
				require.Len(t, ended, 1)
				s := ended[0]
				require.False(t, s.Parent().IsValid(), "a root span")
				require.NotEqual(t, parentTrace, s.SpanContext().TraceID().String())
				fwd := onTheWire(t, f)
				defer fwd.Release()
				require.Equal(t, "00-"+s.SpanContext().TraceID().String()+"-"+s.SpanContext().SpanID().String()+"-01",
					header(fwd, "traceparent"))
				require.Equal(t, "cancelled", attrs(s)["xgate.status"].AsString())
				require.Equal(t, codes.Error, s.Status().Code)
			})
		}
	}
}

// TestTracingThriftHasNoCarrier: Thrift (no THeader) has nowhere to carry
// trace context: its requests start new traces and are forwarded unchanged.
func TestTracingThriftHasNoCarrier(t *testing.T) {
	// A strict binary CALL "Echo:echo", seqid 1, with an empty struct.
	msg := []byte{0x80, 0x01, 0x00, 0x01, 0, 0, 0, 9}
	msg = append(msg, "Echo:echo"...)
	msg = append(msg, 0, 0, 0, 1, 0) // seqid, field stop
	f := decodeRequest(t, "thrift", msg)
	defer f.Release()
	tr, sr := recorder(t, 1)
	sp := tr.Start(f, "edge", nil, "thrift")
	sp.Respond(nil, xprotocol.StatusOK, "")
	sp.End(0)
	require.Len(t, sr.Ended(), 1)
	s := sr.Ended()[0]
	require.False(t, s.Parent().IsValid())
	require.Equal(t, "apache_thrift", attrs(s)["rpc.system"].AsString())
	require.Empty(t, header(f, "traceparent"))
	s2 := lookup(t, "thrift").NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleClient})
	wire, err := s2.Encode(nil, f)
	require.NoError(t, err)
	require.Equal(t, msg, wire, "forwarded byte for byte")
}

// TestTracingSampling: parent-based sampling with a ratio for new traces,
// decided before any SDK span exists. An unsampled request is forwarded
// as it came: its traceparent unchanged, none added when it had none.
func TestTracingSampling(t *testing.T) {
	bolt := protocolCases[0]
	unsampledTP := "00-" + parentTrace + "-" + parentSpan + "-00"
	t.Run("ratio 0, no parent", func(t *testing.T) {
		tr, sr := recorder(t, 0)
		f := bolt.build(t, nil)
		defer f.Release()
		sp := tr.Start(f, "edge", nil, "c")
		require.False(t, sp.Recording())
		require.True(t, sp.Started())
		sp.End(0)
		require.Empty(t, sr.Ended())
		_, ok := f.Header().Get("traceparent")
		require.False(t, ok, "nothing is added to an unsampled request")
	})
	t.Run("ratio 0, sampled parent", func(t *testing.T) {
		tr, sr := recorder(t, 0)
		f := bolt.build(t, [][2]string{{"traceparent", parentTP}})
		defer f.Release()
		sp := tr.Start(f, "edge", nil, "c")
		sp.End(0)
		require.Len(t, sr.Ended(), 1, "the parent's decision wins")
		require.Equal(t, parentSpan, sr.Ended()[0].Parent().SpanID().String())
	})
	t.Run("ratio 1, unsampled parent", func(t *testing.T) {
		tr, sr := recorder(t, 1)
		f := bolt.build(t, [][2]string{{"traceparent", unsampledTP}, {"tracestate", "vendor=abc"}})
		defer f.Release()
		sp := tr.Start(f, "edge", nil, "c")
		sp.End(0)
		require.Empty(t, sr.Ended())
		require.Equal(t, unsampledTP, header(f, "traceparent"), "forwarded unchanged")
		require.Equal(t, "vendor=abc", header(f, "tracestate"))
	})
	t.Run("ratio 0, broken parent", func(t *testing.T) {
		tr, sr := recorder(t, 0)
		f := bolt.build(t, [][2]string{{"traceparent", "00-garbage-xx-01"}})
		defer f.Release()
		sp := tr.Start(f, "edge", nil, "c")
		sp.End(0)
		require.Empty(t, sr.Ended())
		require.Equal(t, "00-garbage-xx-01", header(f, "traceparent"), "left as it came")
	})
	t.Run("ratio 0.5, no parent", func(t *testing.T) {
		tr, sr := recorder(t, 0.5)
		const n = 2000
		for range n {
			f := bolt.build(t, nil)
			sp := tr.Start(f, "edge", nil, "c")
			_, has := f.Header().Get("traceparent")
			require.Equal(t, sp.Recording(), has, "only a sampled request carries a new traceparent")
			sp.End(0)
			f.Release()
		}
		got := len(sr.Ended())
		require.InDelta(t, n/2, got, n/10, "about half sampled, got %d of %d", got, n)
	})
}

// TestTracingParseTraceparent: the sampling decision reads traceparent as
// the OpenTelemetry propagator does: a value it rejects is no parent (a
// new trace), one it accepts gives its sampled flag.
func TestTracingParseTraceparent(t *testing.T) {
	id := parentTrace + "-" + parentSpan
	cases := []string{
		"00-" + id + "-01", "00-" + id + "-00", "00-" + id + "-02", "00-" + id + "-03", "00-" + id + "-09",
		"00-" + id + "-01-extra", "01-" + id + "-01", "01-" + id + "-01-extra", "01-" + id + "-00-x",
		"01-" + id + "-01extra", "fe-" + id + "-01", "ff-" + id + "-01", "0g-" + id + "-01",
		"00-" + strings.ToUpper(parentTrace) + "-" + parentSpan + "-01",
		"00-00000000000000000000000000000000-" + parentSpan + "-01",
		"00-" + parentTrace + "-0000000000000000-01",
		"00-" + parentTrace + "-" + parentSpan + "-0z", "00-" + parentTrace + "-" + parentSpan + "-1",
		"00-" + parentTrace + "x" + parentSpan + "-01", "", "00", "00-garbage-xx-01",
		"00-" + parentTrace + "-" + parentSpan[:15] + "-001",
	}
	prop := propagation.TraceContext{}
	for _, tp := range cases {
		sc := trace.SpanContextFromContext(prop.Extract(context.Background(), propagation.MapCarrier{"traceparent": tp}))
		valid, sampled := tracing.ParseTraceparent([]byte(tp))
		require.Equal(t, sc.IsValid(), valid, "%q", tp)
		require.Equal(t, sc.IsSampled(), sampled, "%q", tp)
	}
}

// TestTracingUnsampledCostsNothing: a request that is not sampled (its
// parent says so, or the ratio does) gets no SDK span, keeps its headers
// as they are and allocates nothing, in every protocol, forwarded or
// answered locally.
func TestTracingUnsampledCostsNothing(t *testing.T) {
	rt := testRoute()
	for _, tc := range protocolCases {
		for _, ratio := range []float64{0, 1} {
			t.Run(fmt.Sprintf("%s/ratio=%v", tc.name, ratio), func(t *testing.T) {
				tr, sr := recorder(t, ratio)
				var hdrs [][2]string
				if ratio == 1 {
					hdrs = [][2]string{{"traceparent", "00-" + parentTrace + "-" + parentSpan + "-00"}}
				}
				f := tc.build(t, hdrs)
				defer f.Release()
				before := header(f, "traceparent")
				allocs := testing.AllocsPerRun(200, func() {
					sp := tr.Start(f, "edge", rt, "c")
					sp.Upstream("127.0.0.1:1")
					sp.Respond(f, xprotocol.StatusOK, "")
					sp.Trailers(f)
					sp.End(0)
					lp := tr.Local(f, "edge", rt, "c")
					lp.Respond(nil, xprotocol.StatusNoRoute, "no route")
					lp.End(0)
				})
				require.Zero(t, allocs)
				require.Empty(t, sr.Ended())
				require.Equal(t, before, header(f, "traceparent"))
			})
		}
	}
}

// TestTracingLocalAnswer: a request the gateway answers itself gets a span
// with the reply's status (a gRPC trailers-only reply adds its grpc-status)
// and its headers are not changed, nothing being forwarded.
func TestTracingLocalAnswer(t *testing.T) {
	tr, sr := recorder(t, 1)
	f := protocolCases[3].build(t, [][2]string{{"traceparent", parentTP}}) // grpc
	defer f.Release()
	sp := tr.Local(f, "edge", testRoute(), "")
	require.True(t, sp.Recording())
	reply := http2.GRPCTrailersOnly(1, xprotocol.StatusNoRoute, "no route for service")
	defer reply.Release()
	sp.Respond(reply, xprotocol.StatusNoRoute, "no route for service")
	sp.End(0)
	require.Equal(t, parentTP, header(f, "traceparent"), "not forwarded: not rewritten")
	require.Len(t, sr.Ended(), 1)
	s := sr.Ended()[0]
	require.Equal(t, parentSpan, s.Parent().SpanID().String())
	a := attrs(s)
	require.Equal(t, "no_route", a["xgate.status"].AsString())
	require.Equal(t, "r1", a["xgate.route"].AsString())
	require.Equal(t, int64(12), a["rpc.grpc.status_code"].AsInt64())
	require.Equal(t, codes.Error, s.Status().Code)
	require.Equal(t, "no route for service", s.Status().Description)

	var off *tracing.Tracer
	lp := off.Local(f, "edge", nil, "")
	require.False(t, lp.Started())
}

// TestTracingGRPCTrailers: a streamed gRPC response's span takes its
// status from the trailers' grpc-status, not the head's :status 200.
func TestTracingGRPCTrailers(t *testing.T) {
	tr, sr := recorder(t, 1)
	f := protocolCases[3].build(t, nil)
	defer f.Release()
	head := http2.NewResponse(1, [][2]string{{":status", "200"}, {"content-type", "application/grpc"}}, nil, false)
	defer head.Release()
	for _, tc := range []struct {
		trailers [][2]string
		code     int64
		status   string
		err      bool
		desc     string
	}{
		{[][2]string{{"grpc-status", "5"}, {"grpc-message", "no%20such%20item"}}, 5, "unknown", true, "no such item"},
		{[][2]string{{"grpc-status", "14"}}, 14, "unavailable", true, "UNAVAILABLE"},
		{[][2]string{{"grpc-status", "0"}}, 0, "ok", false, ""},
	} {
		sp := tr.Start(f, "edge", nil, "c")
		sp.Respond(head, head.Status(), "")
		data := http2.NewData(1, []byte("body"), nil, false)
		sp.Trailers(data) // no grpc-status: nothing changes
		data.Release()
		tf := http2.NewData(1, nil, tc.trailers, true)
		sp.Trailers(tf)
		tf.Release()
		sp.End(0)
		ended := sr.Ended()
		s := ended[len(ended)-1]
		a := attrs(s)
		require.Equal(t, int64(200), a["http.response.status_code"].AsInt64())
		require.Equal(t, tc.code, a["rpc.grpc.status_code"].AsInt64())
		require.Equal(t, tc.status, a["xgate.status"].AsString())
		if tc.err {
			require.Equal(t, codes.Error, s.Status().Code)
			require.Equal(t, tc.desc, s.Status().Description)
		} else {
			require.Equal(t, codes.Unset, s.Status().Code)
		}
	}
}

// TestTracingStatus: generic statuses become span statuses; an HTTP
// response head adds its status code.
func TestTracingStatus(t *testing.T) {
	tr, sr := recorder(t, 1)
	f := protocolCases[2].build(t, nil)
	defer f.Release()
	sp := tr.Start(f, "edge", nil, "c")
	resp := http2.NewResponse(1, [][2]string{{":status", "503"}}, nil, true)
	defer resp.Release()
	sp.Respond(resp, xprotocol.StatusUnavailable, "")
	sp.End(1)

	sp = tr.Start(f, "edge", nil, "c")
	sp.Respond(nil, xprotocol.StatusTimeout, "upstream request timeout")
	sp.End(0)

	ended := sr.Ended()
	require.Len(t, ended, 2)
	a := attrs(ended[0])
	require.Equal(t, int64(503), a["http.response.status_code"].AsInt64())
	require.Equal(t, "unavailable", a["xgate.status"].AsString())
	require.Equal(t, codes.Error, ended[0].Status().Code)
	require.Equal(t, "unavailable", ended[0].Status().Description)
	require.Equal(t, "timeout", attrs(ended[1])["xgate.status"].AsString())
	require.Equal(t, "upstream request timeout", ended[1].Status().Description)
}

// TestTracingOffCostsNothing: a nil Tracer and its zero Spans leave the
// frame alone and allocate nothing.
func TestTracingOffCostsNothing(t *testing.T) {
	var tr *tracing.Tracer
	f := protocolCases[0].build(t, [][2]string{{"traceparent", parentTP}})
	defer f.Release()
	rt := testRoute()
	allocs := testing.AllocsPerRun(100, func() {
		sp := tr.Start(f, "edge", rt, "c")
		sp.Upstream("127.0.0.1:1")
		sp.Respond(f, xprotocol.StatusOK, "")
		sp.End(0)
	})
	require.Zero(t, allocs)
	require.Equal(t, parentTP, header(f, "traceparent"))
	require.NoError(t, tr.Shutdown(context.Background()))

	off, err := tracing.New(config.Tracing{}, nil)
	require.NoError(t, err)
	require.Nil(t, off, "disabled config gives no tracer")
}

// TestTracingNewExporter: an enabled config builds a tracer whose Shutdown
// works even with nothing listening (it gives up within its context).
func TestTracingNewExporter(t *testing.T) {
	ratio := 0.5
	for _, ep := range []string{"127.0.0.1:1", "http://127.0.0.1:1/custom/v1/traces"} {
		tr, err := tracing.New(config.Tracing{Enabled: true, OTLPEndpoint: ep, SampleRatio: &ratio}, nil)
		require.NoError(t, err)
		require.NotNil(t, tr)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = tr.Shutdown(ctx) // nothing queued: returns at once
		cancel()
		require.NoError(t, tr.Shutdown(context.Background()), "a second Shutdown does nothing")
	}
}

// BenchmarkTracingSpan is one Bolt request's tracing work on the forward
// path (Start, Upstream, Respond, End; no exporter): sampled, and not
// sampled (by the ratio, or by the parent's flag).
func BenchmarkTracingSpan(b *testing.B) {
	for _, bc := range []struct {
		name  string
		ratio float64
		tp    string
	}{
		{"sampled", 1, ""},
		{"unsampled/ratio", 0, ""},
		{"unsampled/parent", 1, "00-" + parentTrace + "-" + parentSpan + "-00"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			tp := sdktrace.NewTracerProvider()
			defer func() { _ = tp.Shutdown(context.Background()) }()
			tr := tracing.NewWithProvider(tp, bc.ratio)
			var hdrs [][2]string
			if bc.tp != "" {
				hdrs = [][2]string{{"traceparent", bc.tp}}
			}
			h := append([][2]string{{"service", "com.example.Echo"}, {"sofa_head_method_name", "echo"}}, hdrs...)
			f := bolt.NewRequest(7, "com.alipay.sofa.rpc.core.request.SofaRequest", h, []byte("payload"), time.Second)
			defer f.Release()
			rt := testRoute()
			b.ReportAllocs()
			for b.Loop() {
				sp := tr.Start(f, "edge", rt, "c")
				sp.Upstream("127.0.0.1:1")
				sp.Respond(nil, xprotocol.StatusOK, "")
				sp.End(0)
			}
		})
	}
}
