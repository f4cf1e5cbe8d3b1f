package retry

import (
	"math/bits"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/xprotocol"
)

func TestParseConditions(t *testing.T) {
	c, err := ParseConditions([]string{"connect_failure", "server_error", "refused_stream", "server_error"})
	require.NoError(t, err)
	assert.Equal(t, ConnectFailure|ServerError|RefusedStream, c)
	assert.Equal(t, "connect_failure,server_error,refused_stream", c.String())

	_, err = ParseConditions([]string{"5xx"})
	assert.EqualError(t, err, `unknown retry_on condition "5xx" (known: connect_failure, reset, unavailable, timeout, overload, server_error, refused_stream)`)

	all, err := ParseConditions(ConditionNames())
	require.NoError(t, err)
	assert.Equal(t, Conditions(1<<7-1), all)
	none, err := ParseConditions(nil)
	require.NoError(t, err)
	assert.False(t, none.Has(0))
}

func TestShouldRetry(t *testing.T) {
	all, _ := ParseConditions(ConditionNames())
	resp := func(st xprotocol.Status, ph Phase) Outcome {
		return Outcome{Cause: CauseResponse, Status: st, Phase: ph}
	}
	tests := []struct {
		name string
		on   Conditions
		o    Outcome
		want bool
	}{
		{"connect failure listed", ConnectFailure, Outcome{Cause: CauseConnectFailure, Phase: PhaseNotSent}, true},
		{"connect failure not listed", Reset, Outcome{Cause: CauseConnectFailure, Phase: PhaseNotSent}, false},
		{"nothing listed", 0, Outcome{Cause: CauseConnectFailure, Phase: PhaseNotSent}, false},
		{"reset before sending", Reset, Outcome{Cause: CauseReset, Phase: PhaseNotSent}, true},
		{"reset after sending is unsafe", Reset, Outcome{Cause: CauseReset, Phase: PhaseSent}, false},
		{"reset after sending, all listed", all, Outcome{Cause: CauseReset, Phase: PhaseSent}, false},
		{"refused stream after sending is safe", RefusedStream, Outcome{Cause: CauseRefusedStream, Phase: PhaseSent}, true},
		{"refused stream not listed", Reset, Outcome{Cause: CauseRefusedStream, Phase: PhaseSent}, false},
		{"per-try timeout listed", Timeout, Outcome{Cause: CauseTimeout, Phase: PhaseSent}, true},
		{"per-try timeout not listed", ServerError, Outcome{Cause: CauseTimeout, Phase: PhaseSent}, false},
		{"server error listed", ServerError, resp(xprotocol.StatusServerError, PhaseAnswered), true},
		{"unavailable listed", Unavailable, resp(xprotocol.StatusUnavailable, PhaseAnswered), true},
		{"timeout status listed", Timeout, resp(xprotocol.StatusTimeout, PhaseAnswered), true},
		{"overload listed", Overload, resp(xprotocol.StatusOverload, PhaseAnswered), true},
		{"overload not listed", ServerError, resp(xprotocol.StatusOverload, PhaseAnswered), false},
		{"local overload before sending", Overload, resp(xprotocol.StatusOverload, PhaseNotSent), true},
		{"ok is never retried", all, resp(xprotocol.StatusOK, PhaseAnswered), false},
		{"bad request is never retried", all, resp(xprotocol.StatusBadRequest, PhaseAnswered), false},
		{"unknown status is never retried", all, resp(xprotocol.StatusUnknown, PhaseAnswered), false},
		{"no route is never retried", all, resp(xprotocol.StatusNoRoute, PhaseNotSent), false},
		{"forwarded: too late", all, resp(xprotocol.StatusServerError, PhaseForwarded), false},
		{"forwarded reset: too late", all, Outcome{Cause: CauseRefusedStream, Phase: PhaseForwarded}, false},
		{"zero outcome", all, Outcome{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Policy{On: tt.on}.ShouldRetry(tt.o))
		})
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	highest := func(n int64) int64 { return n - 1 }
	var hi []time.Duration
	for retry := 1; retry <= 6; retry++ {
		hi = append(hi, b.Delay(retry, highest))
		assert.Zero(t, b.Delay(retry, func(int64) int64 { return 0 }), "full jitter reaches 0")
	}
	ms := time.Millisecond
	assert.Equal(t, []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 1000 * ms, 1000 * ms}, hi)
	half := func(n int64) int64 { return n / 2 }
	assert.Equal(t, 200*ms, b.Delay(3, half))

	assert.Equal(t, time.Second, Backoff{Base: 100 * ms}.Delay(100, highest), "max defaults to 10 × base")
	assert.Equal(t, 25*ms, Backoff{}.Delay(1, highest), "base defaults to 25ms")
	assert.Equal(t, 250*ms, Backoff{}.Delay(10, highest))
	assert.Equal(t, time.Second, b.Delay(1<<30, highest), "no overflow on huge retry numbers")
	assert.Equal(t, 100*ms, b.Delay(0, highest), "retry < 1 counts as the first")
	assert.Equal(t, 60*ms, Backoff{Base: time.Second, Max: 60 * ms}.Delay(1, highest), "max below base caps")

	for range 1000 { // the real source stays in range
		d := b.Delay(3, nil)
		require.GreaterOrEqual(t, d, time.Duration(0))
		require.LessOrEqual(t, d, 400*ms)
	}
}

func TestBudgetFloor(t *testing.T) {
	b := NewBudget(20, 3)
	b.StartRequest()
	for range 3 {
		assert.True(t, b.TryStartRetry(), "min_retry_concurrency allows 3 with 1 request")
	}
	assert.False(t, b.TryStartRetry())
	assert.Equal(t, uint64(1), b.Refused())
	b.EndRetry()
	assert.True(t, b.TryStartRetry())
}

func TestBudgetPercent(t *testing.T) {
	b := NewBudget(20, 3)
	for range 50 {
		b.StartRequest()
	}
	assert.Equal(t, int64(10), b.Allowed(), "20% of 50")
	n := 0
	for b.TryStartRetry() {
		n++
	}
	assert.Equal(t, 10, n)
	for range 40 {
		b.EndRequest()
	}
	assert.Equal(t, int64(3), b.Allowed(), "back at the floor")
	assert.False(t, b.TryStartRetry(), "10 in flight is over the budget now")
	req, ret := b.Active()
	assert.Equal(t, int64(10), req)
	assert.Equal(t, int64(10), ret)

	b2 := NewBudget(12.5, 0)
	for range 8 {
		b2.StartRequest()
	}
	assert.Equal(t, int64(1), b2.Allowed(), "12.5% of 8")
	assert.Equal(t, int64(0), NewBudget(0, 0).Allowed())
}

func TestBudgetConcurrent(t *testing.T) {
	b := NewBudget(10, 2)
	for range 100 {
		b.StartRequest()
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	peak := int64(0)
	for range 16 {
		wg.Go(func() {
			for range 1000 {
				if b.TryStartRetry() {
					_, r := b.Active()
					mu.Lock()
					peak = max(peak, r)
					mu.Unlock()
					b.EndRetry()
				}
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, peak, int64(10))
	_, r := b.Active()
	assert.Zero(t, r)
}

// TestConfigNamesParse keeps ParseConditions in step with the names the
// route configuration accepts.
func TestConfigNamesParse(t *testing.T) {
	c, err := ParseConditions(config.RetryOnNames)
	require.NoError(t, err)
	assert.Len(t, config.RetryOnNames, bits.OnesCount16(uint16(c)))
}
