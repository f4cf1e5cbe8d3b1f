package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testProtocols stands in for xprotocol.Default.Names(): this package must
// not depend on which codecs are linked into the test binary.
var testProtocols = []string{"bolt", "dubbo", "thrift", "http1", "http2", "grpc"}

func TestLoadFullConfig(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "full.yaml"), testProtocols)
	require.NoError(t, err)

	internal := DefaultListener()
	internal.Name = "internal"
	internal.Address = "[::1]:2046"
	internal.Routes = []Route{{Match: RouteMatch{}, Cluster: "echo-bolt"}}

	fallback := DefaultCluster()
	fallback.Name = "fallback"
	fallback.Endpoints = []string{"127.0.0.1:12300"}
	unused := DefaultCluster()
	unused.Name = "unused"
	unused.Endpoints = []string{"127.0.0.1:12400"}

	want := &Config{
		Admin: Admin{Address: "127.0.0.1:9902"},
		Listeners: []Listener{
			{
				Name:                     "edge",
				Address:                  "127.0.0.1:2045",
				Protocols:                []string{"bolt", "dubbo"},
				DetectTimeout:            2 * time.Second,
				DetectPeekBytes:          128,
				MaxFrameSize:             1 << 20,
				MaxHeaderBytes:           DefaultMaxHeaderBytes,
				MaxHeaderCount:           DefaultMaxHeaderCount,
				MaxConcurrentStreams:     DefaultMaxConcurrentStreams,
				RequestHeaderTimeout:     DefaultRequestHeaderTimeout,
				WriteTimeout:             DefaultWriteTimeout,
				MaxConnections:           500,
				MaxRequestsPerConnection: 100,
				IdleTimeout:              0, // explicit 0 means "no idle timeout", not "default"
				Heartbeat:                HeartbeatForward,
				EventLoops:               4,
				Routes: []Route{
					{
						Match: RouteMatch{
							Service: "com.example.EchoService",
							Method:  "echo",
							Headers: map[string]string{"x-env": "canary"},
						},
						Cluster: "echo-bolt",
					},
					{Match: RouteMatch{PathPrefix: "/api/"}, Cluster: "fallback"},
					{Cluster: "fallback"},
				},
			},
			internal,
		},
		Clusters: []Cluster{
			{
				Name:                  "echo-bolt",
				Protocol:              "bolt",
				LB:                    LBRandom,
				Endpoints:             []string{"127.0.0.1:12200", "[::1]:12201", "echo.internal:12202"},
				ConnectTimeout:        250 * time.Millisecond,
				RequestTimeout:        90 * time.Second,
				ConnectionsPerHost:    4,
				MaxConnectionsPerHost: 8,
				MaxPendingRequests:    16,
				Type:                  ClusterStatic,
				DNSRefreshRate:        DefaultDNSRefreshRate,
				OutlierDetection:      DefaultOutlierDetection(),
				HealthCheck:           DefaultHealthCheck(),
				CircuitBreakers:       DefaultCircuitBreakers(),
				Heartbeat:             DefaultUpstreamHeartbeat(),
			},
			fallback,
			unused,
		},
	}
	assert.Equal(t, want, c)
}

func TestParseMinimalFillsDefaults(t *testing.T) {
	c, err := Parse([]byte(`
listeners:
  - name: edge
    address: 127.0.0.1:2045
    routes: [{cluster: up}]
clusters:
  - name: up
    endpoints: [127.0.0.1:12200]
`), testProtocols)
	require.NoError(t, err)

	assert.Equal(t, Admin{Address: "127.0.0.1:9901"}, c.Admin)
	l := c.Listeners[0]
	assert.Equal(t, []string{"auto"}, l.Protocols)
	assert.Equal(t, 5*time.Second, l.DetectTimeout)
	assert.Equal(t, 64, l.DetectPeekBytes)
	assert.Equal(t, 16<<20, l.MaxFrameSize)
	assert.Equal(t, 10000, l.MaxConnections)
	assert.Equal(t, 10000, l.MaxRequestsPerConnection)
	assert.Equal(t, 5*time.Minute, l.IdleTimeout)
	assert.Equal(t, 0, l.EventLoops)
	cl := c.Clusters[0]
	assert.Equal(t, "", cl.Protocol)
	assert.Equal(t, LBRoundRobin, cl.LB)
	assert.Equal(t, time.Second, cl.ConnectTimeout)
	assert.Equal(t, 3*time.Second, cl.RequestTimeout)
	assert.Equal(t, 1, cl.ConnectionsPerHost)
}

func TestParseAdminVariants(t *testing.T) {
	const rest = `
listeners: [{name: edge, address: "127.0.0.1:2045", routes: [{cluster: up}]}]
clusters: [{name: up, endpoints: ["127.0.0.1:1"]}]
`
	tests := []struct {
		name  string
		admin string
		want  Admin
	}{
		{"public allowed", "admin: {address: 0.0.0.0:9901, allow_public: true}", Admin{Address: "0.0.0.0:9901", AllowPublic: true}},
		{"localhost", "admin: {address: localhost:9901}", Admin{Address: "localhost:9901"}},
		{"ipv6 loopback", `admin: {address: "[::1]:9901"}`, Admin{Address: "[::1]:9901"}},
		{"free port", "admin: {address: 127.0.0.1:0}", Admin{Address: "127.0.0.1:0"}},
		{"disabled keeps default address", "admin: {disabled: true}", Admin{Address: "127.0.0.1:9901", Disabled: true}},
		{"disabled skips public check", "admin: {disabled: true, address: 0.0.0.0:9901}", Admin{Address: "0.0.0.0:9901", Disabled: true}},
		{"null admin", "admin:", Admin{Address: "127.0.0.1:9901"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.admin+rest), testProtocols)
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Admin)
		})
	}
}

func TestParseDurations(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"0", 0},
		{"0s", 0},
		{"250ms", 250 * time.Millisecond},
		{"1m30s", 90 * time.Second},
		{`"2h"`, 2 * time.Hour},
		{"1.5s", 1500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := Parse([]byte(`
listeners: [{name: edge, address: "127.0.0.1:2045", idle_timeout: `+tt.in+`, routes: [{cluster: up}]}]
clusters: [{name: up, endpoints: ["127.0.0.1:1"]}]
`), testProtocols)
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Listeners[0].IdleTimeout)
		})
	}
}

func TestParseAnchorsAndMergeKeys(t *testing.T) {
	c, err := Parse([]byte(`
clusters:
  - &base
    name: a
    endpoints: [127.0.0.1:1]
    request_timeout: 10s
  - <<: *base
    name: b
listeners:
  - name: edge
    address: 127.0.0.1:2045
    routes: &routes
      - cluster: a
  - name: edge2
    address: 127.0.0.1:2046
    routes: *routes
`), testProtocols)
	require.NoError(t, err)
	require.Len(t, c.Clusters, 2)
	assert.Equal(t, "b", c.Clusters[1].Name)
	assert.Equal(t, []string{"127.0.0.1:1"}, c.Clusters[1].Endpoints)
	assert.Equal(t, 10*time.Second, c.Clusters[1].RequestTimeout)
	assert.Equal(t, c.Listeners[0].Routes, c.Listeners[1].Routes)
}

func TestParseAliasBombIsBounded(t *testing.T) {
	// 1000 listeners x 1000 routes x 1000 headers: 10^9 values from a file
	// of a few thousand lines, unless decoding stops at its budget. The
	// budget is lowered from maxValues to keep the test fast under -race.
	var b strings.Builder
	b.WriteString("clusters: [{name: up, endpoints: [127.0.0.1:1]}]\nheaders: &h\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "  h%d: v\n", i)
	}
	b.WriteString("route: &r {cluster: up, match: {headers: *h}}\nroutes: &rs [")
	b.WriteString(strings.Repeat("*r, ", 999) + "*r]\n")
	b.WriteString("listener: &l {name: edge, address: 127.0.0.1:1, routes: *rs}\nlisteners: [")
	b.WriteString(strings.Repeat("*l, ", 999) + "*l]\n")

	_, err := parse([]byte(b.String()), testProtocols, 50000)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	var budget int
	for _, e := range errs {
		if strings.Contains(e.Msg, "expands to too many values") {
			budget++
		}
	}
	assert.Equal(t, 1, budget, "errors: %v", errs)
	// Validation of the truncated config is skipped: only the decode errors
	// (the four unknown top-level keys holding the anchors) and the budget.
	assert.Len(t, errs, 5, "errors: %v", errs)
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), testProtocols)
	require.Error(t, err)
	assert.True(t, errors.Is(err, fs.ErrNotExist), "got %v", err)
	assert.Contains(t, err.Error(), "nope.yaml")
}

// TestParseDesignExample keeps the example of docs/DESIGN.md's
// "Configuration contract" valid: the YAML shape is a public interface.
func TestParseDesignExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/DESIGN.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	require.True(t, ok, "docs/DESIGN.md has no yaml block")
	example, _, ok := strings.Cut(rest, "```")
	require.True(t, ok)
	c, err := Parse([]byte(example), testProtocols)
	require.NoError(t, err)
	assert.Equal(t, RouteMatch{PathPrefix: "/api/", Headers: map[string]string{"x-env": "canary"}}, c.Listeners[0].Routes[1].Match)
	assert.Equal(t, "thrift", c.Listeners[0].Routes[2].Match.Protocol)
}

func TestParseFreePorts(t *testing.T) {
	// Port 0 (pick a free port) is allowed on listeners and admin, and two
	// such listeners do not clash.
	c, err := Parse([]byte(`
admin: {address: "127.0.0.1:0"}
listeners:
  - {name: a, address: "127.0.0.1:0", routes: [{cluster: up}]}
  - {name: b, address: "127.0.0.1:0", routes: [{cluster: up}]}
clusters: [{name: up, endpoints: ["127.0.0.1:1"]}]
`), testProtocols)
	require.NoError(t, err)
	assert.Len(t, c.Listeners, 2)
}
