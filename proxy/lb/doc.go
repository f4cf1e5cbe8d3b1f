// Package lb is the cluster load balancer: it picks an upstream host for a
// request by one of six policies, skipping unhealthy hosts, optionally
// within a subset of hosts selected by metadata.
//
// # Shape: shared tables, per-loop pickers
//
// The engine runs one goroutine per event loop, so the work is split in two:
//
//   - Build(hosts, cfg, prev) makes a Table: everything that only changes
//     with the host set (members, weights, the hash ring, the Maglev lookup
//     table, the subset index, alias tables for weighted sampling). A Table
//     is immutable and shared by every loop.
//   - Table.NewPicker(seed) makes a Picker for one loop: round-robin
//     positions, EDF queues, a random source and scratch space. A Picker is
//     not safe for concurrent use, and needs no lock: Picker.Pick takes none
//     and allocates nothing (tests assert 0 allocations per pick for every
//     policy, healthy, unhealthy, subset, fallback and panic paths).
//
// A host is an interface the engine implements (Host): Address, Weight and
// Metadata are read once by Build; Healthy(now) and ActiveRequests() are
// read per pick, from every loop, and must be atomic loads. Pick returns
// the host's index in the slice given to Build, or -1 when there is no host
// to pick (an empty set, or a subset miss with FallbackNone).
//
// Rebuild (Build, then NewPicker on each loop) when the host set, a weight
// or metadata changes: a reload, a DNS answer. Health changes need no
// rebuild: Pick asks Healthy every time. Pass the table being replaced as
// prev so that ring hash keeps its scale (see below).
//
// # Health and panic mode
//
// Every policy skips unhealthy hosts. When every host it could pick is
// unhealthy it returns one anyway, by the policy's own order, so that the
// dial fails and reports it rather than the request failing with "no host"
// while hosts may be recovering. This is Envoy's panic mode with a
// threshold of 0% (Envoy's default is 50%: a panic threshold is left for
// later). Within a subset, panic mode stays within the subset.
//
// # Policies
//
// round_robin (RoundRobin): each picker cycles through the hosts from a
// seed-chosen start; weights are ignored. Skipping an unhealthy host moves
// the position past the host picked, so the survivors share its turns
// equally (the test asserts exact counts: 2500 each of 10000 over 4
// healthy hosts of 5).
//
// weighted_round_robin (WeightedRoundRobin): an earliest-deadline-first
// scheduler as in Envoy. Each member's deadline advances by 2^32/weight when
// it is picked; the earliest deadline wins, ties by member order. Deadlines
// are integers (rebased before they could overflow), and each picker starts
// every member at a random phase within its first step so loops do not
// move in lockstep. Shares converge to the weights (test: within 0.1% over
// 100000 picks for weights 1:2:3:4, and for 10000:1:1:5000 within 1%) and
// are interleaved (in any window of sum(weights) picks each host appears
// within ±1 of its weight). An unhealthy member is set aside during the
// pick and put back due one step after it, so it neither steals turns nor,
// on recovery, bursts through a backlog of early deadlines (test: ≤ 42% of
// the next 100 picks for a 40% host). Equal weights use the round-robin
// path. About 45 ns per pick over 100 hosts.
//
// random (Random): uniform over the hosts, weights ignored. Up to 8 draws
// look for a healthy host, then a scan from a random start, so shares stay
// uniform over the healthy hosts unless most are down (test: within 3%
// over 200000 picks, with and without 2 of 10 down).
//
// least_request (LeastRequest): power of two choices. Two distinct healthy
// hosts are drawn (up to 4 draws each; with few hosts the two draws can
// then name the same host, rarely: 1/16 with two equal hosts), in
// proportion to their weights (a Vose alias table, O(1)), and
// the one with fewer active requests per unit of weight wins
// (active_a·w_b < active_b·w_a; a tie keeps the first). With equal weights
// this is plain P2C; with weights, load ∝ weight is the equilibrium.
// Measured: with active requests 0/5/5/5 the idle host takes 50% (the
// probability it is drawn); the most loaded of 4 hosts is never picked; in
// a closed-loop simulation of hosts completing requests at rates
// 0.5/0.2/0.05 per tick the fast host takes 63%, the slow one 7.5%; with
// weights 1:2:4 and equal speed shares are 0.143/0.289/0.568 (ideal
// 0.143/0.286/0.571).
//
// ring_hash (RingHash): consistent hashing on a ring, keyed by
// Context.Hash. A host gets ceil(weight × scale) points, the k-th at
// xxHash64("address_k"); a request takes the first point at or after its
// hash. A fresh ring is sized at twice MinRingSize (default 1024, so 2048
// points; capped by MaxRingSize, default 8 Mi; at least one point per
// host). Built with prev, the previous scale is kept while the ring stays
// within [MinRingSize, MaxRingSize], so hosts that stay keep exactly their
// points: a host leaving moves only its own keys (measured: N=10, 9.1% of
// keys move, 0.00% of the others'; N=10→11, 9.05%, none between old hosts).
// Without prev the ring is rescaled, and the rescaling moves about another
// 1/N (measured N=10: 16.1% move). Balance with the default ring, 10
// hosts, 100000 keys: max/mean 1.08, min/mean 0.91; with
// minimum_ring_size 65536: 1.02/0.98. An unhealthy host's keys walk on to
// the next point of a healthy host, so they spread over the others (each
// host is asked once per walk) and every other key stays put; on recovery
// they return. About 28 ns per pick (binary search over 2048 points).
//
// maglev (Maglev): Maglev hashing (Eisenbud et al., NSDI 2016) with
// Envoy's weighting, keyed by Context.Hash. The lookup table (TableSize,
// prime, default 65537) is filled by members taking turns, in address
// order, to claim the next free slot of their own permutation (offset =
// xxHash64(address) mod M, skip = xxHash64 seed 1 mod (M−1) + 1); a member
// of weight w takes a turn in w/max(weight) of the rounds. Lookup is one
// multiply and one load, about 7 ns. Balance (10 hosts, 100000 keys):
// max/mean 1.013, min/mean 0.983; weights within 3%. Disruption when one
// host of N leaves (no prev needed): N=5 19.96%, N=10 10.43%, N=50 2.41% of
// keys move (1/N = 20, 10, 2%), of which only 0.11%, 0.35%, 0.47% belonged
// to hosts that stayed. Keep M ≥ 100·N: at M=1009, N=10, 12.6% move. An
// unhealthy host's keys fall back to the next table slots' owners
// (spread evenly: 949..1217 each of its 10000 keys over 9 hosts), each key
// always to the same fallback host; the table is not rebuilt on health
// changes.
//
// A request without a hash (Context.HasHash false: its hash key was absent)
// is given a random one by ring hash and Maglev, so it is spread, not sent
// to one host.
//
// # Subsets
//
// Config.SubsetKeys (a SubsetSelector, e.g. [zone] or [zone, version])
// partitions the hosts: hosts with equal values for every key form a
// subset, and each subset gets its own structures (its own ring, table,
// EDF queues; memory: a Maglev table per subset). A request names the
// values it wants in Context.Subset, in key order (from a route plugin or
// a header); the subset is found by hashing the values (no allocation) and
// the cluster's policy picks within it. Hosts lacking one of the keys are
// in no subset. A request naming no values uses the whole cluster; one
// whose values match no subset (or the wrong number of values) gets
// Config.SubsetFallback: FallbackAny, the whole cluster, or FallbackNone,
// -1. Pick cost with a subset: +10–20 ns.
//
// # Configuration
//
// FromCluster maps a validated config.Cluster (lb, ring_hash, maglev,
// subset) to a Config; hash_key is extracted by the engine, which passes
// HashKey(value) in Context.Hash; endpoint weights and metadata come from
// config.Cluster.Endpoint(i).
package lb
