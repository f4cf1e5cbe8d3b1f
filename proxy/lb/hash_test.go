package lb

import (
	"fmt"
	"testing"
)

const nkeys = 100000

// moved is the fraction of keys whose host differs, comparing host
// addresses (indices shift when a host leaves the set).
func moved(a []int, ah []Host, b []int, bh []Host) float64 {
	n := 0
	for i := range a {
		if ah[a[i]].Address() != bh[b[i]].Address() {
			n++
		}
	}
	return float64(n) / float64(len(a))
}

func hostCounts(assignment []int, n int) []int {
	c := make([]int, n)
	for _, h := range assignment {
		c[h]++
	}
	return c
}

func hashPolicies() []Config {
	return []Config{{Policy: RingHash}, {Policy: Maglev}}
}

func TestHashSameKeySameHost(t *testing.T) {
	for _, cfg := range hashPolicies() {
		_, hs := newHosts(10)
		tb := mustBuild(t, hs, cfg, nil)
		a := assign(tb, 10000)
		// Another loop's picker, and a table rebuilt from scratch, agree.
		b := assign(mustBuild(t, hs, cfg, nil), 10000)
		p := tb.NewPicker(12345)
		for i := range a {
			if got := p.Pick(Context{Hash: keyHash(i), HasHash: true}); got != a[i] || b[i] != a[i] {
				t.Fatalf("%v: key %d went to %d, %d and %d", cfg.Policy, i, a[i], got, b[i])
			}
		}
		// The table does not depend on the order hosts are given in.
		rev := make([]Host, len(hs))
		for i, h := range hs {
			rev[len(hs)-1-i] = h
		}
		c := assign(mustBuild(t, rev, cfg, nil), 10000)
		for i := range a {
			if rev[c[i]] != hs[a[i]] {
				t.Fatalf("%v: key %d maps differently when hosts are reordered", cfg.Policy, i)
			}
		}
	}
}

// TestHashBalance: keys spread evenly over equal hosts, and in proportion
// over weighted ones.
func TestHashBalance(t *testing.T) {
	for _, tc := range []struct {
		cfg       Config
		maxOver   float64 // max host load / mean
		weightTol float64
	}{
		{Config{Policy: RingHash}, 1.25, 0.20},
		{Config{Policy: RingHash, MinRingSize: 65536}, 1.05, 0.05},
		{Config{Policy: Maglev}, 1.03, 0.03},
	} {
		_, hs := newHosts(10)
		tb := mustBuild(t, hs, tc.cfg, nil)
		c := hostCounts(assign(tb, nkeys), 10)
		hi, lo := spread(c)
		t.Logf("%v (%d entries): 10 hosts, %d keys: max/mean %.3f, min/mean %.3f", tc.cfg.Policy, len(tb.all.ringHashes)+len(tb.all.table), nkeys, hi, lo)
		if hi > tc.maxOver {
			t.Errorf("%v: max/mean %.3f > %.2f: %v", tc.cfg.Policy, hi, tc.maxOver, c)
		}
		weights := []uint32{1, 2, 3, 4}
		_, hs = newHosts(0, weights...)
		assertShares(t, hostCounts(assign(mustBuild(t, hs, tc.cfg, nil), nkeys), 4), weights, tc.weightTol)
	}
}

// TestHashMinimalDisruption: when one host of N leaves, its keys move (≈ 1/N
// of them) and few others do. "excess" is the fraction of keys that moved
// although their host stayed: 0 is perfect consistent hashing.
func TestHashMinimalDisruption(t *testing.T) {
	for _, tc := range []struct {
		cfg       Config
		usePrev   bool
		maxMoved  float64 // bound on moved fraction, × 1/N
		maxExcess float64 // bound on excess, × 1/N
	}{
		{Config{Policy: RingHash}, true, 1.3, 0},
		{Config{Policy: RingHash}, false, 2.2, 1.0},
		{Config{Policy: Maglev}, false, 1.3, 0.3},
	} {
		for _, n := range []int{5, 10, 50} {
			_, hs := newHosts(n)
			before := mustBuild(t, hs, tc.cfg, nil)
			a := assign(before, nkeys)
			for _, gone := range []int{0, n / 2, n - 1} {
				rest := append(append([]Host{}, hs[:gone]...), hs[gone+1:]...)
				var prev *Table
				if tc.usePrev {
					prev = before
				}
				b := assign(mustBuild(t, rest, tc.cfg, prev), nkeys)
				frac := moved(a, hs, b, rest)
				stayMoved := 0
				for i := range a {
					if a[i] != gone && hs[a[i]] != rest[b[i]] {
						stayMoved++
					}
				}
				excess := float64(stayMoved) / nkeys
				if gone == n/2 {
					t.Logf("%v prev=%-5v N=%2d, one host leaves: %5.2f%% of keys move (1/N = %5.2f%%, ×%.2f); excess %.2f%%",
						tc.cfg.Policy, tc.usePrev, n, frac*100, 100/float64(n), frac*float64(n), excess*100)
				}
				if frac*float64(n) > tc.maxMoved {
					t.Errorf("%v prev=%v N=%d host %d leaves: %.2f%% moved, more than %.2f/N", tc.cfg.Policy, tc.usePrev, n, gone, frac*100, tc.maxMoved)
				}
				if excess*float64(n) > tc.maxExcess {
					t.Errorf("%v prev=%v N=%d host %d leaves: %.2f%% of staying hosts' keys moved, more than %.2f/N", tc.cfg.Policy, tc.usePrev, n, gone, excess*100, tc.maxExcess)
				}
			}
		}
	}
}

// TestMaglevSmallTableDisruption: the Maglev paper's advice (M ≥ 100 N)
// matters; at M ≈ 100 N disruption stays near 1/N.
func TestMaglevSmallTableDisruption(t *testing.T) {
	_, hs := newHosts(10)
	cfg := Config{Policy: Maglev, TableSize: 1009}
	a := assign(mustBuild(t, hs, cfg, nil), nkeys)
	rest := append(append([]Host{}, hs[:5]...), hs[6:]...)
	frac := moved(a, hs, assign(mustBuild(t, rest, cfg, nil), nkeys), rest)
	t.Logf("maglev M=1009, N=10, one host leaves: %.2f%% of keys move", frac*100)
	if frac > 0.14 {
		t.Errorf("%.2f%% moved", frac*100)
	}
}

// TestHashHostJoins: a host joining takes ≈ 1/(N+1) of the keys, and (ring
// hash with prev) only keys that now go to it move.
func TestHashHostJoins(t *testing.T) {
	for _, cfg := range hashPolicies() {
		_, hs := newHosts(11)
		before := mustBuild(t, hs[:10], cfg, nil)
		a := assign(before, nkeys)
		b := assign(mustBuild(t, hs, cfg, before), nkeys)
		frac := moved(a, hs[:10], b, hs)
		notToNew := 0
		for i := range a {
			if a[i] != b[i] && b[i] != 10 {
				notToNew++
			}
		}
		t.Logf("%v: N=10 -> 11: %.2f%% of keys move (1/11 = 9.09%%); %.2f%% moved between old hosts", cfg.Policy, frac*100, float64(notToNew)*100/nkeys)
		if frac > 1.25/11 {
			t.Errorf("%v: %.2f%% moved", cfg.Policy, frac*100)
		}
		if cfg.Policy == RingHash && notToNew > 0 {
			t.Errorf("ring hash: %d keys moved between hosts that stayed", notToNew)
		}
	}
}

// TestHashUnhealthyHost: an unhealthy host's keys go elsewhere, spread over
// the others, and every other key stays; when it recovers its keys return.
func TestHashUnhealthyHost(t *testing.T) {
	for _, cfg := range hashPolicies() {
		ths, hs := newHosts(10)
		tb := mustBuild(t, hs, cfg, nil)
		a := assign(tb, nkeys)
		ths[4].down.Store(true)
		b := assign(tb, nkeys)
		to := make([]int, 10)
		for i := range a {
			switch {
			case a[i] == 4:
				to[b[i]]++
			case b[i] != a[i]:
				t.Fatalf("%v: key %d of healthy host %d moved to %d", cfg.Policy, i, a[i], b[i])
			}
		}
		t.Logf("%v: keys of the unhealthy host went to %v", cfg.Policy, to)
		if to[4] != 0 {
			t.Errorf("%v: %d keys still on the unhealthy host", cfg.Policy, to[4])
		}
		total := 0
		for _, n := range to {
			total += n
		}
		for h, n := range to {
			if h != 4 && n > total/3 {
				t.Errorf("%v: host %d took %d of %d displaced keys", cfg.Policy, h, n, total)
			}
		}
		ths[4].down.Store(false)
		c := assign(tb, nkeys)
		for i := range a {
			if a[i] != c[i] {
				t.Fatalf("%v: key %d did not return after recovery", cfg.Policy, i)
			}
		}
	}
}

// TestHashWithoutKey: requests without a hash spread over the hosts.
func TestHashWithoutKey(t *testing.T) {
	for _, cfg := range hashPolicies() {
		_, hs := newHosts(4)
		p := mustBuild(t, hs, cfg, nil).NewPicker(1)
		assertShares(t, counts(p, 4, 100000, Context{}), []uint32{1, 1, 1, 1}, 0.25)
	}
}

func TestRingSize(t *testing.T) {
	_, hs := newHosts(10)
	tb := mustBuild(t, hs, Config{Policy: RingHash}, nil)
	if n := len(tb.all.ringHashes); n < 2048 || n > 2058 {
		t.Errorf("default ring: %d entries, want about 2 × 1024", n)
	}
	tb = mustBuild(t, hs, Config{Policy: RingHash, MinRingSize: 100, MaxRingSize: 150}, nil)
	if n := len(tb.all.ringHashes); n < 150 || n > 160 {
		t.Errorf("capped ring: %d entries, want about 150", n)
	}
	// More hosts than the maximum: one point each.
	_, many := newHosts(300)
	tb = mustBuild(t, many, Config{Policy: RingHash, MinRingSize: 16, MaxRingSize: 16}, nil)
	if n := len(tb.all.ringHashes); n != 300 {
		t.Errorf("%d entries for 300 hosts", n)
	}
	// prev's scale is dropped once the ring would fall under the minimum.
	prev := mustBuild(t, hs, Config{Policy: RingHash}, nil)
	tb = mustBuild(t, hs[:4], Config{Policy: RingHash}, prev)
	if n := len(tb.all.ringHashes); n < 2048 {
		t.Errorf("ring of 4 hosts with prev's scale: %d entries, want rescaled to >= 2048", n)
	}
}

func TestMaglevTableSmall(t *testing.T) {
	// More hosts than slots: every slot filled, no panic.
	_, hs := newHosts(20)
	tb := mustBuild(t, hs, Config{Policy: Maglev, TableSize: 7}, nil)
	for _, h := range tb.all.table {
		if h < 0 {
			t.Fatal("empty slot")
		}
	}
	if tb.all.distinct != 7 {
		t.Errorf("distinct = %d", tb.all.distinct)
	}
}

func ExampleTable() {
	hosts := []Host{
		&testHost{addr: "10.0.0.1:8080", weight: 1},
		&testHost{addr: "10.0.0.2:8080", weight: 3},
	}
	tb, _ := Build(hosts, Config{Policy: Maglev}, nil)
	p := tb.NewPicker(0) // one per event loop
	i := p.Pick(Context{Now: 0, Hash: HashString("user-42"), HasHash: true})
	fmt.Println(hosts[i].Address() == hosts[p.Pick(Context{Hash: HashString("user-42"), HasHash: true})].Address())
	// Output: true
}
