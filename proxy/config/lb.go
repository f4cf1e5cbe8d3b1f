package config

import (
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"
)

// Load-balancing keys of a cluster (package proxy/lb implements the
// policies; its doc says what each guarantees):
//
//	clusters:
//	  - name: users
//	    lb: maglev                   # round_robin (default) | weighted_round_robin | random
//	                                 # | least_request | ring_hash | maglev
//	    hash_key: {header: x-user-id} # ring_hash and maglev: {header: NAME} or
//	                                 # {key: service|method|path|host}
//	    maglev: {table_size: 65537}  # prime; default 65537
//	    # ring_hash: {minimum_ring_size: 1024, maximum_ring_size: 8388608}
//	    subset: {keys: [zone], fallback: any}   # fallback: any (default) | none
//	    endpoints:
//	      - 127.0.0.1:12200                      # weight 1, no metadata
//	      - {address: 127.0.0.1:12201, weight: 3, metadata: {zone: a}}
//
// Weights count for weighted_round_robin, least_request, ring_hash and
// maglev; round_robin and random ignore them.

// Bounds and defaults of the load-balancing keys.
const (
	DefaultEndpointWeight  = 1
	MaxEndpointWeight      = 10000
	DefaultMinimumRingSize = 1024
	DefaultMaximumRingSize = 8 << 20
	MaxRingSize            = 8 << 20
	DefaultMaglevTableSize = 65537
	MinMaglevTableSize     = 101
	MaxMaglevTableSize     = 5000011
)

// Endpoint is one upstream endpoint: the mapping form of an endpoints item,
// and what Cluster.Endpoint returns for either form.
type Endpoint struct {
	// Address is the endpoint's host:port. Key: address. Required; same
	// rules as a "host:port" item.
	Address string `yaml:"address"`

	// Weight is the endpoint's relative share of requests under the
	// weighted policies. Key: weight. Default 1; 1..10000.
	Weight int `yaml:"weight"`

	// Metadata labels the endpoint for subset load balancing (subset.keys
	// select on it). Key: metadata. Optional; names must not be empty.
	Metadata map[string]string `yaml:"metadata"`
}

// Endpoint returns endpoint i with its weight and metadata, whichever form
// the file used (weight 1 and no metadata for a "host:port" item).
func (c *Cluster) Endpoint(i int) Endpoint {
	if i < len(c.EndpointDetails) {
		ep := c.EndpointDetails[i]
		ep.Address = c.Endpoints[i]
		return ep
	}
	return Endpoint{Address: c.Endpoints[i], Weight: DefaultEndpointWeight}
}

// Generic request keys hash_key.key may name (the routing keys of DESIGN.md,
// "Routing keys by protocol").
const (
	HashKeyService = "service"
	HashKeyMethod  = "method"
	HashKeyPath    = "path"
	HashKeyHost    = "host"
)

// HashKey says what ring_hash and maglev hash per request. Exactly one key is
// set. A request without the key (the header is absent) is balanced as if
// by a random hash.
type HashKey struct {
	// Header is a request header (HTTP header, gRPC metadata, Bolt header,
	// Dubbo attachment) whose value is hashed. Key: header.
	Header string `yaml:"header"`

	// Key is a generic routing key: service, method, path or host.
	// Key: key.
	Key string `yaml:"key"`
}

// RingHash sizes the ring of lb ring_hash. Each endpoint gets points in
// proportion to its weight; the ring starts at twice the minimum (capped by
// the maximum) and keeps its scale across host changes while it stays within
// the bounds, so a host leaving moves only its own keys.
type RingHash struct {
	// MinimumRingSize is the fewest points on the ring: more points,
	// better balance. Key: minimum_ring_size. Default 1024;
	// 1..8388608, at most maximum_ring_size.
	MinimumRingSize int `yaml:"minimum_ring_size"`

	// MaximumRingSize bounds the ring's points (memory: 12 bytes each).
	// Key: maximum_ring_size. Default 8388608; 1..8388608.
	MaximumRingSize int `yaml:"maximum_ring_size"`
}

// DefaultRingHash returns the ring sizes used when ring_hash is omitted.
func DefaultRingHash() RingHash {
	return RingHash{MinimumRingSize: DefaultMinimumRingSize, MaximumRingSize: DefaultMaximumRingSize}
}

// Maglev sizes the lookup table of lb maglev.
type Maglev struct {
	// TableSize is the number of table slots (4 bytes each). Key:
	// table_size. Default 65537; a prime in 101..5000011 and at least the
	// number of endpoints; 100 × the endpoints or more keeps every
	// endpoint's share within about 1% of its weight.
	TableSize int `yaml:"table_size"`
}

// DefaultMaglev returns the table size used when maglev is omitted.
func DefaultMaglev() Maglev { return Maglev{TableSize: DefaultMaglevTableSize} }

// SubsetFallback says what a request asking for a subset no endpoint is in
// gets.
type SubsetFallback string

// Subset fallbacks.
const (
	// SubsetFallbackAny balances the request over every endpoint.
	SubsetFallbackAny SubsetFallback = "any"
	// SubsetFallbackNone gets the protocol's "no upstream" reply.
	SubsetFallbackNone SubsetFallback = "none"
)

// Subset partitions a cluster's endpoints by metadata: endpoints with equal
// values for every key form a subset, and a request that names values (a
// route plugin or header supplies them) is balanced, by the cluster's lb,
// over that subset only. A request that names none uses every endpoint; an
// endpoint lacking one of the keys is in no subset.
type Subset struct {
	// Keys are the metadata names that define subsets. Key: keys.
	// Required; at least one, none empty, no duplicates; at least one
	// endpoint must carry all of them.
	Keys []string `yaml:"keys"`

	// Fallback is what a request gets when its values match no subset.
	// Key: fallback. Default any; any or none.
	Fallback SubsetFallback `yaml:"fallback"`
}

// DefaultSubset returns a Subset with its defaults filled in.
func DefaultSubset() Subset { return Subset{Fallback: SubsetFallbackAny} }

// decodeKey decodes the cluster keys whose shape the generic decoder does
// not cover: endpoints items that are strings or mappings, and the optional
// blocks whose absent keys take defaults.
func (c *Cluster) decodeKey(d *decoder, p pair, path string) bool {
	switch p.key {
	case "endpoints":
		c.decodeEndpoints(d, p.val, path, p.line)
	case "ring_hash":
		decodeBlock(d, p.val, path, DefaultRingHash(), &c.RingHash)
	case "maglev":
		decodeBlock(d, p.val, path, DefaultMaglev(), &c.Maglev)
	case "subset":
		decodeBlock(d, p.val, path, DefaultSubset(), &c.Subset)
	default:
		return false
	}
	return true
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// decodeBlock decodes an optional mapping starting from its defaults; a
// null leaves *dst nil, like an absent key.
func decodeBlock[T any](d *decoder, n *yaml.Node, path string, def T, dst **T) {
	if isNull(resolve(n)) {
		return
	}
	v := def
	d.value(n, reflect.ValueOf(&v).Elem(), path)
	*dst = &v
}

// decodeEndpoints reads a list whose items are "host:port" strings or
// Endpoint mappings.
func (c *Cluster) decodeEndpoints(d *decoder, n *yaml.Node, path string, line int) {
	if d.budget <= 0 {
		return
	}
	d.budget--
	r := resolve(n)
	if isNull(r) {
		return
	}
	if r.Kind != yaml.SequenceNode {
		d.fail(path, line, "must be a list, got %s", describe(r))
		return
	}
	addrs := make([]string, 0, len(r.Content))
	details := make([]Endpoint, 0, len(r.Content))
	mapped := false
	for i, item := range r.Content {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		ep := Endpoint{Weight: DefaultEndpointWeight}
		switch it := resolve(item); it.Kind {
		case yaml.MappingNode:
			mapped = true
			d.value(item, reflect.ValueOf(&ep).Elem(), ipath)
			if ep.Address == "" && !d.src.suppressed(ipath+".address") {
				d.fail(ipath+".address", it.Line, "is required (host:port, e.g. 127.0.0.1:12200)")
				d.src.bad[ipath] = true // no second error for the empty address
			}
		case yaml.SequenceNode:
			d.fail(ipath, item.Line, `must be "host:port" or a mapping {address, weight, metadata}, got a list`)
		default:
			d.value(item, reflect.ValueOf(&ep.Address).Elem(), ipath)
		}
		addrs = append(addrs, ep.Address)
		details = append(details, ep)
	}
	c.Endpoints = addrs
	c.EndpointDetails = nil
	if mapped {
		c.EndpointDetails = details
	}
}
