package lb

import (
	"fmt"
	"math/bits"

	"github.com/cespare/xxhash/v2"
)

// Host is one upstream endpoint as the engine sees it. The engine implements
// it; a host's index is its position in the slice given to Build, and that
// index is what Pick returns.
//
// Address, Weight and Metadata are read once, by Build: a change to any of
// them takes a new Build. Healthy and ActiveRequests are read on the forward
// path, from every event loop at once, so they must be cheap and safe for
// concurrent use (an atomic load each).
type Host interface {
	// Address is the host's stable identity, normally its host:port. Ring
	// hash and Maglev place a host by hashing it, so a host keeps its keys
	// when other hosts come and go. Addresses should be unique in a set.
	Address() string

	// Weight is the host's relative capacity, 1..MaxWeight; 0 counts as 1
	// and larger values as MaxWeight. Round robin and random ignore it.
	Weight() uint32

	// Metadata is the host's immutable label set (e.g. zone: a), matched
	// by subset load balancing. nil means none. Build keeps no reference
	// to the map after it returns.
	Metadata() map[string]string

	// Healthy reports whether the host may take requests at now (Unix
	// nanoseconds, the loop's clock). An unhealthy host is skipped unless
	// every candidate is unhealthy (panic mode, see the package doc).
	Healthy(now int64) bool

	// ActiveRequests is the number of requests in flight to the host,
	// counted across every event loop. Only least request reads it.
	ActiveRequests() int64
}

// MaxWeight is the largest host weight; config validation enforces
// 1..MaxWeight on endpoint weights.
const MaxWeight = 10000

// Policy is a load-balancing algorithm.
type Policy uint8

// The policies. Their behaviour and guarantees are in the package doc.
const (
	// RoundRobin cycles through the healthy hosts, ignoring weights.
	RoundRobin Policy = iota
	// WeightedRoundRobin interleaves hosts in proportion to their weights
	// with an earliest-deadline-first scheduler.
	WeightedRoundRobin
	// Random picks a healthy host uniformly at random, ignoring weights.
	Random
	// LeastRequest samples two hosts (weighted) and takes the one with
	// fewer active requests per unit of weight.
	LeastRequest
	// RingHash maps the request hash onto a consistent-hashing ring.
	RingHash
	// Maglev maps the request hash through a Maglev lookup table.
	Maglev
)

var policyNames = [...]string{
	RoundRobin:         "round_robin",
	WeightedRoundRobin: "weighted_round_robin",
	Random:             "random",
	LeastRequest:       "least_request",
	RingHash:           "ring_hash",
	Maglev:             "maglev",
}

// String returns the policy's configuration name (e.g. "ring_hash").
func (p Policy) String() string {
	if int(p) < len(policyNames) {
		return policyNames[p]
	}
	return fmt.Sprintf("Policy(%d)", p)
}

// ParsePolicy returns the policy a configuration name stands for.
func ParsePolicy(name string) (Policy, bool) {
	for p, n := range policyNames {
		if n == name {
			return Policy(p), true
		}
	}
	return 0, false
}

// UsesHash reports whether the policy picks by the request hash.
func (p Policy) UsesHash() bool { return p == RingHash || p == Maglev }

// Fallback says what a request gets when it asks for a subset no host is in.
type Fallback uint8

// Subset fallbacks.
const (
	// FallbackAny balances the request over every host of the cluster.
	FallbackAny Fallback = iota
	// FallbackNone picks no host: Pick returns -1 and the engine answers
	// "no upstream" in the protocol's terms.
	FallbackNone
)

// Defaults and limits of Config.
const (
	DefaultMinRingSize = 1024
	DefaultMaxRingSize = 8 << 20 // 8 Mi entries, as Envoy
	MaxRingSize        = 8 << 20
	DefaultTableSize   = 65537 // prime
	MaxTableSize       = 5000011
)

// Config is how a Table is built.
type Config struct {
	// Policy is the algorithm.
	Policy Policy

	// MinRingSize and MaxRingSize bound the number of ring hash entries;
	// 0 means DefaultMinRingSize / DefaultMaxRingSize. See the package doc
	// for how the ring is sized.
	MinRingSize, MaxRingSize int

	// TableSize is the Maglev lookup table size; it must be prime and
	// larger than the number of hosts (100× or more keeps the shares
	// within about 1% of the weights). 0 means DefaultTableSize.
	TableSize int

	// SubsetKeys are the metadata keys that partition the hosts into
	// subsets (SubsetSelector): hosts with equal values for every key form
	// one subset; a host lacking one of the keys is in none. nil or empty
	// turns subsets off.
	SubsetKeys []string

	// SubsetFallback is what a request gets when the values it asks for
	// match no subset.
	SubsetFallback Fallback
}

func (c Config) minRing() int { return cmpDefault(c.MinRingSize, DefaultMinRingSize) }
func (c Config) maxRing() int { return cmpDefault(c.MaxRingSize, DefaultMaxRingSize) }
func (c Config) tableSize() int {
	return cmpDefault(c.TableSize, DefaultTableSize)
}

func cmpDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Context is what Pick knows about one request.
type Context struct {
	// Now is the loop's clock (Unix nanoseconds), passed to Host.Healthy.
	Now int64

	// Hash is the request's hash: HashKey (or HashString) of the
	// cluster's configured hash key. Ring hash and Maglev only.
	Hash uint64

	// HasHash says Hash is set. A hash policy given a request without one
	// (its hash key was absent) picks as if by a random hash.
	HasHash bool

	// Subset holds the metadata values the request asks for, one per
	// Config.SubsetKeys entry and in that order (e.g. from a route plugin
	// or a header). nil: no subset, any host of the cluster. Ignored when
	// the table has no subset keys. Pick does not keep it.
	Subset []string
}

// HashKey hashes a request's hash key (a header value, the service, ...)
// for Context.Hash. It is xxHash64, the same as ring and table placement.
func HashKey(key []byte) uint64 { return xxhash.Sum64(key) }

// HashString is HashKey for a string, without a conversion.
func HashString(key string) uint64 { return xxhash.Sum64String(key) }

// Table holds everything about one host set that does not change between
// requests: members, weights, the hash ring or Maglev table, the subsets.
// It is immutable after Build and safe for concurrent use; every event loop
// makes its own Picker from it.
type Table struct {
	cfg     Config
	hosts   []Host
	all     *group
	subsets []*group           // subset i is group i+1 of a Picker
	index   map[uint64][]int32 // hash of a subset's values -> subsets
	maxSeen int                // longest walk a hash policy may need (hosts)
}

// group is one set of hosts a request may be balanced over: the whole
// cluster or one subset.
type group struct {
	values  []string // the subset's metadata values (nil for the cluster)
	members []int32  // host indices
	weights []uint32 // weight of each member, 1..MaxWeight
	uniform bool     // every weight equal

	edfStep []uint64 // weighted round robin: deadline step per member
	alias   []alias  // least request: weighted sampling, nil when uniform

	ringScale  float64  // ring hash: entries per unit of weight
	ringHashes []uint64 // ring hash: sorted points
	ringHosts  []int32  // ring hash: host of each point
	table      []int32  // Maglev: host of each slot
	distinct   int      // ring/Maglev: hosts that own at least one entry
}

// Build makes the table for hosts under cfg. prev, when not nil, is the
// table being replaced (after a host set change): ring hash then keeps the
// ring's scale when it can, so a host leaving or joining moves only its own
// share of the keys (see the package doc). Build reads every host's
// Address, Weight and Metadata once and keeps the hosts slice (not a copy:
// do not change it afterwards).
func Build(hosts []Host, cfg Config, prev *Table) (*Table, error) {
	if int(cfg.Policy) >= len(policyNames) {
		return nil, fmt.Errorf("lb: unknown policy %d", cfg.Policy)
	}
	if cfg.Policy == RingHash {
		if lo, hi := cfg.minRing(), cfg.maxRing(); lo > hi || hi > MaxRingSize {
			return nil, fmt.Errorf("lb: ring size bounds %d..%d: want minimum <= maximum <= %d", lo, hi, MaxRingSize)
		}
	}
	if cfg.Policy == Maglev {
		if m := cfg.tableSize(); m > MaxTableSize || !IsPrime(m) {
			return nil, fmt.Errorf("lb: Maglev table size %d: want a prime up to %d", m, MaxTableSize)
		}
	}
	t := &Table{cfg: cfg, hosts: hosts}
	weights := make([]uint32, len(hosts))
	for i, h := range hosts {
		weights[i] = clampWeight(h.Weight())
	}
	members := make([]int32, len(hosts))
	for i := range members {
		members[i] = int32(i)
	}
	var prevAll *group
	if prev != nil && prev.cfg.Policy == cfg.Policy && prev.cfg.minRing() == cfg.minRing() && prev.cfg.maxRing() == cfg.maxRing() {
		prevAll = prev.all
	} else {
		prev = nil
	}
	t.all = t.newGroup(nil, members, weights, prevAll)
	if len(cfg.SubsetKeys) > 0 {
		t.buildSubsets(weights, prev)
	}
	t.maxSeen = len(hosts)
	return t, nil
}

func clampWeight(w uint32) uint32 {
	return min(max(w, 1), MaxWeight)
}

// newGroup builds the policy's structures for the given members.
func (t *Table) newGroup(values []string, members []int32, all []uint32, prev *group) *group {
	g := &group{values: values, members: members, weights: make([]uint32, len(members)), uniform: true}
	for i, m := range members {
		g.weights[i] = all[m]
		if g.weights[i] != g.weights[0] {
			g.uniform = false
		}
	}
	switch t.cfg.Policy {
	case WeightedRoundRobin:
		g.edfStep = make([]uint64, len(members))
		for i, w := range g.weights {
			g.edfStep[i] = edfScale / uint64(w)
		}
	case LeastRequest:
		if !g.uniform {
			g.alias = newAlias(g.weights)
		}
	case RingHash:
		t.buildRing(g, prev)
	case Maglev:
		t.buildMaglev(g)
	}
	return g
}

// Len is the number of hosts.
func (t *Table) Len() int { return len(t.hosts) }

// Host returns host i.
func (t *Table) Host(i int) Host { return t.hosts[i] }

// Policy is the table's policy.
func (t *Table) Policy() Policy { return t.cfg.Policy }

// Subsets is the number of subsets (0 without subset keys).
func (t *Table) Subsets() int { return len(t.subsets) }

// SubsetHosts returns the host indices of the subset the values select,
// or nil when no subset matches. For tests and the admin API.
func (t *Table) SubsetHosts(values []string) []int32 {
	if s := t.findSubset(values); s >= 0 {
		return t.subsets[s].members
	}
	return nil
}

// Picker picks hosts from one Table for one event loop. It holds the
// per-loop state (round-robin positions, EDF queues, a random source,
// scratch space), so Pick takes no lock and allocates nothing. It is not
// safe for concurrent use: make one per loop with Table.NewPicker.
type Picker struct {
	t      *Table
	rng    uint64
	states []groupState // 0: the cluster, i+1: subset i
	seen   []uint32     // ring/Maglev walk: epoch a host was looked at
	epoch  uint32
	stash  []edfEntry // weighted round robin: unhealthy hosts set aside
}

type groupState struct {
	next int      // round robin: member to try first
	edf  edfQueue // weighted round robin
}

// NewPicker makes a Picker for one event loop. Distinct seeds (e.g. the loop
// index) make loops start at different hosts and draw different random
// numbers; a fixed seed makes a Picker's choices reproducible.
func (t *Table) NewPicker(seed uint64) *Picker {
	p := &Picker{t: t, rng: seed}
	p.next() // mix the seed before first use
	p.states = make([]groupState, 1+len(t.subsets))
	for i := range p.states {
		g := t.group(i)
		st := &p.states[i]
		if n := len(g.members); n > 0 {
			st.next = p.intn(n)
		}
		if t.cfg.Policy == WeightedRoundRobin {
			st.edf = newEDF(g, p)
		}
	}
	switch t.cfg.Policy {
	case RingHash, Maglev:
		p.seen = make([]uint32, len(t.hosts))
	case WeightedRoundRobin:
		p.stash = make([]edfEntry, 0, len(t.hosts))
	}
	return p
}

func (t *Table) group(i int) *group {
	if i == 0 {
		return t.all
	}
	return t.subsets[i-1]
}

// Table returns the table the picker picks from.
func (p *Picker) Table() *Table { return p.t }

// Pick returns the index of the host for one request, or -1 when there is
// none: the host set is empty, or ctx asks for a subset no host is in and
// the fallback is FallbackNone. Unhealthy hosts are skipped as the policy
// says (see the package doc); when every candidate is unhealthy Pick still
// returns one (panic mode), so the dial reports the failure.
func (p *Picker) Pick(ctx Context) int {
	gi := 0
	if ctx.Subset != nil && len(p.t.cfg.SubsetKeys) > 0 {
		s := p.t.findSubset(ctx.Subset)
		if s < 0 {
			if p.t.cfg.SubsetFallback == FallbackNone {
				return -1
			}
		} else {
			gi = s + 1
		}
	}
	g := p.t.group(gi)
	n := len(g.members)
	if n == 0 {
		return -1
	}
	if n == 1 {
		return int(g.members[0])
	}
	switch p.t.cfg.Policy {
	case WeightedRoundRobin:
		if !g.uniform {
			return p.pickEDF(g, &p.states[gi].edf, ctx.Now)
		}
		return p.pickRoundRobin(g, &p.states[gi], ctx.Now)
	case Random:
		return p.pickRandom(g, ctx.Now)
	case LeastRequest:
		return p.pickLeastRequest(g, ctx.Now)
	case RingHash, Maglev:
		h := ctx.Hash
		if !ctx.HasHash {
			h = p.next()
		}
		if p.t.cfg.Policy == RingHash {
			return p.pickRing(g, h, ctx.Now)
		}
		return p.pickMaglev(g, h, ctx.Now)
	default:
		return p.pickRoundRobin(g, &p.states[gi], ctx.Now)
	}
}

// pickRoundRobin takes the next healthy member after the last one picked,
// so that skipping an unhealthy host does not double its successor's share.
func (p *Picker) pickRoundRobin(g *group, st *groupState, now int64) int {
	n := len(g.members)
	start := st.next
	j := start
	for range n {
		h := g.members[j]
		if j++; j == n {
			j = 0
		}
		if p.t.hosts[h].Healthy(now) {
			st.next = j
			return int(h)
		}
	}
	// Panic mode: every member is unhealthy; go on rotating over all.
	if st.next = start + 1; st.next == n {
		st.next = 0
	}
	return int(g.members[start])
}

// randomTries is how many random draws look for a healthy host before a
// scan from a random start takes over.
const randomTries = 8

func (p *Picker) pickRandom(g *group, now int64) int {
	n := len(g.members)
	for range randomTries {
		h := g.members[p.intn(n)]
		if p.t.hosts[h].Healthy(now) {
			return int(h)
		}
	}
	return p.scan(g, p.intn(n), now)
}

// scan returns the first healthy member from start on, or the member at
// start when none is healthy (panic mode).
func (p *Picker) scan(g *group, start int, now int64) int {
	n := len(g.members)
	j := start
	for range n {
		if h := g.members[j]; p.t.hosts[h].Healthy(now) {
			return int(h)
		}
		if j++; j == n {
			j = 0
		}
	}
	return int(g.members[start])
}

// choices is the number of hosts least request compares (power of two
// choices); lrTries bounds the draws for each.
const (
	choices = 2
	lrTries = 4
)

func (p *Picker) pickLeastRequest(g *group, now int64) int {
	best := -1 // member index
	var bestActive int64
	for range choices {
		for range lrTries {
			m := p.sample(g)
			if m == best {
				continue
			}
			h := g.members[m]
			if !p.t.hosts[h].Healthy(now) {
				continue
			}
			active := p.t.hosts[h].ActiveRequests()
			// Fewer active requests per unit of weight wins; a tie keeps
			// the first drawn.
			if best < 0 || active*int64(g.weights[best]) < bestActive*int64(g.weights[m]) {
				best, bestActive = m, active
			}
			break
		}
	}
	if best >= 0 {
		return int(g.members[best])
	}
	return p.scan(g, p.intn(len(g.members)), now)
}

// sample draws a member in proportion to its weight.
func (p *Picker) sample(g *group) int {
	m := p.intn(len(g.members))
	if g.alias != nil {
		if a := g.alias[m]; p.next() >= a.keep {
			m = int(a.other)
		}
	}
	return m
}

// next is splitmix64: fast, seedable, and good enough to spread requests.
func (p *Picker) next() uint64 {
	p.rng += 0x9e3779b97f4a7c15
	z := p.rng
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// intn returns a number in [0, n) (Lemire's multiply-shift; the bias is
// below 2^-32 for any host count).
func (p *Picker) intn(n int) int {
	hi, _ := bits.Mul64(p.next(), uint64(n))
	return int(hi)
}

// walkStart begins a walk over ring or table entries that looks at each
// host once: it returns a fresh epoch for p.seen.
func (p *Picker) walkStart() uint32 {
	if p.epoch++; p.epoch == 0 {
		clear(p.seen)
		p.epoch = 1
	}
	return p.epoch
}
