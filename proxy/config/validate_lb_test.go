package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lbBase is validBase's cluster with a hash policy and mapping-form
// endpoints; line numbers: lb 19, hash_key 20, maglev 21, endpoints 22..24,
// subset 25.
var lbBase = strings.Replace(validBase, `    lb: round_robin
    endpoints: [127.0.0.1:12200]
`, `    lb: maglev
    hash_key: {header: x-user-id}
    maglev: {table_size: 65537}
    endpoints:
      - 127.0.0.1:12200
      - {address: 127.0.0.1:12201, weight: 3, metadata: {zone: a}}
    subset: {keys: [zone], fallback: none}
`, 1)

func TestParseLB(t *testing.T) {
	require.Contains(t, lbBase, "lb: maglev", "validBase changed shape")
	c, err := Parse([]byte(lbBase), testProtocols)
	require.NoError(t, err)
	cl := c.Clusters[0]
	assert.Equal(t, LBMaglev, cl.LB)
	assert.Equal(t, &HashKey{Header: "x-user-id"}, cl.HashKey)
	assert.Equal(t, &Maglev{TableSize: 65537}, cl.Maglev)
	assert.Nil(t, cl.RingHash)
	assert.Equal(t, &Subset{Keys: []string{"zone"}, Fallback: SubsetFallbackNone}, cl.Subset)
	assert.Equal(t, []string{"127.0.0.1:12200", "127.0.0.1:12201"}, cl.Endpoints)
	assert.Equal(t, Endpoint{Address: "127.0.0.1:12200", Weight: 1}, cl.Endpoint(0))
	assert.Equal(t, Endpoint{Address: "127.0.0.1:12201", Weight: 3, Metadata: map[string]string{"zone": "a"}}, cl.Endpoint(1))
	require.Len(t, cl.EndpointDetails, 2)
}

func TestParseLBDefaults(t *testing.T) {
	doc := strings.Replace(lbBase, "lb: maglev", "lb: ring_hash", 1)
	doc = strings.Replace(doc, "maglev: {table_size: 65537}", "ring_hash: {maximum_ring_size: 4096}", 1)
	doc = strings.Replace(doc, "subset: {keys: [zone], fallback: none}", "subset: {keys: [zone]}", 1)
	c, err := Parse([]byte(doc), testProtocols)
	require.NoError(t, err)
	cl := c.Clusters[0]
	assert.Equal(t, &RingHash{MinimumRingSize: 1024, MaximumRingSize: 4096}, cl.RingHash, "an absent key keeps its default")
	assert.Equal(t, SubsetFallbackAny, cl.Subset.Fallback)

	// Null blocks are absent; plain endpoints leave no details.
	doc = strings.Replace(validBase, "lb: round_robin", "lb: maglev\n    hash_key: {key: method}\n    maglev:\n    subset:", 1)
	c, err = Parse([]byte(doc), testProtocols)
	require.NoError(t, err)
	cl = c.Clusters[0]
	assert.Nil(t, cl.Maglev)
	assert.Nil(t, cl.Subset)
	assert.Nil(t, cl.EndpointDetails)
	assert.Equal(t, Endpoint{Address: "127.0.0.1:12200", Weight: 1}, cl.Endpoint(0))

	// Every policy name parses.
	for _, lb := range []LBPolicy{LBRoundRobin, LBWeightedRoundRobin, LBRandom, LBLeastRequest} {
		_, err := Parse([]byte(strings.Replace(validBase, "lb: round_robin", "lb: "+string(lb), 1)), testProtocols)
		assert.NoError(t, err, lb)
	}
}

func TestValidateLBBuiltInGo(t *testing.T) {
	l := DefaultListener()
	l.Name, l.Address, l.Routes = "edge", "127.0.0.1:2045", []Route{{Cluster: "up"}}
	cl := DefaultCluster()
	cl.Name = "up"
	cl.LB = LBRingHash
	cl.HashKey = &HashKey{Key: HashKeyPath}
	cl.Endpoints = []string{"127.0.0.1:1", "127.0.0.1:2"}
	cl.EndpointDetails = []Endpoint{{Weight: 2}, {Address: "127.0.0.1:2", Weight: 5, Metadata: map[string]string{"zone": "b"}}}
	cl.Subset = &Subset{Keys: []string{"zone"}, Fallback: SubsetFallbackAny}
	c := &Config{Admin: DefaultAdmin(), Listeners: []Listener{l}, Clusters: []Cluster{cl}}
	require.NoError(t, c.Validate(testProtocols))
	assert.Equal(t, Endpoint{Address: "127.0.0.1:1", Weight: 2}, c.Clusters[0].Endpoint(0))

	c.Clusters[0].EndpointDetails = c.Clusters[0].EndpointDetails[:1]
	c.Clusters[0].HashKey = nil
	err := c.Validate(testProtocols)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 2, "got:\n%v", err)
	assert.Equal(t, "clusters[0].hash_key", errs[0].Path)
	assert.Equal(t, "clusters[0].endpoints", errs[1].Path)
	assert.Contains(t, errs[1].Msg, "has 1 endpoint details for 2 endpoints")

	// A Maglev table needs a slot per endpoint at least.
	cl = DefaultCluster()
	cl.Name, cl.LB, cl.HashKey, cl.Maglev = "up", LBMaglev, &HashKey{Key: HashKeyService}, &Maglev{TableSize: 101}
	for i := range 150 {
		cl.Endpoints = append(cl.Endpoints, fmt.Sprintf("10.0.0.%d:80", i))
	}
	c.Clusters = []Cluster{cl}
	err = c.Validate(testProtocols)
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 1, "got:\n%v", err)
	assert.Equal(t, &FieldError{Path: "clusters[0].maglev.table_size",
		Msg: "101 is smaller than the number of endpoints (150); use 100 × that or more, e.g. 15013"}, errs[0])
}

func TestParseBrokenLB(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // applied to lbBase
		path     string
		line     int
		msg      string
	}{
		// lb and hash_key.
		{"lb misspelt wrr", "lb: maglev", "lb: wrr",
			"clusters[0].lb", 19, `unknown lb "wrr" (did you mean weighted_round_robin?)`},
		{"maglev without hash_key", "    hash_key: {header: x-user-id}\n", "    # no hash key\n",
			"clusters[0].hash_key", 17, "is required for lb maglev: what to hash per request"},
		{"ring_hash without hash_key", "lb: maglev\n    hash_key: {header: x-user-id}\n    maglev: {table_size: 65537}", "lb: ring_hash\n    # none\n    # none",
			"clusters[0].hash_key", 17, "is required for lb ring_hash"},
		{"hash_key with round_robin", "lb: maglev\n    hash_key: {header: x-user-id}\n    maglev: {table_size: 65537}", "lb: round_robin\n    hash_key: {header: x-user-id}\n    # none",
			"clusters[0].hash_key", 20, "is only used by lb ring_hash and maglev (lb is round_robin)"},
		{"maglev block with least_request", "lb: maglev\n    hash_key: {header: x-user-id}", "lb: least_request\n    # none",
			"clusters[0].maglev", 21, "is only used by lb maglev (lb is least_request)"},
		{"hash_key empty", "hash_key: {header: x-user-id}", "hash_key: {}",
			"clusters[0].hash_key", 20, "set one of header (a request header) or key (service, method, path or host)"},
		{"hash_key both", "hash_key: {header: x-user-id}", "hash_key: {header: x-user-id, key: method}",
			"clusters[0].hash_key", 20, "set header or key, not both"},
		{"hash_key unknown key", "hash_key: {header: x-user-id}", "hash_key: {key: body}",
			"clusters[0].hash_key.key", 20, `unknown key "body" (want service, method, path or host`},
		{"hash_key misspelt field", "hash_key: {header: x-user-id}", "hash_key: {headr: x-user-id}",
			"clusters[0].hash_key.headr", 20, `unknown field "headr" (did you mean "header"?)`},
		{"hash_key a string", "hash_key: {header: x-user-id}", "hash_key: x-user-id",
			"clusters[0].hash_key", 20, `must be a mapping of keys to values, got "x-user-id"`},

		// maglev and ring_hash.
		{"table size not prime", "table_size: 65537", "table_size: 65536",
			"clusters[0].maglev.table_size", 21, "must be a prime, got 65536 (the next prime is 65537; default 65537)"},
		{"table size too small", "table_size: 65537", "table_size: 7",
			"clusters[0].maglev.table_size", 21, "must be a prime between 101 and 5000011, got 7"},
		{"table size too large", "table_size: 65537", "table_size: 5000017",
			"clusters[0].maglev.table_size", 21, "must be a prime between 101 and 5000011, got 5000017"},
		{"table size zero", "table_size: 65537", "table_size: 0",
			"clusters[0].maglev.table_size", 21, "must be a prime between 101 and 5000011, got 0"},
		{"ring_hash block with maglev", "maglev: {table_size: 65537}", "ring_hash: {minimum_ring_size: 64}",
			"clusters[0].ring_hash", 21, "is only used by lb ring_hash (lb is maglev)"},
		{"ring min above max", "lb: maglev\n    hash_key: {header: x-user-id}\n    maglev: {table_size: 65537}",
			"lb: ring_hash\n    hash_key: {header: x-user-id}\n    ring_hash: {minimum_ring_size: 4096, maximum_ring_size: 1024}",
			"clusters[0].ring_hash.minimum_ring_size", 21, "4096 is larger than maximum_ring_size 1024"},
		{"ring max too large", "lb: maglev\n    hash_key: {header: x-user-id}\n    maglev: {table_size: 65537}",
			"lb: ring_hash\n    hash_key: {header: x-user-id}\n    ring_hash: {maximum_ring_size: 8388609}",
			"clusters[0].ring_hash.maximum_ring_size", 21, "must be between 1 and 8388608, got 8388609"},
		{"ring min zero", "lb: maglev\n    hash_key: {header: x-user-id}\n    maglev: {table_size: 65537}",
			"lb: ring_hash\n    hash_key: {header: x-user-id}\n    ring_hash: {minimum_ring_size: 0}",
			"clusters[0].ring_hash.minimum_ring_size", 21, "must be between 1 and 8388608, got 0"},

		// Endpoints in the mapping form.
		{"weight zero", "weight: 3", "weight: 0",
			"clusters[0].endpoints[1].weight", 24, "must be between 1 and 10000, got 0"},
		{"weight too large", "weight: 3", "weight: 10001",
			"clusters[0].endpoints[1].weight", 24, "must be between 1 and 10000, got 10001"},
		{"weight not a number", "weight: 3", "weight: heavy",
			"clusters[0].endpoints[1].weight", 24, `must be a whole number, got "heavy"`},
		{"weight misspelt", "weight: 3", "wieght: 3",
			"clusters[0].endpoints[1].wieght", 24, `unknown field "wieght" (did you mean "weight"?)`},
		{"address missing", "address: 127.0.0.1:12201, ", "",
			"clusters[0].endpoints[1].address", 24, "is required (host:port"},
		{"address invalid", "address: 127.0.0.1:12201", "address: 127.0.0.1",
			"clusters[0].endpoints[1]", 24, `invalid endpoint "127.0.0.1": missing port`},
		{"address duplicate across forms", "address: 127.0.0.1:12201", "address: 127.0.0.1:12200",
			"clusters[0].endpoints[1]", 24, `duplicate endpoint "127.0.0.1:12200" (also endpoints[0])`},
		{"empty metadata name", "metadata: {zone: a}", `metadata: {zone: a, "": x}`,
			`clusters[0].endpoints[1].metadata[""]`, 24, "metadata name must not be empty"},
		{"metadata a list", "metadata: {zone: a}", "metadata: [zone]",
			"clusters[0].endpoints[1].metadata", 24, "must be a mapping of keys to values, got a list"},
		{"item a list", "      - 127.0.0.1:12200\n", "      - [127.0.0.1:12200]\n",
			"clusters[0].endpoints[0]", 23, `must be "host:port" or a mapping {address, weight, metadata}, got a list`},
		{"endpoints a string", "    endpoints:\n      - 127.0.0.1:12200\n      - {address: 127.0.0.1:12201, weight: 3, metadata: {zone: a}}\n",
			"    endpoints: 127.0.0.1:12200\n    # one\n    # two\n",
			"clusters[0].endpoints", 22, `must be a list, got "127.0.0.1:12200"`},

		// Subsets.
		{"subset without keys", "subset: {keys: [zone], fallback: none}", "subset: {fallback: none}",
			"clusters[0].subset.keys", 25, "at least one metadata key is required"},
		{"subset empty key", "keys: [zone]", `keys: [zone, ""]`,
			"clusters[0].subset.keys[1]", 25, "metadata key must not be empty"},
		{"subset duplicate key", "keys: [zone]", "keys: [zone, zone]",
			"clusters[0].subset.keys[1]", 25, `duplicate key "zone" (also keys[0])`},
		{"subset unknown fallback", "fallback: none", "fallback: random",
			"clusters[0].subset.fallback", 25, `unknown fallback "random" (want any or none)`},
		{"subset keys no endpoint has", "keys: [zone]", "keys: [zone, rack]",
			"clusters[0].subset.keys", 25, "no endpoint has metadata for every key (zone, rack)"},
		{"subset a list", "subset: {keys: [zone], fallback: none}", "subset: [zone]",
			"clusters[0].subset", 25, "must be a mapping of keys to values, got a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, 1, strings.Count(lbBase, tt.old), "edit %q", tt.old)
			doc := strings.Replace(lbBase, tt.old, tt.new, 1)
			_, err := Parse([]byte(doc), testProtocols)
			var errs Errors
			require.ErrorAs(t, err, &errs)
			require.Len(t, errs, 1, "want exactly one error, got:\n%v", err)
			assert.Equal(t, tt.path, errs[0].Path)
			assert.Equal(t, tt.line, errs[0].Line)
			assert.Contains(t, errs[0].Msg, tt.msg)
		})
	}
}
