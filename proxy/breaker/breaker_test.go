package breaker

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLimit(t *testing.T) {
	b := New(Limits{MaxConnections: 2, MaxPendingRequests: 1, MaxRequests: 3, MaxRetries: 0})
	assert.True(t, b.Connections.TryAcquire())
	assert.True(t, b.Connections.TryAcquire())
	assert.True(t, b.Connections.Open())
	assert.False(t, b.Connections.TryAcquire())
	assert.False(t, b.Connections.TryAcquire())
	assert.Equal(t, uint64(2), b.Connections.Overflow())
	assert.Equal(t, int64(2), b.Connections.Active())
	b.Connections.Release()
	assert.False(t, b.Connections.Open())
	assert.True(t, b.Connections.TryAcquire())

	assert.False(t, b.Retries.TryAcquire(), "max_retries 0: no retries")
	assert.Equal(t, uint64(1), b.Retries.Overflow())
	assert.Zero(t, b.Requests.Overflow(), "overflows are counted per kind")
	assert.True(t, b.Pending.TryAcquire())
	assert.False(t, b.Pending.TryAcquire())
}

func TestReleaseWithoutAcquire(t *testing.T) {
	var l Limit
	l.SetMax(1)
	l.Release()
	assert.Zero(t, l.Active())
	assert.True(t, l.TryAcquire())
	assert.False(t, l.TryAcquire())
}

func TestZeroLimitRefuses(t *testing.T) {
	var l Limit
	assert.True(t, l.Open())
	assert.False(t, l.TryAcquire())
	l.SetMax(-5)
	assert.Equal(t, int64(0), l.Max())
}

func TestSetLowersLimit(t *testing.T) {
	b := New(Limits{MaxRequests: 4})
	for range 4 {
		require.True(t, b.Requests.TryAcquire())
	}
	b.Set(Limits{MaxRequests: 2})
	assert.False(t, b.Requests.TryAcquire())
	b.Requests.Release()
	b.Requests.Release()
	assert.False(t, b.Requests.TryAcquire(), "still at the new limit")
	b.Requests.Release()
	assert.True(t, b.Requests.TryAcquire())
}

func TestConcurrentNeverExceedsLimit(t *testing.T) {
	const limit, workers, rounds = 7, 16, 2000
	var l Limit
	l.SetMax(limit)
	var inUse, peak atomic.Int64
	var acquired, refused atomic.Uint64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range rounds {
				if !l.TryAcquire() {
					refused.Add(1)
					continue
				}
				acquired.Add(1)
				n := inUse.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				inUse.Add(-1)
				l.Release()
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, peak.Load(), int64(limit))
	assert.Zero(t, l.Active())
	assert.Equal(t, uint64(workers*rounds), acquired.Load()+refused.Load())
	assert.Equal(t, refused.Load(), l.Overflow())
}

func BenchmarkAcquireRelease(b *testing.B) {
	var l Limit
	l.SetMax(1 << 30)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if l.TryAcquire() {
				l.Release()
			}
		}
	})
}
