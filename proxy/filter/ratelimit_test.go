package filter

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/xprotocol"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newBucket(maxTok, perFill int, interval time.Duration) *bucket {
	b := &bucket{}
	b.init(epoch, interval, maxTok, perFill)
	return b
}

// takeAll takes tokens at now until the bucket refuses, and says how many.
func takeAll(b *bucket, now time.Time) int {
	n := 0
	for b.take(now) {
		n++
	}
	return n
}

func TestBucketRefillMath(t *testing.T) {
	b := newBucket(5, 2, 100*time.Millisecond)
	at := func(d time.Duration) time.Time { return epoch.Add(d) }

	assert.Equal(t, 5, takeAll(b, at(0)), "starts full")
	assert.Equal(t, 0, takeAll(b, at(99*time.Millisecond)), "no refill within the first interval")
	assert.Equal(t, 2, takeAll(b, at(100*time.Millisecond)), "one interval: tokens_per_fill")
	assert.Equal(t, 0, takeAll(b, at(150*time.Millisecond)))
	assert.Equal(t, 4, takeAll(b, at(350*time.Millisecond)), "intervals 2 and 3: 2 fills")
	assert.Equal(t, 5, takeAll(b, at(time.Hour)), "a long idle refills to max_tokens, no more")

	// Partial use keeps the remainder; fills add to it, capped.
	b = newBucket(5, 2, 100*time.Millisecond)
	for range 4 {
		require.True(t, b.take(at(0)))
	}
	assert.Equal(t, 5, takeAll(b, at(200*time.Millisecond)), "1 left + 2 fills of 2 = 5 (capped at 5)")
}

func TestBucketClockBehindAddsNothing(t *testing.T) {
	b := newBucket(3, 1, 100*time.Millisecond)
	assert.Equal(t, 3, takeAll(b, epoch.Add(time.Second)))
	// Another loop's cached clock lags a little: no refill, no harm.
	assert.Equal(t, 0, takeAll(b, epoch.Add(900*time.Millisecond)))
	assert.Equal(t, 0, takeAll(b, epoch.Add(-time.Hour)), "before the epoch")
	assert.Equal(t, 1, takeAll(b, epoch.Add(1100*time.Millisecond)), "the fill is counted from the newest tick seen")
}

func TestBucketTickWrapsAround(t *testing.T) {
	// 2^40 ticks of 1ms is ~35 years; the delta arithmetic is modular so a
	// bucket keeps working across the wrap.
	b := newBucket(2, 1, time.Millisecond)
	ms := func(ticks uint64) time.Time { return epoch.Add(time.Duration(ticks) * time.Millisecond) }
	for _, tick := range []uint64{1 << 38, 1 << 39, 1<<39 + 1<<38, 1<<40 - 1} {
		assert.Equal(t, 2, takeAll(b, ms(tick)), "tick %d", tick)
	}
	assert.Equal(t, 2, takeAll(b, ms(1<<40+1)), "refilled across the wrap (2 ticks later)")
	assert.Equal(t, 0, takeAll(b, ms(1<<40+1)))
}

func TestBucketExactUnderConcurrency(t *testing.T) {
	// 8 loops hammering one bucket with no refill: exactly max_tokens pass.
	b := newBucket(10000, 1, time.Hour)
	var passed atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5000 {
				if b.take(epoch) {
					passed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(10000), passed.Load())
}

func TestLocalRateLimitFilter(t *testing.T) {
	m := newCounters()
	clock := epoch
	c, err := NewChain([]config.Filter{{Name: LocalRateLimit,
		Config: js(`{"max_tokens": 2, "fill_interval": "1s"}`)}},
		Env{Listener: "edge", Metrics: m, Now: func() time.Time { return clock }})
	require.NoError(t, err)
	defer c.Close()
	e := newEngine(c)
	e.now = clock

	assert.Equal(t, Continue, e.request(req()))
	assert.Equal(t, Continue, e.request(req()))
	assert.Equal(t, Stop, e.request(req()))
	require.Len(t, e.replies, 1)
	assert.Equal(t, xprotocol.StatusOverload, e.replies[0].status)
	assert.Equal(t, "local rate limit exceeded", e.replies[0].msg)
	assert.Equal(t, 1, m.get(LocalRateLimit, "limited"))

	e.now = e.now.Add(time.Second) // one token per second (tokens_per_fill defaults to 1)
	assert.Equal(t, Continue, e.request(req()))
	assert.Equal(t, Stop, e.request(req()))
	assert.Equal(t, 2, m.get(LocalRateLimit, "limited"))
}
