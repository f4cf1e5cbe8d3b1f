package proxy

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/xprotocol"
)

// route is one compiled routing rule of a listener.
type route struct {
	// protocols: the frame protocol names the route accepts (empty: any).
	// From the match (the name and its aliases), or else the cluster's
	// protocol and every protocol that translates to it (its family).
	protocols  []string
	service    string
	method     string
	pathPrefix string
	headers    [][2]string
	cluster    *cluster
	requests   prometheus.Counter
}

// router picks the first route whose conditions all hold.
type router struct {
	routes []*route
}

func newRouter(listener string, rs []config.Route, clusters map[string]*cluster, reg *xprotocol.Registry, m *metrics) *router {
	r := &router{}
	for _, rc := range rs {
		rt := &route{
			service:    rc.Match.Service,
			method:     rc.Match.Method,
			pathPrefix: rc.Match.PathPrefix,
			cluster:    clusters[rc.Cluster],
			requests:   m.requests.WithLabelValues(listener, rc.Cluster),
		}
		switch {
		case rc.Match.Protocol != "":
			rt.protocols = append(rt.protocols, rc.Match.Protocol)
			for _, p := range reg.List() {
				if a, ok := p.(xprotocol.Alias); ok && a.AliasOf() == rc.Match.Protocol {
					rt.protocols = append(rt.protocols, p.Name())
				}
			}
		case rt.cluster != nil && rt.cluster.protocol != "":
			// A cluster that speaks one protocol serves that protocol and
			// the ones that translate to it.
			rt.protocols = append(rt.protocols, rt.cluster.protocol)
			if fam := familyOf(reg, rt.cluster.protocol); fam != "" {
				for _, p := range reg.List() {
					if xprotocol.FamilyOf(p) == fam && p.Name() != rt.cluster.protocol {
						rt.protocols = append(rt.protocols, p.Name())
					}
				}
			}
		}
		for k, v := range rc.Match.Headers {
			rt.headers = append(rt.headers, [2]string{k, v})
		}
		r.routes = append(r.routes, rt)
	}
	return r
}

// match returns the route for f, or nil when none applies. It allocates
// nothing: the byte-to-string comparisons below do not copy.
func (r *router) match(f xprotocol.Frame) *route {
	for _, rt := range r.routes {
		if rt.matches(f) {
			return rt
		}
	}
	return nil
}

func familyOf(reg *xprotocol.Registry, name string) string {
	if p, ok := reg.Lookup(name); ok {
		return xprotocol.FamilyOf(p)
	}
	return ""
}

func (rt *route) matches(f xprotocol.Frame) bool {
	if len(rt.protocols) > 0 && !rt.acceptsProtocol(f.Protocol()) {
		return false
	}
	if rt.service != "" && string(f.Key(xprotocol.KeyService)) != rt.service {
		return false
	}
	if rt.method != "" && string(f.Key(xprotocol.KeyMethod)) != rt.method {
		return false
	}
	if rt.pathPrefix != "" && !strings.HasPrefix(string(f.Key(xprotocol.KeyPath)), rt.pathPrefix) {
		return false
	}
	if len(rt.headers) > 0 {
		h := f.Header()
		for _, kv := range rt.headers {
			v, ok := h.Get(kv[0])
			if !ok || string(v) != kv[1] {
				return false
			}
		}
	}
	return true
}

func (rt *route) acceptsProtocol(name string) bool {
	for _, p := range rt.protocols {
		if p == name {
			return true
		}
	}
	return false
}
