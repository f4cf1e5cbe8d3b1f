package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Validate checks c against every rule of the schema, with known as the
// registered protocol names (usually xprotocol.Default.Names()). It returns
// nil or an Errors listing every problem; lines are 0, since c did not come
// from a file. It does not fill defaults: start listeners and clusters from
// DefaultListener and DefaultCluster.
func (c *Config) Validate(known []string) error {
	if errs := validate(c, Registered{Protocols: known}, nil); len(errs) > 0 {
		return errs
	}
	return nil
}

// validator collects every problem in a Config. src places each path in
// the file (nil for a Config built in Go).
type validator struct {
	src      *source
	known    map[string]bool
	knownMsg string // "auto, bolt, dubbo", for messages
	reg      Registered
	errs     Errors
}

func validate(c *Config, reg Registered, src *source) Errors {
	v := &validator{src: src, reg: reg, known: make(map[string]bool, len(reg.Protocols))}
	names := []string{Auto}
	for _, k := range reg.Protocols {
		if k != "" && k != Auto && !v.known[k] {
			v.known[k] = true
			names = append(names, k)
		}
	}
	v.knownMsg = strings.Join(names, ", ")

	clusters := make(map[string]bool, len(c.Clusters))
	var clusterNames []string
	for _, cl := range c.Clusters {
		if cl.Name != "" && !clusters[cl.Name] {
			clusters[cl.Name] = true
			clusterNames = append(clusterNames, cl.Name)
		}
	}
	v.admin(&c.Admin, c.Listeners)
	v.listeners(c.Listeners, clusters, clusterNames)
	v.clusters(c.Clusters)
	v.tracing(&c.Tracing)
	return v.errs
}

func (v *validator) fail(path, format string, args ...any) {
	if v.src.suppressed(path) {
		return
	}
	v.errs = append(v.errs, &FieldError{Path: path, Line: v.src.line(path), Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) admin(a *Admin, listeners []Listener) {
	const path = "admin.address"
	if a.Address == "" {
		if !a.Disabled {
			v.fail(path, "is required (set admin.disabled: true to turn the admin server off)")
		}
		return
	}
	addr, problem := parseHostPort(a.Address, false, 0)
	if problem != "" {
		v.fail(path, "invalid address %q: %s", a.Address, problem)
		return
	}
	if a.Disabled {
		return
	}
	if !a.AllowPublic && !isLoopback(addr.host) {
		where := "is not a loopback address"
		if isWildcard(addr.host) {
			where = "listens on every interface"
		}
		v.fail(path, "%q %s; the admin server exposes /config and /clusters, so set admin.allow_public: true to allow that", a.Address, where)
	}
	for i, l := range listeners {
		if la, p := parseHostPort(l.Address, false, 0); p == "" && addr.port != 0 && la.key() == addr.key() {
			v.fail(path, "%q is also the address of listeners[%d] (%q)", a.Address, i, l.Name)
		}
	}
}

func (v *validator) listeners(ls []Listener, clusters map[string]bool, clusterNames []string) {
	if len(ls) == 0 {
		v.fail("listeners", "at least one listener is required")
		return
	}
	names := make(map[string]int, len(ls))
	addrs := make(map[string]int, len(ls))
	for i := range ls {
		l := &ls[i]
		path := fmt.Sprintf("listeners[%d]", i)
		v.name(path+".name", "listener", l.Name, names, i)

		if l.Address == "" {
			v.fail(path+".address", "is required (host:port, e.g. 127.0.0.1:2045)")
		} else if addr, problem := parseHostPort(l.Address, false, 0); problem != "" {
			v.fail(path+".address", "invalid address %q: %s", l.Address, problem)
		} else if addr.port != 0 {
			if first, dup := addrs[addr.key()]; dup {
				v.fail(path+".address", "duplicate listener address %q (also listeners[%d], %q)", l.Address, first, ls[first].Name)
			} else {
				addrs[addr.key()] = i
			}
		}

		v.protocols(path+".protocols", l.Protocols)
		v.positive(path+".detect_timeout", l.DetectTimeout)
		v.between(path+".detect_peek_bytes", l.DetectPeekBytes, 1, MaxDetectPeekBytes, "")
		v.between(path+".max_frame_size", l.MaxFrameSize, MinFrameSize, MaxFrameSize, " bytes (1 GiB)")
		v.between(path+".max_header_bytes", l.MaxHeaderBytes, MinHeaderBytes, MaxHeaderBytes, " bytes (16 MiB)")
		if l.TLS != nil {
			v.listenerTLS(path+".tls", l.TLS)
		}
		v.atLeast(path+".max_connections", l.MaxConnections, 1)
		v.atLeast(path+".max_requests_per_connection", l.MaxRequestsPerConnection, 1)
		if l.IdleTimeout < 0 {
			v.fail(path+".idle_timeout", "must be >= 0 (0 means no idle timeout), got %s", l.IdleTimeout)
		}
		v.listenerLimits(path, l)
		v.atLeast(path+".event_loops", l.EventLoops, 0)
		if l.Heartbeat != HeartbeatLocal && l.Heartbeat != HeartbeatForward {
			v.fail(path+".heartbeat", "unknown heartbeat mode %q (want local or forward)", l.Heartbeat)
		}
		v.filters(path+".filters", l.Filters)

		if len(l.Routes) == 0 && len(l.VirtualHosts) == 0 {
			v.fail(path+".routes", "at least one route is required")
		}
		for j := range l.Routes {
			v.route(fmt.Sprintf("%s.routes[%d]", path, j), &l.Routes[j], clusters, clusterNames)
		}
		v.virtualHosts(path, l, clusters, clusterNames)
	}
}

func (v *validator) protocols(path string, protocols []string) {
	if len(protocols) == 0 {
		v.fail(path, "must list at least one protocol; omit the key to detect among all ([auto])")
		return
	}
	seen := make(map[string]bool, len(protocols))
	for i, p := range protocols {
		ppath := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case p == Auto:
			if len(protocols) > 1 {
				v.fail(ppath, "%q must be the only protocol: it already detects among every registered protocol", Auto)
			}
		case p == "":
			v.fail(ppath, "protocol name is empty (known: %s)", v.knownMsg)
		case !v.known[p]:
			v.fail(ppath, "unknown protocol %q (known: %s)", p, v.knownMsg)
		case seen[p]:
			v.fail(ppath, "duplicate protocol %q", p)
		}
		seen[p] = true
	}
}

func (v *validator) route(path string, r *Route, clusters map[string]bool, clusterNames []string) {
	switch {
	case r.Cluster == "" && (r.WeightedClusters != nil || r.DirectResponse != nil):
		// Another action; see routeExtensions.
	case r.Cluster == "":
		v.fail(path+".cluster", "is required (the name of a cluster), unless weighted_clusters or direct_response is set")
	case !clusters[r.Cluster]:
		if len(clusterNames) == 0 {
			v.fail(path+".cluster", "unknown cluster %q (no clusters are defined)", r.Cluster)
		} else {
			v.fail(path+".cluster", "unknown cluster %q (defined: %s)", r.Cluster, shortList(clusterNames))
		}
	}
	m := &r.Match
	if m.Protocol != "" && !v.known[m.Protocol] {
		v.fail(path+".match.protocol", "unknown protocol %q (known: %s)", m.Protocol, strings.TrimPrefix(v.knownMsg, Auto+", "))
	}
	if m.PathPrefix != "" && !strings.HasPrefix(m.PathPrefix, "/") {
		v.fail(path+".match.path_prefix", "must start with \"/\", got %q", m.PathPrefix)
	}
	if _, empty := m.Headers[""]; empty {
		v.fail(path+`.match.headers[""]`, "header name must not be empty")
	}
	v.routeExtensions(path, r, clusters, clusterNames)
}

func (v *validator) clusters(cs []Cluster) {
	names := make(map[string]int, len(cs))
	for i := range cs {
		c := &cs[i]
		path := fmt.Sprintf("clusters[%d]", i)
		v.name(path+".name", "cluster", c.Name, names, i)

		switch {
		case c.Protocol == "":
		case c.Protocol == Auto:
			v.fail(path+".protocol", "%q is for listeners; a cluster names one protocol, or omits protocol to use the downstream request's", Auto)
		case !v.known[c.Protocol]:
			v.fail(path+".protocol", "unknown protocol %q (known: %s)", c.Protocol, strings.TrimPrefix(v.knownMsg, Auto+", "))
		}

		v.clusterLB(path, c) // validate_lb.go
		if c.TLS != nil {
			v.clusterTLS(path+".tls", c.TLS) // validate_tls.go
		}

		if len(c.Endpoints) == 0 {
			v.fail(path+".endpoints", "at least one endpoint is required (host:port)")
		}
		seen := make(map[string]int, len(c.Endpoints))
		for j, ep := range c.Endpoints {
			epath := fmt.Sprintf("%s.endpoints[%d]", path, j)
			addr, problem := parseHostPort(ep, true, 1)
			if problem != "" {
				v.fail(epath, "invalid endpoint %q: %s", ep, problem)
				continue
			}
			if first, dup := seen[addr.key()]; dup {
				v.fail(epath, "duplicate endpoint %q (also endpoints[%d])", ep, first)
				continue
			}
			seen[addr.key()] = j
		}

		v.positive(path+".connect_timeout", c.ConnectTimeout)
		v.positive(path+".request_timeout", c.RequestTimeout)
		v.between(path+".connections_per_host", c.ConnectionsPerHost, 1, MaxConnectionsPerHost, "")
		v.between(path+".max_connections_per_host", c.MaxConnectionsPerHost, 1, MaxPingPongConns, "")
		v.between(path+".max_pending_requests", c.MaxPendingRequests, 1, MaxPendingLimit, "")
		if c.IdleTimeout < 0 {
			v.fail(path+".idle_timeout", "must be >= 0 (0 means no idle timeout), got %s", c.IdleTimeout)
		}
		v.resilience(path, c)
	}
}

// name checks a listener or cluster name: present, printable in logs and
// metric labels, and unique among its kind (seen maps name -> index).
func (v *validator) name(path, kind, name string, seen map[string]int, i int) {
	if name == "" {
		v.fail(path, "is required")
		return
	}
	if problem := checkName(name); problem != "" {
		v.fail(path, "%s name %q %s", kind, name, problem)
		return
	}
	if first, dup := seen[name]; dup {
		v.fail(path, "duplicate %s name %q (also %ss[%d])", kind, name, kind, first)
		return
	}
	seen[name] = i
}

const maxNameLen = 128

func checkName(name string) string {
	if len(name) > maxNameLen {
		return fmt.Sprintf("is longer than %d bytes", maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return "may hold only letters, digits, '.', '_' and '-', and must start with a letter or digit"
		}
	}
	return ""
}

func (v *validator) positive(path string, d time.Duration) {
	if d <= 0 {
		v.fail(path, "must be > 0, got %s", d)
	}
}

func (v *validator) atLeast(path string, n, lo int) {
	if n < lo {
		v.fail(path, "must be >= %d, got %d", lo, n)
	}
}

func (v *validator) between(path string, n, lo, hi int, unit string) {
	if n < lo || n > hi {
		v.fail(path, "must be between %d and %d%s, got %d", lo, hi, unit, n)
	}
}

// shortList joins names for a message, eliding past ten.
func shortList(names []string) string {
	const maxShown = 10
	if len(names) <= maxShown {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s, … and %d more", strings.Join(names[:maxShown], ", "), len(names)-maxShown)
}

// hostPort is a parsed host:port address.
type hostPort struct {
	host string
	port int
}

// key is the address in canonical form, so that duplicates are found
// however they are spelt: IPs are normalised and every wildcard host ("",
// 0.0.0.0, ::) is the same, since they clash on bind.
func (a hostPort) key() string {
	host := strings.ToLower(a.host)
	if isWildcard(host) {
		host = ""
	} else if ip := net.ParseIP(host); ip != nil {
		host = ip.String()
	}
	return net.JoinHostPort(host, strconv.Itoa(a.port))
}

// parseHostPort checks that s is host:port with a numeric port of at least
// minPort (0 allows "pick a free port"). needHost refuses an empty host
// (":2045", which for a listener means every interface). The problem is ""
// when s is valid.
func parseHostPort(s string, needHost bool, minPort int) (hostPort, string) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		var ae *net.AddrError
		msg := err.Error()
		if errors.As(err, &ae) {
			msg = ae.Err
		}
		switch {
		case strings.Contains(msg, "missing port"):
			return hostPort{}, "missing port (want host:port, e.g. 127.0.0.1:12200)"
		case strings.Contains(msg, "too many colons"):
			return hostPort{}, "want host:port; write an IPv6 address in brackets, e.g. [::1]:12200"
		}
		return hostPort{}, msg
	}
	if port == "" {
		return hostPort{}, "missing port number after ':'"
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return hostPort{}, fmt.Sprintf("port %q is not a number", port)
	}
	if n < minPort || n > 65535 {
		return hostPort{}, fmt.Sprintf("port %d is out of range %d..65535", n, minPort)
	}
	if host == "" {
		if needHost {
			return hostPort{}, "missing host (want host:port, e.g. 127.0.0.1:12200)"
		}
	} else if !validHost(host) {
		return hostPort{}, fmt.Sprintf("invalid host %q", host)
	}
	return hostPort{host: host, port: n}, ""
}

// validHost accepts an IP address (IPv6 with an optional %zone) or a DNS
// host name.
func validHost(host string) bool {
	ip, _, _ := strings.Cut(host, "%")
	if net.ParseIP(ip) != nil {
		return true
	}
	name := strings.TrimSuffix(host, ".")
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func isWildcard(host string) bool {
	if host == "" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
