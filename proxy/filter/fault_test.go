package filter

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/xprotocol"
)

// seeded returns a deterministic Env.Rand.
func seeded(seed uint64) func() uint64 {
	var mu sync.Mutex
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return func() uint64 {
		mu.Lock()
		defer mu.Unlock()
		return r.Uint64()
	}
}

func faultChain(t *testing.T, m Metrics, settings string) *Chain {
	t.Helper()
	c, err := NewChain([]config.Filter{{Name: Fault, Config: js(settings)}},
		Env{Listener: "edge", Metrics: m, Rand: seeded(42)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestFaultAbortPercentage(t *testing.T) {
	m := newCounters()
	e := newEngine(faultChain(t, m, `{"abort": "unavailable", "abort_percent": 10}`))
	const n = 100_000
	aborted := 0
	for range n {
		if e.request(req()) == Stop {
			aborted++
		}
	}
	// Seeded: the count is fixed; it must also be near 10%.
	assert.InDelta(t, n/10, aborted, n/200, "about 10%% aborted, got %d", aborted)
	assert.Equal(t, aborted, len(e.replies))
	assert.Equal(t, aborted, m.get(Fault, "aborts"))
	assert.Equal(t, reply{xprotocol.StatusUnavailable, "fault injected", PhaseRequest}, e.replies[0])
}

func TestFaultDelayPercentageAndResume(t *testing.T) {
	m := newCounters()
	e := newEngine(faultChain(t, m, `{"delay": "250ms", "delay_percent": 0.5}`))
	const n = 100_000
	delayed := 0
	for range n {
		if e.request(req()) == StopAndWait {
			delayed++
			assert.False(t, e.forwarded)
			e.advance(249 * time.Millisecond)
			assert.False(t, e.forwarded)
			e.advance(time.Millisecond)
			require.True(t, e.forwarded, "resumed after the delay")
		}
		e.respond(&fakeFrame{kind: xprotocol.KindResponse})
	}
	assert.InDelta(t, n/200, delayed, n/1000, "about 0.5%% delayed, got %d", delayed)
	assert.Equal(t, delayed, m.get(Fault, "delays"))
	assert.Equal(t, n, e.ended)
}

func TestFaultDelayThenAbort(t *testing.T) {
	e := newEngine(faultChain(t, nil, `{"delay": "1s", "abort": "timeout", "abort_message": "chaos"}`))
	assert.Equal(t, StopAndWait, e.request(req()))
	assert.Empty(t, e.replies)
	e.advance(time.Second)
	require.Len(t, e.replies, 1)
	assert.Equal(t, reply{xprotocol.StatusTimeout, "chaos", PhaseRequest}, e.replies[0])
	assert.False(t, e.forwarded)
}

func TestFaultHeaderControl(t *testing.T) {
	e := newEngine(faultChain(t, nil, `{"header_control": true}`))
	assert.Equal(t, Continue, e.request(req()), "no header, no fault")

	assert.Equal(t, StopAndWait, e.request(newRequest("http1", nil, FaultDelayHeader, "40")))
	e.advance(39 * time.Millisecond)
	assert.False(t, e.forwarded)
	e.advance(time.Millisecond)
	assert.True(t, e.forwarded)

	assert.Equal(t, Stop, e.request(newRequest("grpc", nil, FaultAbortHeader, "overload")))
	assert.Equal(t, xprotocol.StatusOverload, e.replies[0].status)

	// Junk in the headers is ignored.
	assert.Equal(t, Continue, e.request(newRequest("http1", nil, FaultDelayHeader, "soon", FaultAbortHeader, "teapot")))
	assert.Equal(t, Continue, e.request(newRequest("http1", nil, FaultDelayHeader, "99999999")), "over an hour")
}

func TestFaultClusterScopedRunsAfterRouting(t *testing.T) {
	e := newEngine(faultChain(t, nil, `{"abort": "server_error", "cluster": "payments"}`))
	assert.Equal(t, Continue, e.request(req()), "routed to backend: untouched")
	e.cluster = "payments"
	assert.Equal(t, Stop, e.request(req()))
	require.Len(t, e.replies, 1)
	assert.Equal(t, PhaseRouted, e.replies[0].phase)
}

func TestFaultMaxActive(t *testing.T) {
	m := newCounters()
	c := faultChain(t, m, `{"delay": "1s", "max_active": 2}`)
	e1, e2, e3 := newEngine(c), newEngine(c), newEngine(c)
	assert.Equal(t, StopAndWait, e1.request(req()))
	assert.Equal(t, StopAndWait, e2.request(req()))
	assert.Equal(t, Continue, e3.request(req()), "a third concurrent delay is skipped")
	assert.Equal(t, 1, m.get(Fault, "overflow"))

	e1.h.End() // its client left while delayed: no longer active
	e3.respond(&fakeFrame{kind: xprotocol.KindResponse})
	assert.Equal(t, StopAndWait, e3.request(req()))
	e2.advance(time.Second)
	assert.True(t, e2.forwarded)
	e3.advance(time.Second)
	assert.True(t, e3.forwarded)
	f := c.entries[0].factory.(*fault)
	assert.Zero(t, f.active.Load())
}

func TestParseMillis(t *testing.T) {
	for in, want := range map[string]time.Duration{"0": 0, "1": time.Millisecond, "3600000": time.Hour} {
		d, ok := parseMillis([]byte(in))
		assert.True(t, ok, in)
		assert.Equal(t, want, d, in)
	}
	for _, in := range []string{"", "-1", "1.5", "3600001", "123456789", "1s"} {
		_, ok := parseMillis([]byte(in))
		assert.False(t, ok, in)
	}
}
