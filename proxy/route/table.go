package route

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/retry"
	"github.com/xgate/xgate/xprotocol"
)

// VirtualHost is a compiled virtual host: routes tried in order.
type VirtualHost struct {
	// Name is the configured name; "" for the default virtual host (the
	// listener's own routes).
	Name string
	// Domains are the configured domains (none for the default).
	Domains []string
	// Routes are tried in order.
	Routes []*Route
}

// Match returns the first route of vh that matches f, or nil.
func (vh *VirtualHost) Match(f xprotocol.Frame) *Route {
	for _, r := range vh.Routes {
		if r.matches(f) {
			return r
		}
	}
	return nil
}

// wildcard is a "*suffix" or "prefix*" domain.
type wildcard struct {
	s     string // without the '*', as written (services)
	lower string // lower-case (hosts)
	vh    *VirtualHost
}

// maxHost bounds the host names looked up in the exact map (a DNS name has
// at most 253 bytes); longer ones only meet wildcards.
const maxHost = 255

// Table is a listener's compiled routing: virtual hosts and their routes.
// It is immutable; the engine swaps a whole Table on reload.
type Table struct {
	listener  string
	routes    []*Route
	vhosts    []*VirtualHost
	def       *VirtualHost // the listener's routes, or the "*" domain's, or nil
	hostExact map[string]*VirtualHost
	svcExact  map[string]*VirtualHost
	suffixes  []wildcard // longest first
	prefixes  []wildcard // longest first
	byDomain  bool
}

// Routes returns every route, indexed by Route.ID.
func (t *Table) Routes() []*Route { return t.routes }

// VirtualHosts returns the configured virtual hosts, then the default one
// when the listener has routes of its own.
func (t *Table) VirtualHosts() []*VirtualHost { return t.vhosts }

// Match returns the route for f, or nil when none applies (the engine
// answers StatusNoRoute). It allocates nothing (see the package
// documentation for regex conditions).
func (t *Table) Match(f xprotocol.Frame) *Route {
	vh := t.Select(f)
	if vh == nil {
		return nil
	}
	return vh.Match(f)
}

// Select returns the virtual host for f: by its host (without the port,
// ASCII case ignored) or, when it has none, its service; else the default
// virtual host, which may be nil.
func (t *Table) Select(f xprotocol.Frame) *VirtualHost {
	if !t.byDomain {
		return t.def
	}
	if h := f.Key(xprotocol.KeyHost); len(h) > 0 {
		if vh := t.byHost(hostOnly(h)); vh != nil {
			return vh
		}
		return t.def
	}
	if s := f.Key(xprotocol.KeyService); len(s) > 0 {
		if vh := t.byService(s); vh != nil {
			return vh
		}
	}
	return t.def
}

func (t *Table) byHost(h []byte) *VirtualHost {
	if len(h) <= maxHost {
		var buf [maxHost]byte
		n := copy(buf[:], h)
		lowerASCII(buf[:n])
		if vh := t.hostExact[string(buf[:n])]; vh != nil {
			return vh
		}
	}
	for i := range t.suffixes {
		w := &t.suffixes[i]
		if len(h) > len(w.lower) && equalFold(h[len(h)-len(w.lower):], w.lower) {
			return w.vh
		}
	}
	for i := range t.prefixes {
		w := &t.prefixes[i]
		if len(h) > len(w.lower) && equalFold(h[:len(w.lower)], w.lower) {
			return w.vh
		}
	}
	return nil
}

func (t *Table) byService(s []byte) *VirtualHost {
	if vh := t.svcExact[string(s)]; vh != nil {
		return vh
	}
	for i := range t.suffixes {
		w := &t.suffixes[i]
		if len(s) > len(w.s) && string(s[len(s)-len(w.s):]) == w.s {
			return w.vh
		}
	}
	for i := range t.prefixes {
		w := &t.prefixes[i]
		if len(s) > len(w.s) && string(s[:len(w.s)]) == w.s {
			return w.vh
		}
	}
	return nil
}

// hostOnly strips the port and a trailing dot from an authority
// ("example.com:8080" -> "example.com", "[::1]:80" -> "[::1]").
func hostOnly(h []byte) []byte {
	if i := bytes.LastIndexByte(h, ':'); i >= 0 {
		switch {
		case h[0] == '[':
			if i > 0 && h[i-1] == ']' {
				h = h[:i]
			}
		case bytes.IndexByte(h[:i], ':') < 0 && allDigits(h[i+1:]):
			h = h[:i]
		}
	}
	if n := len(h); n > 1 && h[n-1] == '.' {
		h = h[:n-1]
	}
	return h
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func lowerASCII(b []byte) {
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// equalFold compares b with the lower-case s, ignoring ASCII case in b.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// Compile builds the routing table of listener l. clusters resolves the
// cluster names routes use; protocols (nil: xprotocol.Default) supplies
// aliases and families for the protocol rule; plugins (nil: Default)
// supplies route plugins, whose handlers are built here from each route's
// static configuration. l should have passed config validation; Compile
// still refuses what it cannot build, naming every problem by its path.
func Compile(l *config.Listener, clusters ClusterLookup, protocols *xprotocol.Registry, plugins *Registry) (*Table, error) {
	if protocols == nil {
		protocols = xprotocol.Default
	}
	if plugins == nil {
		plugins = Default
	}
	c := &compiler{clusters: clusters, protocols: protocols, plugins: plugins}
	t := &Table{listener: l.Name}
	c.t = t

	var def *VirtualHost
	if len(l.Routes) > 0 {
		def = &VirtualHost{}
		def.Routes = c.routes("routes", def, l.Routes)
	}
	seen := make(map[string]string)
	for i := range l.VirtualHosts {
		vc := &l.VirtualHosts[i]
		path := fmt.Sprintf("virtual_hosts[%d]", i)
		vh := &VirtualHost{Name: vc.Name, Domains: slices.Clone(vc.Domains)}
		if len(vc.Domains) == 0 {
			c.fail(path+".domains", "at least one domain is required")
		}
		for j, d := range vc.Domains {
			dpath := fmt.Sprintf("%s.domains[%d]", path, j)
			lower := strings.ToLower(d)
			if first, dup := seen[lower]; dup {
				c.fail(dpath, "duplicate domain %q (also %s)", d, first)
				continue
			}
			seen[lower] = dpath
			c.domain(dpath, d, vh, &def)
		}
		vh.Routes = c.routes(path+".routes", vh, vc.Routes)
		t.vhosts = append(t.vhosts, vh)
	}
	if len(l.Routes) > 0 {
		t.vhosts = append(t.vhosts, def)
	}
	t.def = def
	byLen := func(a, b wildcard) int { return cmp.Compare(len(b.s), len(a.s)) }
	slices.SortStableFunc(t.suffixes, byLen)
	slices.SortStableFunc(t.prefixes, byLen)
	t.byDomain = len(t.hostExact) > 0 || len(t.suffixes) > 0 || len(t.prefixes) > 0

	if len(c.errs) > 0 {
		return nil, fmt.Errorf("route: listener %s: %w", l.Name, errors.Join(c.errs...))
	}
	return t, nil
}

// compiler collects a table and every problem met building it.
type compiler struct {
	t         *Table
	clusters  ClusterLookup
	protocols *xprotocol.Registry
	plugins   *Registry
	errs      []error
}

func (c *compiler) fail(path, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

func (c *compiler) domain(path, d string, vh *VirtualHost, def **VirtualHost) {
	t := c.t
	switch {
	case d == "*":
		if *def != nil && (*def).Name == "" {
			c.fail(path, `"*" would take every request the listener's own routes take`)
			return
		}
		if *def != nil {
			c.fail(path, `"*" is also a domain of virtual host %q`, (*def).Name)
			return
		}
		*def = vh
	case d == "" || strings.Count(d, "*") > 1:
		c.fail(path, "invalid domain %q", d)
	case d[0] == '*':
		s := d[1:]
		t.suffixes = append(t.suffixes, wildcard{s: s, lower: strings.ToLower(s), vh: vh})
	case d[len(d)-1] == '*':
		s := d[:len(d)-1]
		t.prefixes = append(t.prefixes, wildcard{s: s, lower: strings.ToLower(s), vh: vh})
	case strings.Contains(d, "*"):
		c.fail(path, "invalid domain %q: \"*\" may only start or end it", d)
	default:
		if t.hostExact == nil {
			t.hostExact = make(map[string]*VirtualHost)
			t.svcExact = make(map[string]*VirtualHost)
		}
		t.hostExact[strings.ToLower(d)] = vh
		t.svcExact[d] = vh
	}
}

func (c *compiler) routes(path string, vh *VirtualHost, rcs []config.Route) []*Route {
	out := make([]*Route, 0, len(rcs))
	for i := range rcs {
		if r := c.route(fmt.Sprintf("%s[%d]", path, i), vh, &rcs[i]); r != nil {
			out = append(out, r)
		}
	}
	return out
}

func (c *compiler) cluster(path, name string) Cluster {
	if name == "" {
		c.fail(path, "is required (the name of a cluster)")
		return nil
	}
	if c.clusters != nil {
		if cl, ok := c.clusters(name); ok && cl != nil {
			return cl
		}
	}
	c.fail(path, "unknown cluster %q", name)
	return nil
}

func (c *compiler) route(path string, vh *VirtualHost, rc *config.Route) *Route {
	nerr := len(c.errs)
	r := &Route{Name: rc.Name, VirtualHost: vh, Path: path, Timeout: rc.Timeout}
	c.match(path+".match", r, &rc.Match)

	actions := 0
	if rc.Cluster != "" {
		actions++
		r.Action = ActionCluster
		r.Cluster = c.cluster(path+".cluster", rc.Cluster)
	}
	if rc.WeightedClusters != nil {
		actions++
		r.Action = ActionWeighted
		c.weighted(path+".weighted_clusters", r, rc.WeightedClusters)
	}
	if d := rc.DirectResponse; d != nil {
		actions++
		r.Action = ActionDirect
		st, ok := config.StatusByName(d.Status)
		if !ok {
			c.fail(path+".direct_response.status", "unknown status %q", d.Status)
		}
		r.Direct = DirectResponse{Status: st, Body: d.Body}
	}
	switch {
	case actions == 0:
		c.fail(path+".cluster", "is required, unless weighted_clusters or direct_response is set")
	case actions > 1:
		c.fail(path, "set only one of cluster, weighted_clusters and direct_response")
	}

	// The protocol rule (see the package documentation).
	switch {
	case rc.Match.Protocol != "":
		r.protocols = matchProtocols(rc.Match.Protocol, c.protocols)
	case r.Action == ActionCluster && r.Cluster != nil:
		r.protocols = clusterProtocols(r.Cluster, c.protocols)
	case r.Action == ActionWeighted:
		for _, w := range r.Weighted {
			r.protocols = r.protocols.intersect(clusterProtocols(w.Cluster, c.protocols))
		}
		if r.protocols != nil && len(r.protocols) == 0 {
			c.fail(path+".weighted_clusters", "no request can go to every one of these clusters: their protocols do not translate to each other")
		}
	}

	if rc.Timeout < 0 {
		c.fail(path+".timeout", "must be >= 0, got %s", rc.Timeout)
	}
	if rp := rc.RetryPolicy; rp != nil {
		r.Retry = c.retry(path+".retry_policy", rp)
	}
	if m := rc.Mirror; m != nil {
		mc := c.cluster(path+".mirror.cluster", m.Cluster)
		if m.Percentage < 1 || m.Percentage > 100 {
			c.fail(path+".mirror.percentage", "must be between 1 and 100, got %d", m.Percentage)
		}
		if mc != nil {
			r.Mirror = &Mirror{Cluster: mc, Percentage: m.Percentage, protocols: clusterProtocols(mc, c.protocols)}
		}
	}
	r.RequestHeaders = mutation(rc.RequestHeadersToRemove, rc.RequestHeadersToAdd)
	r.ResponseHeaders = mutation(rc.ResponseHeadersToRemove, rc.ResponseHeadersToAdd)
	r.Plugins = c.chain(path+".plugins", rc)

	if len(c.errs) > nerr {
		return nil
	}
	r.ID = len(c.t.routes)
	c.t.routes = append(c.t.routes, r)
	return r
}

func (c *compiler) match(path string, r *Route, m *config.RouteMatch) {
	key := func(name string, k xprotocol.Key, scalar string, sm *config.StringMatch) {
		switch {
		case scalar != "" && sm != nil:
			c.fail(path+"."+name, "set either the string form or the mapping form, not both")
		case scalar != "":
			r.keys = append(r.keys, keyCondition{key: k, m: exactMatcher(scalar)})
		case sm != nil:
			sm, problem := compileStringMatch(*sm)
			if problem != "" {
				c.fail(path+"."+name, "%s", problem)
				return
			}
			r.keys = append(r.keys, keyCondition{key: k, m: sm})
		}
	}
	key("service", xprotocol.KeyService, m.Service, m.ServiceMatch)
	key("method", xprotocol.KeyMethod, m.Method, m.MethodMatch)
	if m.PathPrefix != "" {
		r.keys = append(r.keys, keyCondition{key: xprotocol.KeyPath, m: prefixMatcher(m.PathPrefix)})
	}
	key("path", xprotocol.KeyPath, m.Path, m.PathMatch)
	key("host", xprotocol.KeyHost, m.Host, m.HostMatch)

	names := make([]string, 0, len(m.Headers))
	for name := range m.Headers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if name == "" {
			c.fail(path+`.headers[""]`, "header name must not be empty")
			continue
		}
		r.headers = append(r.headers, headerCondition{name: name, m: exactMatcher(m.Headers[name])})
	}
	for i, h := range m.HeaderMatches {
		hp := fmt.Sprintf("%s.headers[%d]", path, i)
		if h.Name == "" {
			c.fail(hp+".name", "is required")
			continue
		}
		sm, problem := compileStringMatch(h.StringMatch())
		if problem != "" {
			c.fail(hp, "%s", problem)
			continue
		}
		r.headers = append(r.headers, headerCondition{name: h.Name, m: sm})
	}
}

func (c *compiler) weighted(path string, r *Route, ws []config.WeightedCluster) {
	if len(ws) == 0 {
		c.fail(path, "at least one cluster is required")
	}
	for i, w := range ws {
		wp := fmt.Sprintf("%s[%d]", path, i)
		cl := c.cluster(wp+".cluster", w.Cluster)
		if w.Weight < 1 || w.Weight > config.MaxRouteWeight {
			c.fail(wp+".weight", "must be between 1 and %d, got %d", config.MaxRouteWeight, w.Weight)
			continue
		}
		if cl != nil {
			r.Weighted = append(r.Weighted, WeightedCluster{Cluster: cl, Weight: uint64(w.Weight)})
			r.totalWeight += uint64(w.Weight)
		}
	}
}

func (c *compiler) retry(path string, rp *config.RetryPolicy) *RetryPolicy {
	p := &RetryPolicy{
		NumRetries:    rp.NumRetries,
		PerTryTimeout: rp.PerTryTimeout,
		Backoff:       retry.Backoff{Base: rp.Backoff.BaseInterval, Max: rp.Backoff.MaxInterval},
	}
	if p.NumRetries < 1 || p.NumRetries > config.MaxRetries {
		c.fail(path+".num_retries", "must be between 1 and %d, got %d", config.MaxRetries, p.NumRetries)
	}
	for i, name := range rp.RetryOn {
		on, err := retry.ParseConditions([]string{name})
		if err != nil {
			c.fail(fmt.Sprintf("%s.retry_on[%d]", path, i), "%v", err)
		}
		p.Policy.On |= on
	}
	if p.Policy.On == 0 {
		c.fail(path+".retry_on", "at least one condition is required")
	}
	if p.Backoff.Base <= 0 {
		p.Backoff.Base = retry.DefaultBackoffBase
	}
	if p.Backoff.Max <= 0 {
		p.Backoff.Max = 10 * p.Backoff.Base
	}
	if p.Backoff.Max < p.Backoff.Base {
		c.fail(path+".backoff.max_interval", "must be >= base_interval")
	}
	return p
}

func mutation(remove []string, add []config.HeaderValue) HeaderMutation {
	m := HeaderMutation{Remove: slices.Clone(remove)}
	for _, h := range add {
		m.Set = append(m.Set, HeaderValue{Name: h.Name, Value: h.Value})
	}
	return m
}

func (c *compiler) chain(path string, rc *config.Route) *Chain {
	if len(rc.Plugins) == 0 {
		return nil
	}
	if rc.DirectResponse != nil {
		c.fail(path, "a direct_response route has no hosts to choose among")
		return nil
	}
	var entries []chainEntry
	seen := make(map[string]bool, len(rc.Plugins))
	for i, p := range rc.Plugins {
		pp := fmt.Sprintf("%s[%d]", path, i)
		f, ok := c.plugins.Lookup(p.Name)
		switch {
		case !ok:
			c.fail(pp+".name", "unknown route plugin %q (registered: %s)", p.Name, strings.Join(c.plugins.Names(), ", "))
			continue
		case seen[p.Name]:
			c.fail(pp+".name", "duplicate plugin %q", p.Name)
			continue
		}
		seen[p.Name] = true
		h, err := f.NewHandler(p.Config)
		if err != nil {
			c.fail(pp+".config", "%v", err)
			continue
		}
		entries = append(entries, chainEntry{name: p.Name, order: f.Order(), handler: h})
	}
	return newChain(entries)
}
