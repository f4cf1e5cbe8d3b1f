package route_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/proxy/route/internal/fake"
	"github.com/xgate/xgate/xprotocol"
)

// dropFactory builds handlers that drop the host at a configured address
// and record their name in the metadata; mode "keep" returns its input
// as it is.
type dropFactory struct {
	name  string
	order int
	live  atomic.Pointer[string]
}

func (f *dropFactory) Name() string { return f.name }
func (f *dropFactory) Order() int   { return f.order }
func (f *dropFactory) Configure(raw []byte) error {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return err
	}
	f.live.Store(&s)
	return nil
}

func (f *dropFactory) NewHandler(cfg []byte) (route.Handler, error) {
	var c struct {
		Drop string `json:"drop"`
		Keep bool   `json:"keep"`
	}
	if len(cfg) > 0 {
		if err := json.Unmarshal(cfg, &c); err != nil {
			return nil, err
		}
	}
	return &dropHandler{f: f, drop: c.Drop, keep: c.Keep}, nil
}

type dropHandler struct {
	f    *dropFactory
	drop string
	keep bool
}

func (h *dropHandler) Handle(_ xprotocol.Frame, hosts []route.Host, dst []route.Host, md *route.Metadata) []route.Host {
	prev, _ := md.Get("trail")
	md.Set("trail", prev+h.f.name+";")
	if h.keep {
		return hosts
	}
	for _, host := range hosts {
		if host.Address() != h.drop {
			dst = append(dst, host)
		}
	}
	return dst
}

func TestRegistry(t *testing.T) {
	reg := route.NewRegistry()
	a := &dropFactory{name: "a"}
	require.NoError(t, reg.Register(a))
	require.NoError(t, reg.Register(&dropFactory{name: "b"}))
	err := reg.Register(&dropFactory{name: "a"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `plugin "a" is already registered`)
	assert.Error(t, reg.Register(&dropFactory{name: ""}))
	assert.Equal(t, []string{"a", "b"}, reg.Names())

	f, ok := reg.Lookup("a")
	require.True(t, ok)
	assert.Same(t, a, f)
	_, ok = reg.Lookup("c")
	assert.False(t, ok)

	require.NoError(t, reg.Configure("a", []byte(`"live"`)))
	assert.Equal(t, "live", *a.live.Load())
	assert.Error(t, reg.Configure("c", nil))
	assert.Error(t, reg.CheckConfig("a", []byte(`{`)))
	assert.NoError(t, reg.CheckConfig("a", nil))
	assert.Error(t, reg.CheckConfig("c", nil))

	assert.Contains(t, route.Default.Names(), "zone_affinity", "zoneaffinity registers itself")
	assert.Panics(t, func() { route.Register(&dropFactory{name: "zone_affinity"}) })
}

func TestChainOrderAndBuffers(t *testing.T) {
	plugins := route.NewRegistry()
	for _, f := range []*dropFactory{{name: "late", order: 20}, {name: "early", order: 10}, {name: "keep", order: 15}, {name: "tie", order: 20}} {
		require.NoError(t, plugins.Register(f))
	}
	cfg, reg := parseListener(t, `    routes:
      - cluster: any
        plugins:
          - {name: tie, config: {drop: "d:1"}}
          - {name: late, config: {drop: "c:1"}}
          - {name: early, config: {drop: "a:1"}}
          - {name: keep, config: {keep: true}}
`, plugins)
	tbl, err := route.Compile(&cfg.Listeners[0], route.ConfigClusters(cfg.Clusters), reg, plugins)
	require.NoError(t, err)
	chain := tbl.Routes()[0].Plugins
	require.Equal(t, 4, chain.Len())
	assert.Equal(t, []string{"early", "keep", "tie", "late"}, chain.Names(), "by order, configuration order among equals")

	var hosts []route.Host
	for _, a := range []string{"a:1", "b:1", "c:1", "d:1", "e:1"} {
		hosts = append(hosts, &fake.Host{Addr: a, Up: true})
	}
	var s route.Selection
	for range 3 { // reused scratch gives the same answer
		got := chain.Run(&fake.Frame{Proto: "rpc"}, hosts, &s)
		var addrs []string
		for _, h := range got {
			addrs = append(addrs, h.Address())
		}
		assert.Equal(t, []string{"b:1", "e:1"}, addrs)
		trail, _ := s.Metadata.Get("trail")
		assert.Equal(t, "early;keep;tie;late;", trail)
		assert.Equal(t, 1, s.Metadata.Len())
	}
	assert.Len(t, hosts, 5, "the input is not changed")
	assert.Equal(t, "a:1", hosts[0].Address())

	// A chain stops at a handler that keeps nothing.
	cfg, _ = parseListener(t, `    routes:
      - cluster: any
        plugins: [{name: early, config: {drop: "a:1"}}, {name: late}]
`, plugins)
	tbl, err = route.Compile(&cfg.Listeners[0], route.ConfigClusters(cfg.Clusters), reg, plugins)
	require.NoError(t, err)
	got := tbl.Routes()[0].Plugins.Run(&fake.Frame{Proto: "rpc"}, hosts[:1], &s)
	assert.Empty(t, got)
	trail, _ := s.Metadata.Get("trail")
	assert.Equal(t, "early;", trail)

	// No plugins: the hosts as given.
	var none *route.Chain
	assert.Equal(t, hosts, none.Run(&fake.Frame{}, hosts, &s))
	assert.Zero(t, none.Len())
	assert.Zero(t, s.Metadata.Len(), "Run resets the metadata")
}

func TestMetadata(t *testing.T) {
	var m route.Metadata
	m.Set("a", "1")
	m.Set("b", "2")
	m.Set("a", "3")
	v, ok := m.Get("a")
	assert.True(t, ok)
	assert.Equal(t, "3", v)
	_, ok = m.Get("c")
	assert.False(t, ok)
	var pairs []string
	m.Range(func(k, v string) bool { pairs = append(pairs, k+"="+v); return true })
	assert.Equal(t, []string{"a=3", "b=2"}, pairs)
	pairs = nil
	m.Range(func(k, v string) bool { pairs = append(pairs, k); return false })
	assert.Equal(t, []string{"a"}, pairs)
	m.Reset()
	assert.Zero(t, m.Len())
}

// TestPluginConfigValidation: a plugin's static configuration is checked
// by config validation, with the line, when CheckRoutePlugin is given.
func TestPluginConfigValidation(t *testing.T) {
	plugins := testPlugins()
	reg := fake.Registry()
	doc := `listeners:
  - name: edge
    address: 127.0.0.1:2045
    routes:
      - cluster: any
        plugins:
          - name: zone_affinity
            config: {local_zone: az1, zone: az2}
` + clustersYAML
	_, err := config.ParseWith([]byte(doc), config.Registered{Protocols: reg.Names(), RoutePlugins: plugins.Names(), CheckRoutePlugin: plugins.CheckConfig})
	require.Error(t, err)
	assert.Equal(t, `line 8: listeners[0].routes[0].plugins[0].config: json: unknown field "zone"`, err.Error())

	_, err = config.ParseWith([]byte(strings.Replace(doc, "zone_affinity", "zone_afinity", 1)), config.Registered{Protocols: reg.Names(), RoutePlugins: plugins.Names()})
	require.Error(t, err)
	assert.Equal(t, `line 7: listeners[0].routes[0].plugins[0].name: unknown route plugin "zone_afinity" (registered: zone_affinity)`, err.Error())
}

func ExampleChain_Run() {
	plugins := route.NewRegistry()
	_ = plugins.Register(&dropFactory{name: "no-b"})
	l := config.Listener{Name: "edge", Routes: []config.Route{{
		Cluster: "up",
		Plugins: []config.RoutePlugin{{Name: "no-b", Config: config.RawConfig(`{"drop": "b:1"}`)}},
	}}}
	tbl, err := route.Compile(&l, route.ConfigClusters([]config.Cluster{{Name: "up"}}), fake.Registry(), plugins)
	if err != nil {
		panic(err)
	}
	var s route.Selection // one per event loop
	f := &fake.Frame{Proto: "rpc", Service: "s"}
	r := tbl.Match(f)
	hosts := []route.Host{&fake.Host{Addr: "a:1", Up: true}, &fake.Host{Addr: "b:1", Up: true}}
	for _, h := range r.Plugins.Run(f, hosts, &s) {
		fmt.Println(h.Address())
	}
	// Output: a:1
}
