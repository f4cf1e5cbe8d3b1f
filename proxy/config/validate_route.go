package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/xgate/xgate/xprotocol"
)

// AnchoredRegexp compiles a regex condition of a route as the router uses
// it: Go RE2 syntax, matching the whole value (^(?:expr)$).
func AnchoredRegexp(expr string) (*regexp.Regexp, error) {
	if _, err := regexp.Compile(expr); err != nil {
		return nil, err // reported on the expression as written
	}
	return regexp.Compile("^(?:" + expr + ")$")
}

// StatusByName returns the generic status a direct_response names (its
// metric label: ok, no_route, unavailable, ...).
func StatusByName(name string) (xprotocol.Status, bool) {
	for s := xprotocol.StatusOK; s <= xprotocol.StatusUnknown; s++ {
		if s.String() == name {
			return s, true
		}
	}
	return 0, false
}

func statusNames() string {
	var names []string
	for s := xprotocol.StatusOK; s <= xprotocol.StatusUnknown; s++ {
		names = append(names, s.String())
	}
	return strings.Join(names, ", ")
}

// virtualHosts checks listener l's virtual hosts; path is the listener's
// own path ("listeners[0]"). Their routes are checked like the listener's.
func (v *validator) virtualHosts(path string, l *Listener, clusters map[string]bool, clusterNames []string) {
	names := make(map[string]int, len(l.VirtualHosts))
	domains := make(map[string]string)
	for i := range l.VirtualHosts {
		vh := &l.VirtualHosts[i]
		vp := fmt.Sprintf("%s.virtual_hosts[%d]", path, i)
		switch problem := checkName(vh.Name); {
		case vh.Name == "":
			v.fail(vp+".name", "is required")
		case problem != "":
			v.fail(vp+".name", "virtual host name %q %s", vh.Name, problem)
		default:
			if first, dup := names[vh.Name]; dup {
				v.fail(vp+".name", "duplicate virtual host name %q (also virtual_hosts[%d])", vh.Name, first)
			} else {
				names[vh.Name] = i
			}
		}

		if len(vh.Domains) == 0 {
			v.fail(vp+".domains", `at least one domain is required (a host or service, "*.example.com", "com.example.*" or "*")`)
		}
		for j, d := range vh.Domains {
			dp := fmt.Sprintf("%s.domains[%d]", vp, j)
			if problem := checkDomain(d); problem != "" {
				v.fail(dp, "domain %q %s", d, problem)
				continue
			}
			key := strings.ToLower(d)
			if first, dup := domains[key]; dup {
				v.fail(dp, "duplicate domain %q (also %s)", d, first)
				continue
			}
			domains[key] = strings.TrimPrefix(dp, path+".")
			if d == "*" && len(l.Routes) > 0 {
				v.fail(dp, `"*" takes every request the listener's own routes (the default virtual host) would; move those routes here or drop "*"`)
			}
		}

		if len(vh.Routes) == 0 {
			v.fail(vp+".routes", "at least one route is required")
		}
		for j := range vh.Routes {
			v.route(fmt.Sprintf("%s.routes[%d]", vp, j), &vh.Routes[j], clusters, clusterNames)
		}
	}
}

// checkDomain returns why d is not a valid virtual host domain, or "".
func checkDomain(d string) string {
	if d == "" {
		return "is empty"
	}
	for i := 0; i < len(d); i++ {
		if d[i] <= ' ' || d[i] == 0x7f {
			return "must not hold spaces or control characters"
		}
	}
	if d == "*" {
		return ""
	}
	switch n := strings.Count(d, "*"); {
	case n == 0:
	case n > 1:
		return `may hold one "*" only`
	case d[0] != '*' && d[len(d)-1] != '*':
		return `may hold "*" only as its first or last character ("*.example.com", "com.example.*")`
	}
	return ""
}

// routeExtensions checks the route keys of route.go; path is the route's
// own path. route (validate.go) has checked cluster, match.protocol,
// match.path_prefix and match.headers' map form.
func (v *validator) routeExtensions(path string, r *Route, clusters map[string]bool, clusterNames []string) {
	if r.Name != "" {
		if problem := checkName(r.Name); problem != "" {
			v.fail(path+".name", "route name %q %s", r.Name, problem)
		}
	}
	v.routeMatch(path+".match", &r.Match)

	actions := 0
	for _, set := range []bool{r.Cluster != "", r.WeightedClusters != nil, r.DirectResponse != nil} {
		if set {
			actions++
		}
	}
	if actions > 1 {
		v.fail(path, "set only one of cluster, weighted_clusters and direct_response")
	}
	if r.WeightedClusters != nil {
		v.weightedClusters(path+".weighted_clusters", r.WeightedClusters, clusters, clusterNames)
	}
	if d := r.DirectResponse; d != nil {
		if d.Status == "" {
			v.fail(path+".direct_response.status", "is required (one of %s)", statusNames())
		} else if _, ok := StatusByName(d.Status); !ok {
			v.fail(path+".direct_response.status", "unknown status %q (want one of %s)", d.Status, statusNames())
		}
		if len(d.Body) > MaxDirectBody {
			v.fail(path+".direct_response.body", "is %d bytes, more than %d", len(d.Body), MaxDirectBody)
		}
	}

	if r.Timeout < 0 {
		v.fail(path+".timeout", "must be >= 0 (0 means the cluster's request_timeout), got %s", r.Timeout)
	}
	if r.RetryPolicy != nil {
		v.retryPolicy(path+".retry_policy", r.RetryPolicy)
	}
	if m := r.Mirror; m != nil {
		v.clusterRef(path+".mirror.cluster", m.Cluster, clusters, clusterNames)
		v.between(path+".mirror.percentage", m.Percentage, 1, 100, " percent")
	}
	v.headersToAdd(path+".request_headers_to_add", r.RequestHeadersToAdd)
	v.headersToRemove(path+".request_headers_to_remove", r.RequestHeadersToRemove)
	v.headersToAdd(path+".response_headers_to_add", r.ResponseHeadersToAdd)
	v.headersToRemove(path+".response_headers_to_remove", r.ResponseHeadersToRemove)
	v.routePlugins(path, r)
}

// clusterRef checks a cluster name outside a route's own cluster key.
func (v *validator) clusterRef(path, name string, clusters map[string]bool, clusterNames []string) {
	switch {
	case name == "":
		v.fail(path, "is required (the name of a cluster)")
	case !clusters[name]:
		if len(clusterNames) == 0 {
			v.fail(path, "unknown cluster %q (no clusters are defined)", name)
		} else {
			v.fail(path, "unknown cluster %q (defined: %s)", name, shortList(clusterNames))
		}
	}
}

func (v *validator) weightedClusters(path string, ws []WeightedCluster, clusters map[string]bool, clusterNames []string) {
	if len(ws) == 0 {
		v.fail(path, "at least one cluster is required ({cluster: name, weight: n})")
		return
	}
	seen := make(map[string]int, len(ws))
	for i, w := range ws {
		wp := fmt.Sprintf("%s[%d]", path, i)
		v.clusterRef(wp+".cluster", w.Cluster, clusters, clusterNames)
		if first, dup := seen[w.Cluster]; dup && w.Cluster != "" {
			v.fail(wp+".cluster", "duplicate cluster %q (also [%d]); give it one weight", w.Cluster, first)
		} else {
			seen[w.Cluster] = i
		}
		v.between(wp+".weight", w.Weight, 1, MaxRouteWeight, "")
	}
}

func (v *validator) retryPolicy(path string, p *RetryPolicy) {
	v.between(path+".num_retries", p.NumRetries, 1, MaxRetries, "")
	known := strings.Join(RetryOnNames, ", ")
	if len(p.RetryOn) == 0 {
		v.fail(path+".retry_on", "at least one condition is required (known: %s)", known)
	}
	seen := make(map[string]bool, len(p.RetryOn))
	for i, c := range p.RetryOn {
		cp := fmt.Sprintf("%s.retry_on[%d]", path, i)
		switch {
		case !isRetryOn(c):
			v.fail(cp, "unknown retry condition %q (known: %s)", c, known)
		case seen[c]:
			v.fail(cp, "duplicate retry condition %q", c)
		}
		seen[c] = true
	}
	if p.PerTryTimeout < 0 {
		v.fail(path+".per_try_timeout", "must be >= 0 (0 means no bound per try), got %s", p.PerTryTimeout)
	}
	b := &p.Backoff
	if b.BaseInterval < 0 {
		v.fail(path+".backoff.base_interval", "must be >= 0 (0 means 25ms), got %s", b.BaseInterval)
	}
	switch {
	case b.MaxInterval < 0:
		v.fail(path+".backoff.max_interval", "must be >= 0 (0 means 10 × base_interval), got %s", b.MaxInterval)
	case b.MaxInterval > 0 && b.MaxInterval < b.BaseInterval:
		v.fail(path+".backoff.max_interval", "must be >= base_interval (%s), got %s", b.BaseInterval, b.MaxInterval)
	}
}

func isRetryOn(c string) bool {
	for _, k := range RetryOnNames {
		if c == k {
			return true
		}
	}
	return false
}

func (v *validator) headersToAdd(path string, hs []HeaderValue) {
	seen := make(map[string]int, len(hs))
	for i, h := range hs {
		hp := fmt.Sprintf("%s[%d]", path, i)
		if problem := checkHeaderName(h.Name); problem != "" {
			v.fail(hp+".name", "%s", problem)
			continue
		}
		if first, dup := seen[h.Name]; dup {
			v.fail(hp+".name", "duplicate header %q (also [%d]): a header is set once", h.Name, first)
		}
		seen[h.Name] = i
		switch {
		case len(h.Value) > MaxHeaderValue:
			v.fail(hp+".value", "is %d bytes, more than %d", len(h.Value), MaxHeaderValue)
		case hasControl(h.Value):
			v.fail(hp+".value", "must not hold control characters (CR, LF, NUL, ...)")
		}
	}
}

func (v *validator) headersToRemove(path string, names []string) {
	seen := make(map[string]int, len(names))
	for i, name := range names {
		hp := fmt.Sprintf("%s[%d]", path, i)
		if problem := checkHeaderName(name); problem != "" {
			v.fail(hp, "%s", problem)
			continue
		}
		if first, dup := seen[name]; dup {
			v.fail(hp, "duplicate header %q (also [%d])", name, first)
		}
		seen[name] = i
	}
}

// checkHeaderName returns why name cannot be set or removed by a route.
func checkHeaderName(name string) string {
	switch {
	case name == "":
		return "header name is required"
	case name[0] == ':':
		return fmt.Sprintf("%q is a pseudo-header; routes do not change those", name)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c == 0x7f || c == ':' {
			return fmt.Sprintf("header name %q must not hold spaces, ':' or control characters", name)
		}
	}
	return ""
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return true
		}
	}
	return false
}

func (v *validator) routePlugins(path string, r *Route) {
	if len(r.Plugins) == 0 {
		return
	}
	if r.DirectResponse != nil {
		v.fail(path+".plugins", "plugins choose among a cluster's hosts; a direct_response route has none")
	}
	registered := make(map[string]bool, len(v.reg.RoutePlugins))
	for _, n := range v.reg.RoutePlugins {
		registered[n] = true
	}
	seen := make(map[string]int, len(r.Plugins))
	for i, p := range r.Plugins {
		pp := fmt.Sprintf("%s.plugins[%d]", path, i)
		switch {
		case p.Name == "":
			v.fail(pp+".name", "is required (a registered route plugin)")
			continue
		case !registered[p.Name]:
			if len(v.reg.RoutePlugins) == 0 {
				v.fail(pp+".name", "unknown route plugin %q (no route plugins are registered)", p.Name)
			} else {
				v.fail(pp+".name", "unknown route plugin %q (registered: %s)", p.Name, shortList(v.reg.RoutePlugins))
			}
			continue
		}
		if first, dup := seen[p.Name]; dup {
			v.fail(pp+".name", "duplicate plugin %q (also plugins[%d])", p.Name, first)
			continue
		}
		seen[p.Name] = i
		if v.reg.CheckRoutePlugin != nil {
			if err := v.reg.CheckRoutePlugin(p.Name, p.Config); err != nil {
				v.fail(pp+".config", "%v", err)
			}
		}
	}
}

// routeMatch checks the scalar-or-mapping keys of match and the list form
// of headers; path is "….match".
func (v *validator) routeMatch(path string, m *RouteMatch) {
	keys := []struct {
		key    string
		scalar string
		match  *StringMatch
	}{
		{"service", m.Service, m.ServiceMatch},
		{"method", m.Method, m.MethodMatch},
		{"path", m.Path, m.PathMatch},
		{"host", m.Host, m.HostMatch},
	}
	for _, k := range keys {
		kp := path + "." + k.key
		if k.scalar != "" && k.match != nil {
			v.fail(kp, "set either the string (exact) form or the mapping form, not both")
			continue
		}
		if k.match != nil {
			v.stringMatch(kp, *k.match)
		}
		if k.key == "path" {
			if k.scalar != "" && !strings.HasPrefix(k.scalar, "/") {
				v.fail(kp, "must start with \"/\", got %q", k.scalar)
			}
			if k.match != nil {
				if s := k.match.Exact; s != "" && !strings.HasPrefix(s, "/") {
					v.fail(kp+".exact", "must start with \"/\", got %q", s)
				}
				if s := k.match.Prefix; s != "" && !strings.HasPrefix(s, "/") {
					v.fail(kp+".prefix", "must start with \"/\", got %q", s)
				}
			}
		}
	}
	for i, h := range m.HeaderMatches {
		hp := fmt.Sprintf("%s.headers[%d]", path, i)
		if h.Name == "" {
			v.fail(hp+".name", "is required (the header to test)")
		}
		v.stringMatch(hp, h.StringMatch())
	}
}

// stringMatch checks that exactly one condition is set and that a regex
// compiles.
func (v *validator) stringMatch(path string, s StringMatch) {
	var set []string
	if s.Exact != "" {
		set = append(set, "exact")
	}
	if s.Prefix != "" {
		set = append(set, "prefix")
	}
	if s.Regex != "" {
		set = append(set, "regex")
	}
	if s.Present {
		set = append(set, "present")
	}
	switch {
	case len(set) == 0 && v.src.badUnder(path):
		// A key under path failed to decode (a typo, present: yes):
		// that error says it already.
	case len(set) == 0:
		v.fail(path, "set one of exact, prefix, regex or present: true")
	case len(set) > 1:
		v.fail(path, "set only one of exact, prefix, regex and present, got %s", strings.Join(set, " and "))
	}
	if s.Regex == "" {
		return
	}
	if len(s.Regex) > MaxRegexpLength {
		v.fail(path+".regex", "is %d bytes, more than %d", len(s.Regex), MaxRegexpLength)
		return
	}
	if _, err := AnchoredRegexp(s.Regex); err != nil {
		v.fail(path+".regex", "invalid regex: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
}

// badUnder reports whether a path below path failed to decode.
func (s *source) badUnder(path string) bool {
	if s == nil {
		return false
	}
	for p := range s.bad {
		if strings.HasPrefix(p, path) && len(p) > len(path) && (p[len(path)] == '.' || p[len(path)] == '[') {
			return true
		}
	}
	return false
}
