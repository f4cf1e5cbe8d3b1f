package filter

import (
	"io"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/xprotocol"
)

func mustChain(t testing.TB, filters ...config.Filter) *Chain {
	t.Helper()
	c, err := NewChain(filters, Env{Listener: "edge", Metrics: newCounters(), Rand: seeded(1)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// roundTrip is one request through the fake engine: request phases, and
// when forwarded a response and End.
func roundTrip(e *engine, r, resp *fakeFrame) Result {
	res := e.request(r)
	if e.forwarded {
		e.respond(resp)
	}
	return res
}

// assertNoAllocs checks fn allocates nothing per call, once warm: pooled
// state (the access log's buffers, a queue's worth of which are in flight
// to the writer) is allocated while a pool fills, then reused. The
// collector is held off meanwhile, since a GC empties sync.Pools (the
// fault filter's) by design: a cost paid once per GC cycle, not per
// request.
func assertNoAllocs(t *testing.T, name string, fn func()) {
	t.Helper()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for range 20000 {
		fn()
	}
	assert.Zero(t, testing.AllocsPerRun(1000, fn), "%s allocates", name)
}

var (
	authOK     = func() *fakeFrame { return newRequest("http2", nil, "authorization", "Bearer t1") }
	authBad    = func() *fakeFrame { return newRequest("http2", nil, "authorization", "Bearer nope") }
	okResponse = &fakeFrame{proto: "http2", kind: xprotocol.KindResponse}
)

// The rate limiter and the header check keep no pooled state, so they are
// asserted under the race detector too.
func TestRateLimitAndAuthAllocateNothing(t *testing.T) {
	rl := mustChain(t, config.Filter{Name: LocalRateLimit, Config: js(`{"max_tokens": 1000, "tokens_per_fill": 1000, "fill_interval": "1ms"}`)})
	e := newEngine(rl)
	e.replies = make([]reply, 0, 1<<16)
	r := req()
	assertNoAllocs(t, "rate limit, allowed", func() {
		e.now = e.now.Add(time.Millisecond)
		roundTrip(e, r, okResponse)
	})
	empty := mustChain(t, config.Filter{Name: LocalRateLimit, Config: js(`{"max_tokens": 1, "fill_interval": "24h"}`)})
	e = newEngine(empty)
	e.replies = make([]reply, 0, 1<<16)
	assertNoAllocs(t, "rate limit, limited", func() { roundTrip(e, r, okResponse) })
	assert.NotEmpty(t, e.replies)

	auth := mustChain(t, config.Filter{Name: HeaderAuth, Config: js(`{"values": ["Bearer t1", "Bearer t2"]}`)})
	e = newEngine(auth)
	e.replies = make([]reply, 0, 1<<16)
	ok, bad, missing := authOK(), authBad(), req()
	assertNoAllocs(t, "header auth, accepted", func() { roundTrip(e, ok, okResponse) })
	assertNoAllocs(t, "header auth, denied", func() { roundTrip(e, bad, okResponse) })
	assertNoAllocs(t, "header auth, missing", func() { roundTrip(e, missing, okResponse) })
}

func TestFaultAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	fault := mustChain(t, config.Filter{Name: Fault, Config: js(`{"delay": "10ms", "delay_percent": 50, "abort": "overload", "abort_percent": 10}`)})
	e := newEngine(fault)
	e.replies = make([]reply, 0, 1<<16)
	r := req()
	assertNoAllocs(t, "fault (delays, aborts, passes)", func() {
		if roundTrip(e, r, okResponse) == StopAndWait {
			e.advance(10 * time.Millisecond)
			if e.forwarded {
				e.respond(okResponse)
			}
		}
	})

}

// The access log recycles its buffers through a bounded free list, not a
// sync.Pool, so it is asserted under the race detector too.
func TestAccessLogAllocatesNothing(t *testing.T) {
	lw := newLogWriter(io.Discard, nil, 1024, Env{})
	segs, err := compileFormat(DefaultLogFormat)
	require.NoError(t, err)
	al := newAccessLog(accessLogConfig{format: segs}, lw)
	defer al.Close()
	// A buffer is allocated only when the records in flight (queued, or in
	// the writer's hands) reach a new peak, at most queue+freeSlack; a
	// stalled writer fills the queue at once. Start from that peak so the
	// measurement does not depend on how the writer was scheduled.
	for range cap(lw.free) {
		b := make([]byte, 0, 512)
		lw.put(&b)
	}
	info := sampleInfo()
	assertNoAllocs(t, "access log text record", func() { al.OnLog(nil, info) })
	al.json = true
	assertNoAllocs(t, "access log JSON record", func() { al.OnLog(nil, info) })
}

// TestFullChainAllocatesNothing runs a typical edge chain: auth, rate
// limit, a rarely firing fault, and an access log to a discarded file.
func TestFullChainAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	c := fullChain(t)
	prefillLogs(c)
	e := newEngine(c)
	e.replies = make([]reply, 0, 1<<16)
	r := authOK()
	assertNoAllocs(t, "full chain", func() {
		e.now = e.now.Add(time.Millisecond)
		if roundTrip(e, r, okResponse) == StopAndWait {
			e.advance(time.Millisecond)
			if e.forwarded {
				e.respond(okResponse)
			}
		}
	})
}

// prefillLogs gives every access log of c a full free list (see
// TestAccessLogAllocatesNothing).
func prefillLogs(c *Chain) {
	for _, e := range c.entries {
		if a, ok := e.factory.(*accessLog); ok {
			for range cap(a.w.free) {
				b := make([]byte, 0, 512)
				a.w.put(&b)
			}
		}
	}
}

func fullChain(t testing.TB) *Chain {
	c := mustChain(t,
		config.Filter{Name: HeaderAuth, Config: js(`{"values": ["Bearer t1"]}`)},
		config.Filter{Name: LocalRateLimit, Config: js(`{"max_tokens": 1000000, "tokens_per_fill": 1000000, "fill_interval": "1ms"}`)},
		config.Filter{Name: Fault, Config: js(`{"delay": "1ms", "delay_percent": 1}`)},
		config.Filter{Name: AccessLog, Config: js(`{"path": "/dev/null", "queue": 65536}`)},
	)
	return c
}
