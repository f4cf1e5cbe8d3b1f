package lb

import (
	"testing"
)

// zoned makes 6 hosts: zone a (0, 2, 4) and b (1, 3), and one without a
// zone (5); versions v1 on 0-1, v2 on the rest.
func zoned() ([]*testHost, []Host) {
	ths, hs := newHosts(6)
	for i, h := range ths[:5] {
		h.md = map[string]string{"zone": []string{"a", "b"}[i%2], "version": "v2"}
	}
	ths[0].md["version"], ths[1].md["version"] = "v1", "v1"
	return ths, hs
}

func TestSubsets(t *testing.T) {
	for _, pol := range allPolicies {
		ths, hs := zoned()
		tb := mustBuild(t, hs, Config{Policy: pol, SubsetKeys: []string{"zone"}}, nil)
		if tb.Subsets() != 2 {
			t.Fatalf("%v: %d subsets", pol, tb.Subsets())
		}
		p := tb.NewPicker(1)
		pick := func(i int, zone ...string) int {
			return p.Pick(Context{Hash: keyHash(i), HasHash: true, Subset: zone})
		}
		inA := map[int]bool{0: true, 2: true, 4: true}
		c := make([]int, 6)
		for i := range 3000 {
			h := pick(i, "a")
			if !inA[h] {
				t.Fatalf("%v: zone a request went to host %d", pol, h)
			}
			c[h]++
		}
		for h := range inA {
			if c[h] < 700 {
				t.Errorf("%v: zone a host %d got %d of 3000", pol, h, c[h])
			}
		}
		// Unhealthy hosts are skipped within the subset; all of a subset
		// unhealthy: panic mode within the subset, not another subset.
		ths[2].down.Store(true)
		for i := range 1000 {
			if h := pick(i, "a"); h != 0 && h != 4 {
				t.Fatalf("%v: zone a with host 2 down went to %d", pol, h)
			}
		}
		ths[1].down.Store(true)
		ths[3].down.Store(true)
		for i := range 1000 {
			if h := pick(i, "b"); h != 1 && h != 3 {
				t.Fatalf("%v: zone b all down went to %d", pol, h)
			}
		}
		// No subset asked: every host, including the one without a zone.
		seen5 := false
		for i := range 3000 {
			seen5 = seen5 || pick(i) == 5
		}
		if !seen5 {
			t.Errorf("%v: host 5 never picked without a subset", pol)
		}
		// Unknown values (or the wrong number of them): fallback any.
		for _, vals := range [][]string{{"c"}, {"a", "v1"}, {}} {
			h := p.Pick(Context{Subset: vals, Hash: 1, HasHash: true})
			if h < 0 || h > 5 {
				t.Errorf("%v: fallback any gave %d", pol, h)
			}
		}
		// Fallback none.
		tb = mustBuild(t, hs, Config{Policy: pol, SubsetKeys: []string{"zone"}, SubsetFallback: FallbackNone}, nil)
		if h := tb.NewPicker(1).Pick(Context{Subset: []string{"c"}}); h != -1 {
			t.Errorf("%v: fallback none gave %d", pol, h)
		}
	}
}

func TestSubsetTwoKeys(t *testing.T) {
	_, hs := zoned()
	tb := mustBuild(t, hs, Config{Policy: RoundRobin, SubsetKeys: []string{"zone", "version"}}, nil)
	// zone a: 0 (v1), 2 and 4 (v2); zone b: 1 (v1), 3 (v2); 5 has neither.
	if tb.Subsets() != 4 {
		t.Fatalf("%d subsets", tb.Subsets())
	}
	for vals, want := range map[[2]string][]int32{
		{"a", "v1"}: {0}, {"a", "v2"}: {2, 4}, {"b", "v1"}: {1}, {"b", "v2"}: {3}, {"b", "v3"}: nil,
	} {
		got := tb.SubsetHosts(vals[:])
		if len(got) != len(want) {
			t.Errorf("%v: hosts %v, want %v", vals, got, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%v: hosts %v, want %v", vals, got, want)
			}
		}
	}
}

// TestSubsetWeighted: the cluster's policy applies inside a subset,
// weights included.
func TestSubsetWeighted(t *testing.T) {
	ths, hs := newHosts(0, 1, 5, 3, 5)
	for i, h := range ths {
		h.md = map[string]string{"zone": []string{"a", "b"}[i%2]}
	}
	for _, pol := range []Policy{WeightedRoundRobin, LeastRequest, RingHash, Maglev} {
		p := mustBuild(t, hs, Config{Policy: pol, SubsetKeys: []string{"zone"}}, nil).NewPicker(1)
		c := make([]int, 4)
		for i := range 100000 {
			c[p.Pick(Context{Subset: []string{"a"}, Hash: keyHash(i), HasHash: true})]++
		}
		tol := 0.03
		if pol == RingHash {
			tol = 0.15
		}
		assertShares(t, c, []uint32{1, 0, 3, 0}, tol)
	}
}

// TestSubsetRingKeepsScale: rebuilding with prev keeps each subset's ring,
// so a host leaving a subset moves only its own keys.
func TestSubsetRingKeepsScale(t *testing.T) {
	ths, hs := newHosts(8)
	for _, h := range ths {
		h.md = map[string]string{"zone": "a"}
	}
	cfg := Config{Policy: RingHash, SubsetKeys: []string{"zone"}}
	before := mustBuild(t, hs, cfg, nil)
	rest := hs[:7]
	after := mustBuild(t, rest, cfg, before)
	p, q := before.NewPicker(1), after.NewPicker(1)
	for i := range 20000 {
		ctx := Context{Subset: []string{"a"}, Hash: keyHash(i), HasHash: true}
		if a, b := p.Pick(ctx), q.Pick(ctx); a != 7 && a != b {
			t.Fatalf("key %d moved from %d to %d", i, a, b)
		}
	}
}
