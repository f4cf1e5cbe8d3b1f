package proxy

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/xgate/xgate/proxy/breaker"
	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/dns"
	"github.com/xgate/xgate/proxy/healthcheck"
	"github.com/xgate/xgate/proxy/heartbeat"
	"github.com/xgate/xgate/proxy/lb"
	"github.com/xgate/xgate/proxy/outlier"
	"github.com/xgate/xgate/proxy/retry"
	"github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/xprotocol"
)

// Passive health: a host whose connection failed is skipped by load
// balancing for a backoff that doubles per consecutive failure.
const (
	ejectBase = 250 * time.Millisecond
	ejectMax  = 10 * time.Second
)

// host is one upstream endpoint; its health is shared by every event loop:
// passive (a connection that fails ejects it for a doubling backoff),
// outlier detection (responses that fail in a row) and, when configured,
// an active health check.
type host struct {
	addr         string
	weight       uint32
	metadata     map[string]string
	failures     atomic.Int32
	ejectedUntil atomic.Int64 // unix nanoseconds; 0 = healthy
	active       atomic.Int64 // requests in flight, every loop
	od           *outlier.Host
	hc           *healthcheck.Target
	stats        *hostStats // observe.go
}

func (h *host) healthy(now int64) bool {
	return now >= h.ejectedUntil.Load() && h.od.Available(now) && h.hc.Healthy()
}

// lb.Host and route plugin views of a host.

// Address implements lb.Host and route.Host.
func (h *host) Address() string { return h.addr }

// Weight implements lb.Host.
func (h *host) Weight() uint32 { return h.weight }

// Metadata implements lb.Host and route.Host.
func (h *host) Metadata() map[string]string { return h.metadata }

// Healthy implements lb.Host.
func (h *host) Healthy(now int64) bool { return h.healthy(now) }

// ActiveRequests implements lb.Host.
func (h *host) ActiveRequests() int64 { return h.active.Load() }

// hostSet is a cluster's hosts at one time, with the views built from
// them; a DNS refresh publishes a new one (hosts still in it are kept, with
// their health).
type hostSet struct {
	hosts       []*host
	pluginHosts []route.Host
	table       *lb.Table
}

func (c *cluster) newHost(addr string, weight uint32, md map[string]string) *host {
	return &host{addr: addr, weight: weight, metadata: md, od: c.outlier.Add(), hc: healthcheck.NewTarget(addr), stats: c.obs.m.hostStats(c.name, addr)}
}

// publish makes hosts the cluster's host set.
func (c *cluster) publish(hosts []*host) error {
	set := &hostSet{hosts: hosts}
	lbHosts := make([]lb.Host, len(hosts))
	for i, h := range hosts {
		set.pluginHosts = append(set.pluginHosts, pluginHost{h, i})
		lbHosts[i] = h
	}
	var prev *lb.Table
	if old := c.set.Load(); old != nil {
		prev = old.table
	}
	t, err := lb.Build(lbHosts, c.lbConfig, prev)
	if err != nil {
		return fmt.Errorf("cluster %s: %w", c.name, err)
	}
	set.table = t
	c.set.Store(set)
	if c.checker != nil {
		c.checker.SetTargets(healthTargets(hosts))
	}
	return nil
}

func healthTargets(hosts []*host) []*healthcheck.Target {
	out := make([]*healthcheck.Target, len(hosts))
	for i, h := range hosts {
		out[i] = h.hc
	}
	return out
}

// dnsResolver resolves strict_dns endpoints; nil is net.DefaultResolver
// (tests replace it).
var dnsResolver dns.Resolver

// startDNS resolves a strict_dns cluster's endpoints once now, then every
// dns_refresh_rate, publishing each changed address set. Hosts that stay
// keep their state; new ones get weight 1 and no metadata.
func (c *cluster) startDNS(log interface{ Warn(string, ...any) }) error {
	if c.dnsConfig.Type != config.ClusterStrictDNS {
		return nil
	}
	w, err := dns.New(dns.Config{
		Endpoints: c.dnsConfig.Endpoints, RefreshRate: c.dnsConfig.DNSRefreshRate, Resolver: dnsResolver,
		OnChange: func(addrs []string) {
			c.dnsMu.Lock()
			defer c.dnsMu.Unlock()
			old := make(map[string]*host)
			for _, h := range c.set.Load().hosts {
				old[h.addr] = h
			}
			hosts := make([]*host, 0, len(addrs))
			for _, a := range addrs {
				if h, ok := old[a]; ok {
					hosts = append(hosts, h)
					delete(old, a)
				} else {
					hosts = append(hosts, c.newHost(a, 1, nil))
				}
			}
			for _, h := range old {
				c.outlier.Remove(h.od)
				c.forgetHost(h)
			}
			if err := c.publish(hosts); err != nil {
				log.Warn("dns: new hosts not used", "cluster", c.name, "err", err)
			}
		},
		OnError: func(host string, err error) {
			log.Warn("dns: resolution failed, keeping the last addresses", "cluster", c.name, "host", host, "err", err)
		},
	})
	if err != nil {
		return fmt.Errorf("cluster %s: %w", c.name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), max(c.dnsConfig.DNSRefreshRate, time.Second))
	defer cancel()
	if err := w.Refresh(ctx); err != nil {
		log.Warn("dns: first resolution failed", "cluster", c.name, "err", err)
	}
	c.dns = w
	w.Start()
	return nil
}

// pluginHost is a host as route plugins see it (health without a clock),
// with its index in the cluster.
type pluginHost struct {
	*host
	idx int
}

// Healthy implements route.Host.
func (h pluginHost) Healthy() bool { return h.healthy(time.Now().UnixNano()) }

// markFailure ejects the host for a backoff that grows with each
// consecutive failure.
func (h *host) markFailure(now int64) {
	n := h.failures.Add(1)
	backoff := ejectMax
	if n < 16 {
		backoff = min(ejectBase<<(n-1), ejectMax)
	}
	h.ejectedUntil.Store(now + int64(backoff))
}

// markSuccess returns the host to service.
func (h *host) markSuccess() {
	if h.failures.Load() != 0 || h.ejectedUntil.Load() != 0 {
		h.failures.Store(0)
		h.ejectedUntil.Store(0)
	}
}

// cluster is a named set of hosts and the policy that picks among them.
type cluster struct {
	name           string
	idx            int
	protocol       string             // "" = same as the downstream request
	proto          xprotocol.Protocol // the protocol named by protocol, or nil
	connectTimeout time.Duration
	requestTimeout time.Duration
	idleTimeout    time.Duration
	connsPerHost   int
	// ping-pong pools
	maxConnsPerHost int
	maxPending      int

	connectFail   prometheus.Counter
	upConns       prometheus.Counter
	unmatched     prometheus.Counter
	resets        prometheus.Counter
	resends       prometheus.Counter
	overflow      prometheus.Counter
	hbFailures    prometheus.Counter
	hbSent        prometheus.Counter
	upCloses      closeCounters
	retries       prometheus.Counter
	mirrored      prometheus.Counter
	mirrorSkipped prometheus.Counter
	hcHealthy     prometheus.Counter
	hcUnhealthy   prometheus.Counter
	obs           clusterObs // observe.go

	set        atomic.Pointer[hostSet]
	lbConfig   lb.Config
	dnsConfig  config.Cluster // strict_dns clusters
	dns        *dns.Watcher
	dnsMu      sync.Mutex
	hashHeader string
	hashKey    xprotocol.Key
	budget     *retry.Budget

	outlier  *outlier.Detector
	checker  *healthcheck.Checker // nil without an active health check
	breakers *breaker.Breakers
	hb       heartbeat.Config
	hcConfig config.HealthCheck
	tls      *upstreamTLS // nil: plain TCP upstreams (tlsconfig.go)
	// retired: a reload replaced the cluster; its connections close as
	// they fall idle.
	retired atomic.Bool
}

// newCluster builds a cluster; prev, when a reload replaces a cluster of
// the same name, is the load-balancing table it had, so that consistent
// hashing keeps its scale and only the keys of hosts that left move.
func newCluster(idx int, c config.Cluster, m *metrics, prev ...*lb.Table) (*cluster, error) {
	cl := &cluster{
		name: c.Name, idx: idx, protocol: c.Protocol,
		connectTimeout: c.ConnectTimeout, requestTimeout: c.RequestTimeout, idleTimeout: c.IdleTimeout, connsPerHost: c.ConnectionsPerHost,
		maxConnsPerHost: max(c.MaxConnectionsPerHost, 1), maxPending: max(c.MaxPendingRequests, 1),
		connectFail:   m.connectFail.WithLabelValues(c.Name),
		upConns:       m.upstreamConns.WithLabelValues(c.Name),
		unmatched:     m.unmatched.WithLabelValues(c.Name),
		resets:        m.upstreamResets.WithLabelValues(c.Name),
		resends:       m.resends.WithLabelValues(c.Name),
		overflow:      m.breakerOverflow.WithLabelValues(c.Name),
		hbFailures:    m.heartbeatFailures.WithLabelValues(c.Name),
		hbSent:        m.heartbeatsSent.WithLabelValues(c.Name),
		upCloses:      m.closeCounters(c.Name),
		retries:       m.retries.WithLabelValues(c.Name),
		mirrored:      m.mirrors.WithLabelValues(c.Name, "sent"),
		mirrorSkipped: m.mirrors.WithLabelValues(c.Name, "skipped"),
		hcHealthy:     m.healthTransitions.WithLabelValues(c.Name, "healthy"),
		hcUnhealthy:   m.healthTransitions.WithLabelValues(c.Name, "unhealthy"),
		obs:           m.clusterObs(c.Name),
		outlier: outlier.NewDetector(outlier.Config{
			ConsecutiveFailures: c.OutlierDetection.ConsecutiveFailures, BaseEjectionTime: c.OutlierDetection.BaseEjectionTime,
			MaxEjectionTime: c.OutlierDetection.MaxEjectionTime, MaxEjectionPercent: c.OutlierDetection.MaxEjectionPercent,
		}),
		breakers: breaker.New(breaker.Limits{
			MaxConnections: c.CircuitBreakers.MaxConnections, MaxPendingRequests: c.CircuitBreakers.MaxPendingRequests,
			MaxRequests: c.CircuitBreakers.MaxRequests, MaxRetries: c.CircuitBreakers.MaxRetries,
		}),
		hb: heartbeat.Config{Interval: c.Heartbeat.Interval, MaxUnanswered: c.Heartbeat.MaxUnanswered},
	}
	if cl.connsPerHost < 1 {
		cl.connsPerHost = 1
	}
	cl.budget = retry.NewBudget(20, 3)
	var err error
	if cl.lbConfig, err = lb.FromCluster(&c); err != nil {
		return nil, fmt.Errorf("cluster %s: %w", c.Name, err)
	}
	if c.Type == config.ClusterStrictDNS {
		// Hosts come from the resolver (startDNS); none until it answers.
		cl.set.Store(&hostSet{})
		cl.dnsConfig = c
	} else {
		hosts := make([]*host, len(c.Endpoints))
		for i := range c.Endpoints {
			ep := c.Endpoint(i)
			hosts[i] = cl.newHost(ep.Address, uint32(max(ep.Weight, 1)), ep.Metadata)
		}
		if len(prev) > 0 && prev[0] != nil {
			cl.set.Store(&hostSet{table: prev[0]})
		}
		if err := cl.publish(hosts); err != nil {
			return nil, err
		}
	}
	if c.HashKey != nil {
		cl.hashHeader = c.HashKey.Header
		switch c.HashKey.Key {
		case config.HashKeyService:
			cl.hashKey = xprotocol.KeyService
		case config.HashKeyMethod:
			cl.hashKey = xprotocol.KeyMethod
		case config.HashKeyPath:
			cl.hashKey = xprotocol.KeyPath
		case config.HashKeyHost:
			cl.hashKey = xprotocol.KeyHost
		}
	}
	return cl, nil
}

// Name implements route.Cluster.
func (c *cluster) Name() string { return c.name }

// Protocol implements route.Cluster.
func (c *cluster) Protocol() string { return c.protocol }

// requestHash returns the hash of the cluster's hash key for f, for ring
// hash and Maglev.
func (c *cluster) requestHash(f xprotocol.Frame) (uint64, bool) {
	var v []byte
	switch {
	case c.hashHeader != "":
		v, _ = f.Header().Get(c.hashHeader)
	case c.hashKey != 0:
		v = f.Key(c.hashKey)
	default:
		return 0, false
	}
	if v == nil {
		return 0, false
	}
	return lb.HashKey(v), true
}

// startHealthCheck starts the cluster's active health check, if it has one.
func (c *cluster) startHealthCheck(hc config.HealthCheck, proto xprotocol.Protocol) error {
	if hc.Kind == "" {
		return nil
	}
	kind := healthcheck.TCP
	if hc.Kind == config.HealthCheckHeartbeat {
		kind = healthcheck.Heartbeat
	}
	targets := healthTargets(c.set.Load().hosts)
	ck, err := healthcheck.New(healthcheck.Config{
		Kind: kind, Interval: hc.Interval, Timeout: hc.Timeout,
		UnhealthyThreshold: hc.UnhealthyThreshold, HealthyThreshold: hc.HealthyThreshold,
		Protocol: proto, Session: xprotocol.SessionOptions{Role: xprotocol.RoleClient},
		Dial: c.healthDial(),
		OnChange: func(t *healthcheck.Target, healthy bool, _ error) {
			if healthy {
				c.hcHealthy.Inc()
			} else {
				c.hcUnhealthy.Inc()
			}
		},
	}, targets)
	if err != nil {
		return fmt.Errorf("cluster %s: %w", c.name, err)
	}
	c.checker = ck
	ck.Start()
	return nil
}

// stop ends the cluster's background work.
func (c *cluster) stop() {
	if c.checker != nil {
		c.checker.Stop()
	}
	if c.dns != nil {
		c.dns.Stop()
	}
}
