package outlier

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/xprotocol"
)

const (
	sec  = int64(time.Second)
	base = 10 * time.Second
	maxT = 35 * time.Second
)

func newDetector(hosts, pct int) (*Detector, []*Host) {
	d := NewDetector(Config{ConsecutiveFailures: 3, BaseEjectionTime: base, MaxEjectionTime: maxT, MaxEjectionPercent: pct})
	hs := make([]*Host, hosts)
	for i := range hs {
		hs[i] = d.Add()
	}
	return d, hs
}

func fail(h *Host, now int64, n int) (ejected bool) {
	for range n {
		ejected = h.Failure(now) || ejected
	}
	return ejected
}

func TestConsecutiveFailuresEject(t *testing.T) {
	d, hs := newDetector(2, 50)
	h := hs[0]
	now := 100 * sec
	assert.False(t, fail(h, now, 2))
	assert.True(t, h.Available(now))
	assert.True(t, h.Failure(now), "the third failure in a row ejects")
	assert.False(t, h.Available(now))
	assert.Equal(t, now+int64(base), h.EjectedUntil())
	assert.Equal(t, 1, d.Ejected())
	assert.Zero(t, h.ConsecutiveFailures(), "ejection starts the count again")
	assert.False(t, h.Available(now+int64(base)-1))
	assert.True(t, h.Available(now+int64(base)), "back when the time has passed")
	assert.Zero(t, d.Ejected())
	assert.Equal(t, uint64(1), h.Ejections())
	assert.Equal(t, uint64(1), d.Ejections())
}

func TestSuccessResetsStreak(t *testing.T) {
	_, hs := newDetector(1, 100)
	h := hs[0]
	fail(h, 0, 2)
	h.Success()
	assert.Zero(t, h.ConsecutiveFailures())
	assert.False(t, fail(h, 0, 2))
	assert.False(t, h.Result(xprotocol.StatusOK, 0), "a success")
	assert.False(t, fail(h, 0, 2))
	assert.False(t, h.Result(xprotocol.StatusBadRequest, 0), "an answer that is not a host failure counts as a success")
	assert.False(t, fail(h, 0, 2))
	assert.True(t, h.Result(xprotocol.StatusServerError, 0))
}

func TestIsFailure(t *testing.T) {
	for st := xprotocol.StatusOK; st <= xprotocol.StatusUnknown; st++ {
		want := st == xprotocol.StatusUnavailable || st == xprotocol.StatusServerError || st == xprotocol.StatusTimeout
		assert.Equal(t, want, IsFailure(st), st.String())
	}
}

func TestEjectionTimeGrowsAndIsCapped(t *testing.T) {
	_, hs := newDetector(1, 100)
	h := hs[0]
	now := int64(0)
	var got []time.Duration
	for range 5 {
		require.True(t, fail(h, now, 3))
		until := h.EjectedUntil()
		got = append(got, time.Duration(until-now))
		now = until // fails again as soon as it is back
		require.True(t, h.Available(now))
	}
	assert.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second, maxT, maxT}, got)
}

func TestMultiplierResetsAfterMaxEjectionTimeInService(t *testing.T) {
	_, hs := newDetector(1, 100)
	h := hs[0]
	require.True(t, fail(h, 0, 3))
	end := h.EjectedUntil()
	require.True(t, fail(h, end+1, 3))
	assert.Equal(t, int64(2*base), h.EjectedUntil()-(end+1), "second ejection soon after: twice as long")
	end = h.EjectedUntil()
	now := end + int64(maxT) // in service for a whole max_ejection_time
	require.True(t, fail(h, now, 3))
	assert.Equal(t, int64(base), h.EjectedUntil()-now, "back to one base ejection time")
}

func TestMaxEjectionPercent(t *testing.T) {
	d, hs := newDetector(10, 20) // at most 2 of 10 at once
	now := int64(0)
	assert.True(t, fail(hs[0], now, 3))
	assert.True(t, fail(hs[1], now, 3))
	assert.False(t, fail(hs[2], now, 3), "a third would exceed 20%")
	assert.True(t, hs[2].Available(now))
	assert.Equal(t, 2, d.Ejected())

	// Once an ejection has expired the slot is free again, even if nobody
	// asked the expired host (ejection sweeps).
	now = int64(base)
	assert.True(t, hs[2].Failure(now), "the streak went on; the sweep freed a slot")
	assert.Equal(t, 1, d.Ejected(), "hs[0] and hs[1] expired, hs[2] ejected")
	assert.True(t, hs[0].Available(now))
}

func TestOneHostCanAlwaysBeEjected(t *testing.T) {
	d, hs := newDetector(2, 10) // 10% of 2 hosts is under one host
	assert.True(t, fail(hs[0], 0, 3))
	assert.False(t, fail(hs[1], 0, 3))
	assert.Equal(t, 1, d.Ejected())

	d0, hs0 := newDetector(2, 0)
	assert.False(t, fail(hs0[0], 0, 3), "0% never ejects")
	assert.Zero(t, d0.Ejected())
}

func TestDisabled(t *testing.T) {
	d := NewDetector(Config{ConsecutiveFailures: 0, BaseEjectionTime: base, MaxEjectionTime: maxT, MaxEjectionPercent: 100})
	h := d.Add()
	assert.False(t, d.Enabled())
	assert.False(t, fail(h, 0, 100))
	assert.False(t, h.Eject(0))
	assert.True(t, h.Available(0))
}

func TestEjectForced(t *testing.T) {
	d, hs := newDetector(2, 50)
	assert.True(t, hs[0].Eject(0))
	assert.False(t, hs[0].Eject(1), "already ejected")
	assert.False(t, hs[1].Eject(0), "cluster at its limit")
	assert.Equal(t, 1, d.Ejected())
}

func TestSweep(t *testing.T) {
	d, hs := newDetector(4, 100)
	for _, h := range hs[:3] {
		require.True(t, fail(h, 0, 3))
	}
	assert.Equal(t, 3, d.Ejected())
	assert.Zero(t, d.Sweep(int64(base)-1))
	assert.Equal(t, 3, d.Sweep(int64(base)))
	assert.Zero(t, d.Ejected())
}

func TestRemoveEjectedHostFreesItsSlot(t *testing.T) {
	d, hs := newDetector(3, 100)
	require.True(t, fail(hs[0], 0, 3))
	d.Remove(hs[0])
	assert.Equal(t, 2, d.Hosts())
	assert.Zero(t, d.Ejected())
	assert.False(t, fail(hs[0], 0, 3), "a removed host is not ejected again")
	d.Remove(hs[0]) // twice is harmless
	assert.Zero(t, d.Ejected())
}

func TestConcurrentFailuresEjectOnce(t *testing.T) {
	d, hs := newDetector(4, 100)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				for _, h := range hs {
					h.Failure(0)
					h.Success()
					h.Failure(0)
					h.Available(0)
				}
			}
		})
	}
	wg.Wait()
	ejected := 0
	for _, h := range hs {
		if !h.Available(0) {
			ejected++
		}
	}
	assert.Equal(t, ejected, d.Ejected(), "the ejected count matches the hosts out of service")
	assert.Equal(t, 0, d.Sweep(int64(maxT)*100)-ejected)
	assert.Zero(t, d.Ejected())
}

func BenchmarkSuccess(b *testing.B) {
	_, hs := newDetector(1, 10)
	h := hs[0]
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h.Success()
			_ = h.Available(0)
		}
	})
}
