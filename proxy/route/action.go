package route

import (
	"time"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/retry"
	"github.com/xgate/xgate/xprotocol"
)

// Action says what the engine does with a request a route matched.
type Action uint8

// Route actions.
const (
	// ActionCluster forwards the request to Route.Cluster.
	ActionCluster Action = iota + 1
	// ActionWeighted forwards the request to one of Route.Weighted, picked
	// by Route.PickCluster.
	ActionWeighted
	// ActionDirect answers the request at the gateway with Route.Direct.
	ActionDirect
)

// String returns the configuration name of the action.
func (a Action) String() string {
	switch a {
	case ActionCluster:
		return "cluster"
	case ActionWeighted:
		return "weighted_clusters"
	case ActionDirect:
		return "direct_response"
	}
	return "unknown"
}

// Cluster is what routing needs of an upstream cluster. The engine's own
// cluster type implements it, so a matched route hands the engine's object
// back with no lookup per request (type-assert Route.Cluster).
type Cluster interface {
	// Name is the cluster's configured name.
	Name() string
	// Protocol is the protocol the cluster speaks, or "" for the
	// downstream request's.
	Protocol() string
}

// ClusterLookup finds a cluster by name. It must return ok == false, not a
// typed nil, for an unknown name.
type ClusterLookup func(name string) (c Cluster, ok bool)

// WeightedCluster is one share of a weighted split.
type WeightedCluster struct {
	Cluster Cluster
	Weight  uint64
}

// DirectResponse is a reply the gateway makes itself. The engine answers
// with Protocol.ErrorReply(req, Status, Body) for a Status other than
// StatusOK; for StatusOK it needs a success reply carrying Body.
type DirectResponse struct {
	Status xprotocol.Status
	Body   string
}

// RetryPolicy is a route's retry_policy, in the types of proxy/retry,
// defaults filled in. The engine implements the loop: after a failed try
// for which Policy.ShouldRetry holds, while fewer than NumRetries retries
// were made, the cluster's breaker and retry budget allow it, the request
// is still held whole and the route's timeout has not run out, it waits
// Backoff.Delay(n, nil) and sends the request again, to another host
// where there is one; each try is bounded by PerTryTimeout when it is set.
type RetryPolicy struct {
	NumRetries    int
	Policy        retry.Policy
	PerTryTimeout time.Duration // 0: no bound per try
	Backoff       retry.Backoff
}

// Mirror sends a copy of a share of requests to Cluster and drops its
// replies. The engine, for a matched request with Sample(random) true and
// Accepts(f.Protocol()), sends a copy fire-and-forget: never delaying or
// failing the original, bounded by the mirror cluster's own limits.
type Mirror struct {
	Cluster    Cluster
	Percentage int // 1..100

	protocols protocolSet
}

// Sample reports whether the request that drew rnd is mirrored.
func (m *Mirror) Sample(rnd uint64) bool { return rnd%100 < uint64(m.Percentage) }

// Accepts reports whether the mirror cluster can serve a request of the
// named protocol (the same rule as a route's cluster).
func (m *Mirror) Accepts(protocol string) bool {
	return m.protocols == nil || m.protocols.has(protocol)
}

// HeaderValue is a header set by a route.
type HeaderValue struct {
	Name, Value string
}

// HeaderMutation is the header changes of one direction: Remove first,
// then Set (each replacing a header of the same name).
type HeaderMutation struct {
	Remove []string
	Set    []HeaderValue
}

// Empty reports whether m changes nothing.
func (m *HeaderMutation) Empty() bool { return len(m.Remove) == 0 && len(m.Set) == 0 }

// Apply changes h. A codec re-encodes a frame whose headers changed, so a
// frame with no change keeps its zero-copy forwarding.
func (m *HeaderMutation) Apply(h xprotocol.Header) {
	if h == nil {
		return
	}
	for _, name := range m.Remove {
		h.Del(name)
	}
	for _, kv := range m.Set {
		h.Set(kv.Name, kv.Value)
	}
}

// Route is one compiled route. It is immutable once compiled: the engine
// reads its fields and shares it across event loops.
type Route struct {
	// ID is the route's index in Table.Routes, for per-route state kept by
	// the engine (metrics) in a slice.
	ID int
	// Name is the configured name, or "".
	Name string
	// VirtualHost is the virtual host the route belongs to.
	VirtualHost *VirtualHost
	// Path is where the route is in the listener's configuration
	// ("routes[2]", "virtual_hosts[0].routes[1]"), for logs.
	Path string

	// Action says which of Cluster, Weighted and Direct applies.
	Action Action
	// Cluster is the cluster of ActionCluster.
	Cluster Cluster
	// Weighted is the split of ActionWeighted, in configuration order.
	Weighted []WeightedCluster
	// Direct is the reply of ActionDirect.
	Direct DirectResponse

	// Timeout bounds the request from forwarding to the response head,
	// over all tries; 0 means the cluster's request timeout.
	Timeout time.Duration
	// Retry is the retry policy, or nil.
	Retry *RetryPolicy
	// Mirror is the mirror policy, or nil.
	Mirror *Mirror
	// Plugins narrow the chosen cluster's hosts; nil when there are none.
	Plugins *Chain
	// RequestHeaders change the request before it is forwarded;
	// ResponseHeaders change the response head before it is sent back.
	RequestHeaders, ResponseHeaders HeaderMutation

	protocols   protocolSet
	keys        []keyCondition
	headers     []headerCondition
	totalWeight uint64
}

// PickCluster returns the cluster a request goes to: Cluster, or for a
// weighted split the cluster whose share holds rnd mod the total weight
// (rnd is a random number the caller draws, so that tests are
// deterministic). It returns nil for a direct response.
func (r *Route) PickCluster(rnd uint64) Cluster {
	switch r.Action {
	case ActionCluster:
		return r.Cluster
	case ActionWeighted:
		x := rnd % r.totalWeight
		for _, w := range r.Weighted {
			if x < w.Weight {
				return w.Cluster
			}
			x -= w.Weight
		}
	}
	return nil
}

// AcceptsProtocol reports whether the route takes requests of the named
// protocol (its protocol condition alone).
func (r *Route) AcceptsProtocol(name string) bool {
	return r.protocols == nil || r.protocols.has(name)
}

// ApplyRequest applies the route's request header changes to the request
// head f (before it is forwarded, and before a retry or mirror copy is
// made from it).
func (r *Route) ApplyRequest(f xprotocol.Frame) {
	if !r.RequestHeaders.Empty() {
		r.RequestHeaders.Apply(f.Header())
	}
}

// ApplyResponse applies the route's response header changes to the
// response head f, including a direct or error reply the gateway makes
// for the route.
func (r *Route) ApplyResponse(f xprotocol.Frame) {
	if !r.ResponseHeaders.Empty() {
		r.ResponseHeaders.Apply(f.Header())
	}
}

// namedCluster is a Cluster known by its configuration only.
type namedCluster struct{ name, protocol string }

func (c namedCluster) Name() string     { return c.name }
func (c namedCluster) Protocol() string { return c.protocol }

// ConfigClusters returns a ClusterLookup over configured clusters, whose
// Cluster values carry only the name and protocol: for tools (validation,
// an admin route dump) and tests. The engine passes its own clusters.
func ConfigClusters(cs []config.Cluster) ClusterLookup {
	m := make(map[string]Cluster, len(cs))
	for _, c := range cs {
		m[c.Name] = namedCluster{name: c.Name, protocol: c.Protocol}
	}
	return func(name string) (Cluster, bool) {
		c, ok := m[name]
		return c, ok
	}
}
