package proxy

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/xprotocol"
)

// route is one compiled routing rule of a listener.
type route struct {
	protocol   string // from the match, or else the cluster's protocol
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

func newRouter(listener string, rs []config.Route, clusters map[string]*cluster, m *metrics) *router {
	r := &router{}
	for _, rc := range rs {
		rt := &route{
			protocol:   rc.Match.Protocol,
			service:    rc.Match.Service,
			method:     rc.Match.Method,
			pathPrefix: rc.Match.PathPrefix,
			cluster:    clusters[rc.Cluster],
			requests:   m.requests.WithLabelValues(listener, rc.Cluster),
		}
		if rt.protocol == "" && rt.cluster != nil {
			// A cluster that speaks one protocol serves only that protocol.
			rt.protocol = rt.cluster.protocol
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

func (rt *route) matches(f xprotocol.Frame) bool {
	if rt.protocol != "" && f.Protocol() != rt.protocol {
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
