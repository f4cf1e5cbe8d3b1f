package lb

import (
	"math"
	"sync"
	"testing"
)

var allPolicies = []Policy{RoundRobin, WeightedRoundRobin, Random, LeastRequest, RingHash, Maglev}

func TestParsePolicy(t *testing.T) {
	for _, p := range allPolicies {
		got, ok := ParsePolicy(p.String())
		if !ok || got != p {
			t.Errorf("ParsePolicy(%q) = %v, %v", p.String(), got, ok)
		}
	}
	if _, ok := ParsePolicy("weighted"); ok {
		t.Error(`ParsePolicy("weighted") accepted`)
	}
	if s := Policy(42).String(); s != "Policy(42)" {
		t.Errorf("String = %q", s)
	}
}

func TestBuildRejects(t *testing.T) {
	_, hs := newHosts(3)
	for _, cfg := range []Config{
		{Policy: Maglev, TableSize: 65536},
		{Policy: Maglev, TableSize: MaxTableSize + 2},
		{Policy: RingHash, MinRingSize: 4096, MaxRingSize: 1024},
		{Policy: RingHash, MaxRingSize: MaxRingSize + 1},
		{Policy: Policy(9)},
	} {
		if _, err := Build(hs, cfg, nil); err == nil {
			t.Errorf("Build(%+v) succeeded", cfg)
		}
	}
}

func TestEmptyAndSingle(t *testing.T) {
	for _, pol := range allPolicies {
		tb := mustBuild(t, nil, Config{Policy: pol}, nil)
		if got := tb.NewPicker(1).Pick(Context{}); got != -1 {
			t.Errorf("%v: empty set picked %d", pol, got)
		}
		ths, hs := newHosts(1)
		ths[0].down.Store(true)
		tb = mustBuild(t, hs, Config{Policy: pol}, nil)
		if got := tb.NewPicker(1).Pick(Context{}); got != 0 {
			t.Errorf("%v: single host picked %d", pol, got)
		}
	}
}

// TestPanicMode: with every host unhealthy each policy still returns a
// host, and spreads such requests over the hosts rather than piling them
// on one (hash policies: by key).
func TestPanicMode(t *testing.T) {
	for _, pol := range allPolicies {
		ths, hs := newHosts(4)
		for _, h := range ths {
			h.down.Store(true)
		}
		p := mustBuild(t, hs, Config{Policy: pol}, nil).NewPicker(7)
		c := make([]int, 4)
		for i := range 4000 {
			c[p.Pick(Context{Hash: keyHash(i), HasHash: true})]++
		}
		for i, n := range c {
			if n < 500 {
				t.Errorf("%v: panic mode gave host %d only %d of 4000 picks: %v", pol, i, n, c)
			}
		}
	}
}

// TestSkipUnhealthy: no policy picks an unhealthy host while a healthy one
// is left, whatever the weights.
func TestSkipUnhealthy(t *testing.T) {
	weights := []uint32{MaxWeight, 1, 7, MaxWeight, 3}
	for _, pol := range allPolicies {
		ths, hs := newHosts(0, weights...)
		ths[0].down.Store(true)
		ths[3].down.Store(true)
		ths[4].down.Store(true)
		p := mustBuild(t, hs, Config{Policy: pol}, nil).NewPicker(3)
		for i := range 5000 {
			if got := p.Pick(Context{Hash: keyHash(i), HasHash: true}); ths[got].down.Load() {
				t.Fatalf("%v: picked unhealthy host %d", pol, got)
			}
		}
	}
}

// TestConcurrentPickers: one Table, one Picker per goroutine (as per event
// loop), hosts' health flipping meanwhile; run with -race.
func TestConcurrentPickers(t *testing.T) {
	for _, pol := range allPolicies {
		ths, hs := newHosts(0, 1, 2, 3, 4, 5, 6)
		for i, h := range ths {
			h.md = map[string]string{"zone": []string{"a", "b"}[i%2]}
		}
		tb := mustBuild(t, hs, Config{Policy: pol, SubsetKeys: []string{"zone"}}, nil)
		var wg sync.WaitGroup
		for loop := range 4 {
			wg.Go(func() {
				p := tb.NewPicker(uint64(loop))
				zone := []string{"a"}
				for i := range 20000 {
					ctx := Context{Hash: uint64(i) * 0x9e3779b97f4a7c15, HasHash: true}
					if i%2 == 0 {
						ctx.Subset = zone
					}
					h := p.Pick(ctx)
					ths[h].active.Add(1)
					if i%100 == 0 {
						ths[i%6].down.Store(i%300 == 0)
					}
					ths[h].active.Add(-1)
				}
			})
		}
		wg.Wait()
	}
}

// TestZeroAllocs: Pick allocates nothing, for every policy, healthy or not,
// with and without subsets.
func TestZeroAllocs(t *testing.T) {
	for _, pol := range allPolicies {
		ths, hs := newHosts(0, 1, 2, 3, 4, 5, 6, 7, 8)
		for i, h := range ths {
			h.md = map[string]string{"zone": []string{"a", "b"}[i%2]}
		}
		ths[2].down.Store(true)
		tb := mustBuild(t, hs, Config{Policy: pol, SubsetKeys: []string{"zone"}}, nil)
		p := tb.NewPicker(1)
		zone := []string{"b"}
		missing := []string{"c"}
		i := uint64(0)
		for _, ctx := range []Context{
			{},
			{Subset: zone},
			{Subset: missing},
		} {
			allocs := testing.AllocsPerRun(1000, func() {
				i++
				ctx.Hash, ctx.HasHash = i*0x9e3779b97f4a7c15, true
				if p.Pick(ctx) < 0 {
					t.Fatal("no host")
				}
			})
			if allocs != 0 {
				t.Errorf("%v %v: %.1f allocs per pick", pol, ctx.Subset, allocs)
			}
		}
		for _, h := range ths {
			h.down.Store(true) // panic mode too
		}
		if allocs := testing.AllocsPerRun(1000, func() { i++; p.Pick(Context{Hash: i, HasHash: true}) }); allocs != 0 {
			t.Errorf("%v panic mode: %.1f allocs per pick", pol, allocs)
		}
	}
}

func TestIsPrime(t *testing.T) {
	for n, want := range map[int]bool{0: false, 1: false, 2: true, 3: true, 4: false, 9: false, 65537: true, 65536: false, 5000011: true, 1009: true} {
		if IsPrime(n) != want {
			t.Errorf("IsPrime(%d) != %v", n, want)
		}
	}
}

func TestHashKey(t *testing.T) {
	if HashKey([]byte("abc")) != HashString("abc") {
		t.Fatal("HashKey and HashString differ")
	}
	// xxHash64 of "abc", seed 0 (reference value).
	if got := HashString("abc"); got != 0x44bc2cf5ad770999 {
		t.Fatalf("HashString(abc) = %#x", got)
	}
}

// stddev of shares relative to their mean, for logs.
func spread(c []int) (maxOverMean, minOverMean float64) {
	var sum float64
	for _, x := range c {
		sum += float64(x)
	}
	mean := sum / float64(len(c))
	maxOverMean, minOverMean = 0, math.Inf(1)
	for _, x := range c {
		maxOverMean = max(maxOverMean, float64(x)/mean)
		minOverMean = min(minOverMean, float64(x)/mean)
	}
	return
}
