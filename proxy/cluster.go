package proxy

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/xgate/xgate/proxy/breaker"
	"github.com/xgate/xgate/proxy/config"
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
	hosts          []*host
	connectTimeout time.Duration
	requestTimeout time.Duration
	connsPerHost   int
	// ping-pong pools
	maxConnsPerHost int
	maxPending      int

	responses     *statusCounters
	connectFail   prometheus.Counter
	upConns       prometheus.Counter
	unmatched     prometheus.Counter
	resets        prometheus.Counter
	resends       prometheus.Counter
	overflow      prometheus.Counter
	hbFailures    prometheus.Counter
	hbSent        prometheus.Counter
	retries       prometheus.Counter
	mirrored      prometheus.Counter
	mirrorSkipped prometheus.Counter
	hcHealthy     prometheus.Counter
	hcUnhealthy   prometheus.Counter

	table       *lb.Table
	hashHeader  string
	hashKey     xprotocol.Key
	pluginHosts []route.Host
	budget      *retry.Budget

	outlier  *outlier.Detector
	checker  *healthcheck.Checker // nil without an active health check
	breakers *breaker.Breakers
	hb       heartbeat.Config
	hcConfig config.HealthCheck
	// retired: a reload replaced the cluster; its connections close as
	// they fall idle.
	retired atomic.Bool
}

func newCluster(idx int, c config.Cluster, m *metrics) (*cluster, error) {
	cl := &cluster{
		name: c.Name, idx: idx, protocol: c.Protocol,
		connectTimeout: c.ConnectTimeout, requestTimeout: c.RequestTimeout, connsPerHost: c.ConnectionsPerHost,
		maxConnsPerHost: max(c.MaxConnectionsPerHost, 1), maxPending: max(c.MaxPendingRequests, 1),
		responses:     m.statusCounters(m.upstreamResp, c.Name),
		connectFail:   m.connectFail.WithLabelValues(c.Name),
		upConns:       m.upstreamConns.WithLabelValues(c.Name),
		unmatched:     m.unmatched.WithLabelValues(c.Name),
		resets:        m.upstreamResets.WithLabelValues(c.Name),
		resends:       m.resends.WithLabelValues(c.Name),
		overflow:      m.breakerOverflow.WithLabelValues(c.Name),
		hbFailures:    m.heartbeatFailures.WithLabelValues(c.Name),
		hbSent:        m.heartbeatsSent.WithLabelValues(c.Name),
		retries:       m.retries.WithLabelValues(c.Name),
		mirrored:      m.mirrors.WithLabelValues(c.Name, "sent"),
		mirrorSkipped: m.mirrors.WithLabelValues(c.Name, "skipped"),
		hcHealthy:     m.healthTransitions.WithLabelValues(c.Name, "healthy"),
		hcUnhealthy:   m.healthTransitions.WithLabelValues(c.Name, "unhealthy"),
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
	lbHosts := make([]lb.Host, 0, len(c.Endpoints))
	for i := range c.Endpoints {
		ep := c.Endpoint(i)
		h := &host{addr: ep.Address, weight: uint32(max(ep.Weight, 1)), metadata: ep.Metadata, od: cl.outlier.Add(), hc: healthcheck.NewTarget(ep.Address)}
		cl.hosts = append(cl.hosts, h)
		cl.pluginHosts = append(cl.pluginHosts, pluginHost{h, i})
		lbHosts = append(lbHosts, h)
	}
	lbc, err := lb.FromCluster(&c)
	if err == nil {
		cl.table, err = lb.Build(lbHosts, lbc, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", c.Name, err)
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
	targets := make([]*healthcheck.Target, len(c.hosts))
	for i, h := range c.hosts {
		targets[i] = h.hc
	}
	ck, err := healthcheck.New(healthcheck.Config{
		Kind: kind, Interval: hc.Interval, Timeout: hc.Timeout,
		UnhealthyThreshold: hc.UnhealthyThreshold, HealthyThreshold: hc.HealthyThreshold,
		Protocol: proto, Session: xprotocol.SessionOptions{Role: xprotocol.RoleClient},
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
}
