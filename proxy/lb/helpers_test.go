package lb

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// testHost is a Host whose health and load a test sets.
type testHost struct {
	addr   string
	weight uint32
	md     map[string]string
	down   atomic.Bool
	active atomic.Int64
}

func (h *testHost) Address() string             { return h.addr }
func (h *testHost) Weight() uint32              { return h.weight }
func (h *testHost) Metadata() map[string]string { return h.md }
func (h *testHost) Healthy(int64) bool          { return !h.down.Load() }
func (h *testHost) ActiveRequests() int64       { return h.active.Load() }

// newHosts makes hosts 10.0.0.i:8080 with the given weights (nil: n of
// weight 1).
func newHosts(n int, weights ...uint32) ([]*testHost, []Host) {
	if weights != nil {
		n = len(weights)
	}
	ths := make([]*testHost, n)
	hs := make([]Host, n)
	for i := range ths {
		w := uint32(1)
		if weights != nil {
			w = weights[i]
		}
		ths[i] = &testHost{addr: fmt.Sprintf("10.0.%d.%d:8080", i/250, i%250+1), weight: w}
		hs[i] = ths[i]
	}
	return ths, hs
}

func mustBuild(t testing.TB, hosts []Host, cfg Config, prev *Table) *Table {
	t.Helper()
	tb, err := Build(hosts, cfg, prev)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// counts picks n times and counts each host.
func counts(p *Picker, nhosts, n int, ctx Context) []int {
	c := make([]int, nhosts)
	for range n {
		c[p.Pick(ctx)]++
	}
	return c
}

// keyHash is the hash of the i-th test key.
func keyHash(i int) uint64 { return HashString(fmt.Sprintf("user-%d", i)) }

// assign maps nkeys keys to hosts through a fresh picker.
func assign(tb *Table, nkeys int) []int {
	p := tb.NewPicker(1)
	out := make([]int, nkeys)
	for i := range out {
		out[i] = p.Pick(Context{Hash: keyHash(i), HasHash: true})
	}
	return out
}

// shares turns counts into fractions.
func shares(c []int) []float64 {
	total := 0
	for _, x := range c {
		total += x
	}
	s := make([]float64, len(c))
	for i, x := range c {
		s[i] = float64(x) / float64(total)
	}
	return s
}

// assertShares checks that every share is within tol (relative) of the
// weight's share of the weights (a weight 0 must get nothing).
func assertShares(t *testing.T, c []int, weights []uint32, tol float64) {
	t.Helper()
	var sum float64
	for _, w := range weights {
		sum += float64(w)
	}
	got := shares(c)
	for i, w := range weights {
		want := float64(w) / sum
		if w == 0 {
			if c[i] != 0 {
				t.Errorf("host %d: %d picks, want none", i, c[i])
			}
			continue
		}
		if d := got[i]/want - 1; d > tol || d < -tol {
			t.Errorf("host %d: share %.4f, want %.4f ±%.0f%% (off by %+.2f%%)", i, got[i], want, tol*100, d*100)
		}
	}
	if t.Failed() {
		t.Logf("counts %v", c)
	}
}
