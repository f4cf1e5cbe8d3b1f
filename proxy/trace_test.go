package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/tracing"
	"github.com/xgate/xgate/xprotocol"
)

// trcListen returns a free loopback address.
func trcListen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// TestTracingLocalAnswersGetSpans: requests the gateway answers itself
// (no route, a direct response, a stream filter's refusal, a direct
// response reached through stream filters) get a span with their status,
// as forwarded ones do; a heartbeat answered locally and an unsampled
// request get none.
func TestTracingLocalAnswersGetSpans(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	be := boltpeer.Serve(ln, boltpeer.ServerOptions{Name: "b"})
	t.Cleanup(func() { _ = be.Close() })
	plain, filtered := trcListen(t), trcListen(t)
	cfg, err := config.Parse(fmt.Appendf(nil, `
admin: {disabled: true}
listeners:
  - name: plain
    address: "%s"
    event_loops: 1
    routes:
      - {name: retired, match: {service: retired.svc}, direct_response: {status: unavailable, body: "retired"}}
      - {name: echo, match: {service: echo.svc}, cluster: c}
  - name: filtered
    address: "%s"
    event_loops: 1
    filters:
      - {name: header_auth, config: {header: x-token, values: [s3cret]}}
    routes:
      - {name: retired, match: {service: retired.svc}, direct_response: {status: unavailable, body: "retired"}}
      - {name: echo, cluster: c}
clusters:
  - {name: c, protocol: bolt, endpoints: ["%s"]}
`, plain, filtered, be.Addr()), xprotocol.Default.Names())
	require.NoError(t, err)
	g, err := New(cfg, Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	tr := tracing.NewWithProvider(tp, 1)
	g.tracer = tr
	for _, l := range g.listeners {
		l.tracer = tr
	}
	require.NoError(t, g.Start())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		assert.NoError(t, g.Shutdown(ctx))
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	traceOf := func(n int) string { return fmt.Sprintf("4bf92f3577b34da6a3ce929d0e0e%04d", n) }
	call := func(addr string, n int, flags string, hdrs ...[2]string) *boltpeer.Response {
		c, err := boltpeer.Dial(addr, 2*time.Second)
		require.NoError(t, err)
		defer c.Close()
		hdrs = append(hdrs, [2]string{"sofa_head_method_name", "m"},
			[2]string{"traceparent", "00-" + traceOf(n) + "-00f067aa0ba902b7-" + flags})
		r, err := c.Do(ctx, hdrs, []byte("x"))
		require.NoError(t, err)
		return r
	}
	svc := func(s string) [2]string { return [2]string{"service", s} }
	token := [2]string{"x-token", "s3cret"}

	assert.NotEqual(t, bolt.StatusSuccess, call(plain, 1, "01", svc("nope.svc")).Status)
	assert.NotEqual(t, bolt.StatusSuccess, call(plain, 2, "01", svc("retired.svc")).Status)
	assert.Equal(t, bolt.StatusSuccess, call(plain, 3, "01", svc("echo.svc")).Status)
	assert.NotEqual(t, bolt.StatusSuccess, call(filtered, 4, "01", svc("echo.svc")).Status, "no token")
	assert.NotEqual(t, bolt.StatusSuccess, call(filtered, 5, "01", svc("retired.svc"), token).Status)
	assert.Equal(t, bolt.StatusSuccess, call(plain, 6, "00", svc("echo.svc")).Status, "unsampled")
	c, err := boltpeer.Dial(plain, 2*time.Second)
	require.NoError(t, err)
	_, err = c.Heartbeat(ctx)
	require.NoError(t, err)
	_ = c.Close()

	require.Eventually(t, func() bool { return len(sr.Ended()) >= 5 }, 5*time.Second, 5*time.Millisecond)
	time.Sleep(50 * time.Millisecond) // nothing more comes
	spans := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range sr.Ended() {
		spans[s.SpanContext().TraceID().String()] = s
	}
	require.Len(t, spans, 5, "one span per sampled call; none for the heartbeat or the unsampled call")
	for _, want := range []struct {
		n                        int
		listener, route, cluster string
		status                   string
	}{
		{1, "plain", "", "", "no_route"},
		{2, "plain", "retired", "", "unavailable"},
		{3, "plain", "echo", "c", "ok"},
		{4, "filtered", "", "", ""}, // the filter's refusal
		{5, "filtered", "retired", "", "unavailable"},
	} {
		s, ok := spans[traceOf(want.n)]
		require.True(t, ok, "no span for call %d", want.n)
		a := map[string]string{}
		for _, kv := range s.Attributes() {
			a[string(kv.Key)] = kv.Value.Emit()
		}
		assert.Equal(t, want.listener, a["xgate.listener"], "call %d", want.n)
		assert.Equal(t, want.route, a["xgate.route"], "call %d", want.n)
		assert.Equal(t, want.cluster, a["xgate.cluster"], "call %d", want.n)
		assert.Equal(t, "00f067aa0ba902b7", s.Parent().SpanID().String(), "call %d", want.n)
		if want.status == "ok" {
			assert.Equal(t, "ok", a["xgate.status"])
			assert.Equal(t, be.Addr(), a["xgate.upstream.host"])
			assert.Equal(t, codes.Unset, s.Status().Code)
			continue
		}
		if want.status != "" {
			assert.Equal(t, want.status, a["xgate.status"], "call %d", want.n)
		} else {
			assert.NotEqual(t, "ok", a["xgate.status"], "call %d", want.n)
			assert.NotEqual(t, "cancelled", a["xgate.status"], "call %d", want.n)
		}
		assert.Empty(t, a["xgate.upstream.host"], "call %d: never forwarded", want.n)
		assert.Equal(t, codes.Error, s.Status().Code, "call %d", want.n)
	}
}
