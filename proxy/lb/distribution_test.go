package lb

import (
	"testing"
)

// Distribution tests: every one is seeded, so it is deterministic.

func TestRoundRobin(t *testing.T) {
	ths, hs := newHosts(5)
	p := mustBuild(t, hs, Config{Policy: RoundRobin}, nil).NewPicker(1)
	c := counts(p, 5, 10000, Context{})
	for i, n := range c {
		if n != 2000 {
			t.Errorf("host %d: %d picks, want exactly 2000", i, n)
		}
	}
	// One host down: the others share its turns equally (no double share
	// for the host after it).
	ths[2].down.Store(true)
	c = counts(p, 5, 10000, Context{})
	for i, n := range c {
		want := 2500
		if i == 2 {
			want = 0
		}
		if n != want {
			t.Errorf("host 2 down: host %d: %d picks, want %d", i, n, want)
		}
	}
}

func TestWeightedRoundRobin(t *testing.T) {
	weights := []uint32{1, 2, 3, 4}
	ths, hs := newHosts(0, weights...)
	p := mustBuild(t, hs, Config{Policy: WeightedRoundRobin}, nil).NewPicker(1)
	assertShares(t, counts(p, 4, 100000, Context{}), weights, 0.001)

	// EDF interleaves: in every window of sum(weights) picks each host
	// appears within one of its weight.
	seq := make([]int, 1000)
	for i := range seq {
		seq[i] = p.Pick(Context{})
	}
	for s := 0; s+10 <= len(seq); s++ {
		win := make([]int, 4)
		for _, h := range seq[s : s+10] {
			win[h]++
		}
		for h, n := range win {
			if d := n - int(weights[h]); d > 1 || d < -1 {
				t.Fatalf("window at %d: host %d picked %d times, weight %d: %v", s, h, n, weights[h], seq[s:s+10])
			}
		}
	}

	// The heaviest host down: the rest keep their proportions.
	ths[3].down.Store(true)
	assertShares(t, counts(p, 4, 60000, Context{}), []uint32{1, 2, 3, 0}, 0.001)

	// Back up after a long outage: no burst to catch up.
	ths[3].down.Store(false)
	c := counts(p, 4, 100, Context{})
	if c[3] > 42 {
		t.Errorf("recovered host took %d of the next 100 picks (weight share 40)", c[3])
	}
	assertShares(t, counts(p, 4, 100000, Context{}), weights, 0.001)
}

func TestWeightedRoundRobinExtremeWeights(t *testing.T) {
	weights := []uint32{MaxWeight, 1, 1, 5000}
	ths, hs := newHosts(0, weights...)
	p := mustBuild(t, hs, Config{Policy: WeightedRoundRobin}, nil).NewPicker(9)
	assertShares(t, counts(p, 4, 15002*20, Context{}), weights, 0.01)
	ths[0].down.Store(true)
	assertShares(t, counts(p, 4, 5002*20, Context{}), []uint32{0, 1, 1, 5000}, 0.01)
}

// TestWeightedRoundRobinRebase runs one picker past the rebase point.
func TestWeightedRoundRobinRebase(t *testing.T) {
	_, hs := newHosts(0, 1, 3)
	tb := mustBuild(t, hs, Config{Policy: WeightedRoundRobin}, nil)
	p := tb.NewPicker(1)
	q := &p.states[0].edf
	for i := range q.e {
		q.e[i].deadline += edfRebase - 1<<34
	}
	assertShares(t, counts(p, 2, 40000, Context{}), []uint32{1, 3}, 0.001)
	for _, e := range q.e {
		if e.deadline > edfRebase {
			t.Fatalf("deadline %d not rebased", e.deadline)
		}
	}
}

func TestRandom(t *testing.T) {
	ths, hs := newHosts(10)
	p := mustBuild(t, hs, Config{Policy: Random}, nil).NewPicker(1)
	c := counts(p, 10, 200000, Context{})
	assertShares(t, c, []uint32{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 0.03)

	ths[0].down.Store(true)
	ths[5].down.Store(true)
	c = counts(p, 10, 200000, Context{})
	assertShares(t, c, []uint32{0, 1, 1, 1, 1, 0, 1, 1, 1, 1}, 0.03)
}

func TestLeastRequestPrefersLessLoaded(t *testing.T) {
	ths, hs := newHosts(4)
	p := mustBuild(t, hs, Config{Policy: LeastRequest}, nil).NewPicker(1)
	for i, a := range []int64{0, 5, 5, 5} {
		ths[i].active.Store(a)
	}
	s := shares(counts(p, 4, 100000, Context{}))
	// Host 0 wins whenever it is one of the two drawn: 1/4 + 3/4·1/3 = 1/2.
	if s[0] < 0.47 || s[0] > 0.53 {
		t.Errorf("idle host share %.3f, want about 0.5 (loaded hosts: %.3f %.3f %.3f)", s[0], s[1], s[2], s[3])
	}
	// The most loaded host is never the less loaded of two distinct hosts.
	for i, a := range []int64{1, 2, 3, 100} {
		ths[i].active.Store(a)
	}
	s = shares(counts(p, 4, 100000, Context{}))
	if s[3] > 0.001 {
		t.Errorf("most loaded host share %.4f, want ~0", s[3])
	}
	if !(s[0] > s[1] && s[1] > s[2] && s[2] > s[3]) {
		t.Errorf("shares %v not ordered by load", s)
	}
}

func TestLeastRequestWeightedIdle(t *testing.T) {
	weights := []uint32{1, 2, 3, 4}
	_, hs := newHosts(0, weights...)
	p := mustBuild(t, hs, Config{Policy: LeastRequest}, nil).NewPicker(1)
	assertShares(t, counts(p, 4, 200000, Context{}), weights, 0.03)
}

// simulate runs a closed loop: each tick perTick requests arrive and pick a
// host, and each request in flight on host i completes with probability
// done[i] (a faster host has a higher one). It returns the picks per host.
func simulate(p *Picker, ths []*testHost, done []float64, ticks, perTick int) []int {
	c := make([]int, len(ths))
	r := &Picker{rng: 99}
	for range ticks {
		for range perTick {
			h := p.Pick(Context{})
			c[h]++
			ths[h].active.Add(1)
		}
		for i, h := range ths {
			n := h.active.Load()
			finished := int64(0)
			for range n {
				if float64(r.next()>>11)/(1<<53) < done[i] {
					finished++
				}
			}
			h.active.Add(-finished)
		}
	}
	return c
}

func TestLeastRequestFollowsLatency(t *testing.T) {
	ths, hs := newHosts(3)
	p := mustBuild(t, hs, Config{Policy: LeastRequest}, nil).NewPicker(1)
	s := shares(simulate(p, ths, []float64{0.5, 0.2, 0.05}, 5000, 20))
	t.Logf("shares by host speed (fast..slow): %.3f %.3f %.3f", s[0], s[1], s[2])
	if !(s[0] > 0.45 && s[0] > s[1] && s[1] > s[2] && s[2] < 0.15) {
		t.Errorf("shares %.3f: want the fast host most and the slow host least", s)
	}
}

func TestLeastRequestWeightedUnderLoad(t *testing.T) {
	weights := []uint32{1, 2, 4}
	ths, hs := newHosts(0, weights...)
	p := mustBuild(t, hs, Config{Policy: LeastRequest}, nil).NewPicker(1)
	c := simulate(p, ths, []float64{0.1, 0.1, 0.1}, 5000, 20)
	t.Logf("weights 1:2:4, equal speed: shares %.3f", shares(c))
	assertShares(t, c, weights, 0.10)
}
