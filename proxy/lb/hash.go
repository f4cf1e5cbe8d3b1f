package lb

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strconv"

	"github.com/cespare/xxhash/v2"
)

// ringEntry is one point of the hash ring, during the build.
type ringEntry struct {
	hash uint64
	host int32
}

// buildRing places ceil(weight × scale) points per member, the k-th at
// xxHash64("address_k") (Envoy's key shape), and sorts them. scale is
// prev's when the ring it gives stays within the size bounds, so the
// members that stay keep exactly their points; otherwise the ring is sized
// to twice the minimum (capped by the maximum), leaving room for hosts to
// leave before it must be resized.
func (t *Table) buildRing(g *group, prev *group) {
	var total uint64
	for _, w := range g.weights {
		total += uint64(w)
	}
	if total == 0 {
		return
	}
	lo, hi := t.cfg.minRing(), t.cfg.maxRing()
	scale := 0.0
	if prev != nil && prev.ringScale > 0 {
		if n := ringSize(g.weights, prev.ringScale); n >= lo && n <= hi {
			scale = prev.ringScale
		}
	}
	if scale == 0 {
		scale = float64(min(2*lo, hi)) / float64(total)
	}
	g.ringScale = scale
	entries := make([]ringEntry, 0, ringSize(g.weights, scale))
	buf := make([]byte, 0, 64)
	for i, m := range g.members {
		addr := t.hosts[m].Address()
		for k := range ringPoints(g.weights[i], scale) {
			buf = strconv.AppendInt(append(append(buf[:0], addr...), '_'), int64(k), 10)
			entries = append(entries, ringEntry{hash: xxhash.Sum64(buf), host: m})
		}
	}
	slices.SortFunc(entries, func(a, b ringEntry) int {
		if c := cmp.Compare(a.hash, b.hash); c != 0 {
			return c
		}
		return cmp.Compare(t.hosts[a.host].Address(), t.hosts[b.host].Address())
	})
	g.ringHashes = make([]uint64, len(entries))
	g.ringHosts = make([]int32, len(entries))
	for i, e := range entries {
		g.ringHashes[i], g.ringHosts[i] = e.hash, e.host
	}
	g.distinct = len(g.members)
}

// ringPoints is a member's number of ring points: at least one.
func ringPoints(w uint32, scale float64) int {
	return max(1, int(math.Ceil(float64(w)*scale)))
}

func ringSize(weights []uint32, scale float64) int {
	n := 0
	for _, w := range weights {
		n += ringPoints(w, scale)
	}
	return n
}

// pickRing takes the first point at or after the hash (wrapping), then
// walks on to the next point of a healthy host.
func (p *Picker) pickRing(g *group, h uint64, now int64) int {
	hs := g.ringHashes
	lo, hi := 0, len(hs)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if hs[mid] < h {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == len(hs) {
		lo = 0
	}
	if host := g.ringHosts[lo]; p.t.hosts[host].Healthy(now) {
		return int(host)
	}
	return p.walk(g.ringHosts, lo, g.distinct, now)
}

// walk looks at the entries after i, in order and wrapping, for the first
// healthy host, asking each host at most once; when none of the group's
// distinct hosts is healthy it returns the host at i (panic mode).
func (p *Picker) walk(entries []int32, i, distinct int, now int64) int {
	epoch := p.walkStart()
	first := entries[i]
	p.seen[first] = epoch
	looked := 1
	n := len(entries)
	for k := 1; k < n && looked < distinct; k++ {
		j := i + k
		if j >= n {
			j -= n
		}
		h := entries[j]
		if p.seen[h] == epoch {
			continue
		}
		p.seen[h] = epoch
		looked++
		if p.t.hosts[h].Healthy(now) {
			return int(h)
		}
	}
	return int(first)
}

// maglevEntry is one member during the Maglev table build.
type maglevEntry struct {
	host         int32
	pos, skip    uint64  // next slot of the member's permutation, and its step
	weight       float64 // weight / the group's largest weight
	targetWeight float64
}

// buildMaglev fills the lookup table as in the Maglev paper, with Envoy's
// weighting: members take turns claiming the next free slot of their own
// permutation (offset = xxHash64(address) mod M, skip = xxHash64 seeded 1
// mod (M-1) + 1); a member of weight w takes a turn in w/max(weight) of the
// rounds. Members take turns in address order, so the table depends on the
// set of hosts, not on their indices.
func (t *Table) buildMaglev(g *group) {
	if len(g.members) == 0 {
		return
	}
	m := uint64(t.cfg.tableSize())
	var maxW uint32
	for _, w := range g.weights {
		maxW = max(maxW, w)
	}
	entries := make([]maglevEntry, len(g.members))
	d := xxhash.NewWithSeed(1)
	for i, h := range g.members {
		addr := t.hosts[h].Address()
		d.ResetWithSeed(1)
		_, _ = d.WriteString(addr)
		entries[i] = maglevEntry{
			host:   h,
			pos:    xxhash.Sum64String(addr) % m,
			skip:   d.Sum64()%(m-1) + 1,
			weight: float64(g.weights[i]) / float64(maxW),
		}
	}
	slices.SortStableFunc(entries, func(a, b maglevEntry) int {
		return cmp.Compare(t.hosts[a.host].Address(), t.hosts[b.host].Address())
	})
	table := make([]int32, m)
	for i := range table {
		table[i] = -1
	}
	filled := uint64(0)
	owners := make(map[int32]bool, len(entries))
	for round := 1.0; filled < m; round++ {
		for i := range entries {
			e := &entries[i]
			if round*e.weight < e.targetWeight {
				continue
			}
			e.targetWeight++
			for table[e.pos] >= 0 {
				e.pos = (e.pos + e.skip) % m
			}
			table[e.pos] = e.host
			owners[e.host] = true
			e.pos = (e.pos + e.skip) % m
			if filled++; filled == m {
				break
			}
		}
	}
	g.table = table
	g.distinct = len(owners)
}

// pickMaglev looks the hash up in the table; for an unhealthy host it walks
// on to the next slots of the table, whose owners are spread over the hosts
// in proportion to their weights, so an unhealthy host's keys scatter
// evenly and each key still always lands on the same fallback host.
func (p *Picker) pickMaglev(g *group, h uint64, now int64) int {
	i, _ := bits.Mul64(h, uint64(len(g.table)))
	if host := g.table[i]; p.t.hosts[host].Healthy(now) {
		return int(host)
	}
	return p.walk(g.table, int(i), g.distinct, now)
}

// IsPrime reports whether n is prime (trial division; n is a table size).
func IsPrime(n int) bool {
	if n < 2 {
		return false
	}
	if n%2 == 0 {
		return n == 2
	}
	for d := 3; d*d <= n; d += 2 {
		if n%d == 0 {
			return false
		}
	}
	return true
}
