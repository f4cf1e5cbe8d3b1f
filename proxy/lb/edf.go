package lb

// Weighted round robin is an earliest-deadline-first scheduler, as in
// Envoy: every member has a deadline, the member with the earliest one is
// picked and its deadline moves on by edfScale/weight, so over any window a
// member is picked in proportion to its weight, interleaved rather than in
// bursts. Deadlines are integers (no drift); they are rebased towards zero
// before they could overflow.

const (
	// edfScale is the deadline step of a weight-1 member; a member of
	// weight w steps edfScale/w (the rounding is below 3e-6 relative for
	// any weight up to MaxWeight).
	edfScale = 1 << 32
	// edfRebase is the virtual time past which every deadline is shifted
	// back to start from zero.
	edfRebase = 1 << 62
)

// edfEntry is one member's place in an EDF queue.
type edfEntry struct {
	deadline uint64
	member   int32 // index into group.members
}

func (a edfEntry) before(b edfEntry) bool {
	return a.deadline < b.deadline || a.deadline == b.deadline && a.member < b.member
}

// edfQueue is a binary min-heap of entries by deadline (ties: member order).
type edfQueue struct{ e []edfEntry }

// newEDF starts every member at a random phase within its first step, so
// that loops (seeded differently) do not all send their first requests to
// the same hosts.
func newEDF(g *group, p *Picker) edfQueue {
	q := edfQueue{e: make([]edfEntry, len(g.members))}
	for i := range g.members {
		q.e[i] = edfEntry{deadline: p.next() % g.edfStep[i], member: int32(i)}
	}
	for i := len(q.e)/2 - 1; i >= 0; i-- {
		q.down(i)
	}
	return q
}

func (q *edfQueue) down(i int) {
	e := q.e
	n := len(e)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && e[r].before(e[l]) {
			m = r
		}
		if !e[m].before(e[i]) {
			return
		}
		e[i], e[m] = e[m], e[i]
		i = m
	}
}

func (q *edfQueue) up(i int) {
	e := q.e
	for i > 0 {
		parent := (i - 1) / 2
		if !e[i].before(e[parent]) {
			return
		}
		e[i], e[parent] = e[parent], e[i]
		i = parent
	}
}

func (q *edfQueue) push(x edfEntry) {
	q.e = append(q.e, x) // within capacity: the queue never outgrows its members
	q.up(len(q.e) - 1)
}

func (q *edfQueue) pop() edfEntry {
	top := q.e[0]
	last := len(q.e) - 1
	q.e[0] = q.e[last]
	q.e = q.e[:last]
	q.down(0)
	return top
}

// pickEDF takes the healthy member with the earliest deadline. Unhealthy
// members met on the way are set aside and put back due one step after the
// pick, so they neither take turns from healthy members nor, once healthy
// again, come back with a backlog of early deadlines (a burst). When every
// member is unhealthy it picks the earliest anyway (panic mode).
func (p *Picker) pickEDF(g *group, q *edfQueue, now int64) int {
	stash := p.stash[:0]
	for len(q.e) > 0 {
		top := q.e[0]
		h := g.members[top.member]
		if !p.t.hosts[h].Healthy(now) {
			stash = append(stash, q.pop())
			continue
		}
		vt := top.deadline
		q.e[0].deadline = vt + g.edfStep[top.member]
		q.down(0)
		for _, s := range stash {
			s.deadline = vt + g.edfStep[s.member]
			q.push(s)
		}
		p.stash = stash[:0]
		if vt > edfRebase {
			q.rebase(vt)
		}
		return int(h)
	}
	// Panic mode: stash holds every member, earliest first.
	first := stash[0]
	first.deadline += g.edfStep[first.member]
	q.push(first)
	for _, s := range stash[1:] {
		q.push(s)
	}
	p.stash = stash[:0]
	if first.deadline > edfRebase {
		q.rebase(q.e[0].deadline)
	}
	return int(g.members[first.member])
}

// rebase shifts every deadline down by base, which is at most the earliest.
func (q *edfQueue) rebase(base uint64) {
	base = min(base, q.e[0].deadline)
	for i := range q.e {
		q.e[i].deadline -= base
	}
}

// alias is one slot of a Vose alias table: draw a slot uniformly, keep it
// when a uniform 64-bit draw is below keep, else take other.
type alias struct {
	keep  uint64
	other int32
}

// newAlias builds the alias table that samples member i with probability
// weights[i] / sum(weights) in O(1).
func newAlias(weights []uint32) []alias {
	n := len(weights)
	var sum float64
	for _, w := range weights {
		sum += float64(w)
	}
	prob := make([]float64, n)
	small := make([]int32, 0, n)
	large := make([]int32, 0, n)
	for i, w := range weights {
		prob[i] = float64(w) * float64(n) / sum
		if prob[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	a := make([]alias, n)
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small, large = small[:len(small)-1], large[:len(large)-1]
		a[s] = alias{keep: probToThreshold(prob[s]), other: l}
		prob[l] += prob[s] - 1
		if prob[l] < 1 {
			small = append(small, l)
		} else {
			large = append(large, l)
		}
	}
	for _, i := range append(small, large...) { // rounding leftovers: keep always
		a[i] = alias{keep: ^uint64(0), other: i}
	}
	return a
}

func probToThreshold(p float64) uint64 {
	if p >= 1 {
		return ^uint64(0)
	}
	if p <= 0 {
		return 0
	}
	return uint64(p * (1 << 64))
}
