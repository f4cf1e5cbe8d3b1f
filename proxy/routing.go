package proxy

import (
	"fmt"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/xprotocol"
)

// routing is a listener's compiled route table with the per-cluster
// request counters its routes need. A reload swaps the whole value.
type routing struct {
	table    *route.Table
	requests map[*cluster]*shardSet // read-only after construction
	routes   [][]*routeStats        // by route ID (observe.go)
	nStats   int                    // routeStats in routes
}

func newRouting(cfg *config.Listener, clusters map[string]*cluster, reg *xprotocol.Registry, m *metrics) (*routing, error) {
	lookup := func(name string) (route.Cluster, bool) {
		c, ok := clusters[name]
		if !ok {
			return nil, false
		}
		return c, true
	}
	t, err := route.Compile(cfg, lookup, reg, route.Default)
	if err != nil {
		return nil, fmt.Errorf("listener %s: %w", cfg.Name, err)
	}
	r := &routing{table: t, requests: make(map[*cluster]*shardSet)}
	for _, rt := range t.Routes() {
		for _, c := range routeClusters(rt) {
			r.requests[c] = m.obs.lcs.get([2]string{cfg.Name, c.name}, lcWords)
		}
	}
	r.initRouteStats(cfg.Name, m)
	return r, nil
}

// routeClusters lists every cluster a route may send to.
func routeClusters(rt *route.Route) []*cluster {
	var out []*cluster
	if rt.Cluster != nil {
		out = append(out, rt.Cluster.(*cluster))
	}
	for _, w := range rt.Weighted {
		out = append(out, w.Cluster.(*cluster))
	}
	if rt.Mirror != nil {
		out = append(out, rt.Mirror.Cluster.(*cluster))
	}
	return out
}
