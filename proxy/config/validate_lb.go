package config

import (
	"fmt"
	"strings"
)

// lbNames lists the lb policies for messages.
const lbNames = "round_robin, weighted_round_robin, random, least_request, ring_hash or maglev"

// clusterLB checks a cluster's load-balancing keys: lb, hash_key, ring_hash,
// maglev, subset, and the endpoints' weights and metadata.
func (v *validator) clusterLB(path string, c *Cluster) {
	switch {
	case isLBPolicy(c.LB):
	case c.LB == "weighted" || c.LB == "wrr":
		v.fail(path+".lb", "unknown lb %q (did you mean %s?)", c.LB, LBWeightedRoundRobin)
	default:
		v.fail(path+".lb", "unknown lb %q (want %s)", c.LB, lbNames)
	}
	lbKnown := isLBPolicy(c.LB)

	hashing := c.LB == LBRingHash || c.LB == LBMaglev
	switch {
	case !lbKnown:
		// Which keys belong depends on a policy we do not know.
	case c.HashKey == nil:
		if hashing {
			v.fail(path+".hash_key", "is required for lb %s: what to hash per request, e.g. {header: x-user-id} or {key: method}", c.LB)
		}
	case !hashing:
		v.fail(path+".hash_key", "is only used by lb ring_hash and maglev (lb is %s)", c.LB)
	default:
		v.hashKey(path+".hash_key", c.HashKey)
	}

	if c.RingHash != nil {
		rpath := path + ".ring_hash"
		switch {
		case !lbKnown:
		case c.LB != LBRingHash:
			v.fail(rpath, "is only used by lb ring_hash (lb is %s)", c.LB)
		default:
			lo, hi := c.RingHash.MinimumRingSize, c.RingHash.MaximumRingSize
			v.between(rpath+".minimum_ring_size", lo, 1, MaxRingSize, "")
			v.between(rpath+".maximum_ring_size", hi, 1, MaxRingSize, "")
			if lo >= 1 && hi >= 1 && lo > hi {
				v.fail(rpath+".minimum_ring_size", "%d is larger than maximum_ring_size %d", lo, hi)
			}
		}
	}

	if c.Maglev != nil {
		mpath := path + ".maglev"
		size := c.Maglev.TableSize
		switch {
		case !lbKnown:
		case c.LB != LBMaglev:
			v.fail(mpath, "is only used by lb maglev (lb is %s)", c.LB)
		case size < MinMaglevTableSize || size > MaxMaglevTableSize:
			v.fail(mpath+".table_size", "must be a prime between %d and %d, got %d (default %d)", MinMaglevTableSize, MaxMaglevTableSize, size, DefaultMaglevTableSize)
		case !isPrime(size):
			v.fail(mpath+".table_size", "must be a prime, got %d (the next prime is %d; default %d)", size, nextPrime(size), DefaultMaglevTableSize)
		case size < len(c.Endpoints):
			v.fail(mpath+".table_size", "%d is smaller than the number of endpoints (%d); use 100 × that or more, e.g. %d", size, len(c.Endpoints), nextPrime(100*len(c.Endpoints)))
		}
	}

	v.endpointDetails(path, c)

	if c.Subset != nil {
		v.subset(path+".subset", c)
	}
}

func (v *validator) hashKey(path string, k *HashKey) {
	switch {
	case v.src.suppressed(path+".header") || v.src.suppressed(path+".key"):
		// A misspelt key was reported already.
	case k.Header == "" && k.Key == "":
		v.fail(path, "set one of header (a request header) or key (service, method, path or host)")
	case k.Header != "" && k.Key != "":
		v.fail(path, "set header or key, not both")
	case k.Key != "":
		switch k.Key {
		case HashKeyService, HashKeyMethod, HashKeyPath, HashKeyHost:
		default:
			v.fail(path+".key", "unknown key %q (want service, method, path or host; a header is {header: NAME})", k.Key)
		}
	}
}

// endpointDetails checks the mapping form of endpoints: weights and
// metadata (addresses are checked with the "host:port" items).
func (v *validator) endpointDetails(path string, c *Cluster) {
	if c.EndpointDetails == nil {
		return
	}
	if len(c.EndpointDetails) != len(c.Endpoints) {
		v.fail(path+".endpoints", "has %d endpoint details for %d endpoints; give one per endpoint or none", len(c.EndpointDetails), len(c.Endpoints))
		return
	}
	for j, ep := range c.EndpointDetails {
		epath := fmt.Sprintf("%s.endpoints[%d]", path, j)
		if ep.Address != "" && ep.Address != c.Endpoints[j] {
			v.fail(epath+".address", "%q differs from endpoints[%d] %q", ep.Address, j, c.Endpoints[j])
		}
		if ep.Weight < 1 || ep.Weight > MaxEndpointWeight {
			v.fail(epath+".weight", "must be between 1 and %d, got %d", MaxEndpointWeight, ep.Weight)
		}
		if _, empty := ep.Metadata[""]; empty {
			v.fail(epath+`.metadata[""]`, "metadata name must not be empty")
		}
	}
}

func (v *validator) subset(path string, c *Cluster) {
	s := c.Subset
	if len(s.Keys) == 0 {
		v.fail(path+".keys", "at least one metadata key is required, e.g. keys: [zone]")
	}
	seen := make(map[string]int, len(s.Keys))
	keysOK := len(s.Keys) > 0
	for i, k := range s.Keys {
		kpath := fmt.Sprintf("%s.keys[%d]", path, i)
		if k == "" {
			v.fail(kpath, "metadata key must not be empty")
			keysOK = false
		} else if first, dup := seen[k]; dup {
			v.fail(kpath, "duplicate key %q (also keys[%d])", k, first)
			keysOK = false
		}
		seen[k] = i
	}
	if s.Fallback != SubsetFallbackAny && s.Fallback != SubsetFallbackNone {
		v.fail(path+".fallback", "unknown fallback %q (want any or none)", s.Fallback)
	}
	if !keysOK || len(c.Endpoints) == 0 || c.EndpointDetails != nil && len(c.EndpointDetails) != len(c.Endpoints) {
		return
	}
	for i := range c.Endpoints {
		if v.src.suppressed(fmt.Sprintf("%s.endpoints[%d].metadata", strings.TrimSuffix(path, ".subset"), i)) {
			return // that endpoint's metadata may be what is missing
		}
		md := c.Endpoint(i).Metadata
		all := true
		for _, k := range s.Keys {
			if _, ok := md[k]; !ok {
				all = false
				break
			}
		}
		if all {
			return
		}
	}
	v.fail(path+".keys", "no endpoint has metadata for every key (%s), so no subset exists; set it per endpoint, e.g. {address: host:port, metadata: {%s: a}}", strings.Join(s.Keys, ", "), s.Keys[0])
}

func isLBPolicy(p LBPolicy) bool {
	switch p {
	case LBRoundRobin, LBWeightedRoundRobin, LBRandom, LBLeastRequest, LBRingHash, LBMaglev:
		return true
	}
	return false
}

func isPrime(n int) bool {
	if n < 2 {
		return false
	}
	for d := 2; d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}

// nextPrime returns the smallest prime >= n, for suggestions.
func nextPrime(n int) int {
	for !isPrime(n) {
		n++
	}
	return n
}
