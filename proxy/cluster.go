package proxy

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/xgate/xgate/proxy/breaker"
	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/healthcheck"
	"github.com/xgate/xgate/proxy/heartbeat"
	"github.com/xgate/xgate/proxy/outlier"
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
	failures     atomic.Int32
	ejectedUntil atomic.Int64 // unix nanoseconds; 0 = healthy
	od           *outlier.Host
	hc           *healthcheck.Target
}

func (h *host) healthy(now int64) bool {
	return now >= h.ejectedUntil.Load() && h.od.Available(now) && h.hc.Healthy()
}

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
	lb             config.LBPolicy
	hosts          []*host
	rr             atomic.Uint64
	connectTimeout time.Duration
	requestTimeout time.Duration
	connsPerHost   int
	// ping-pong pools
	maxConnsPerHost int
	maxPending      int

	responses   *statusCounters
	connectFail prometheus.Counter
	upConns     prometheus.Counter
	unmatched   prometheus.Counter
	resets      prometheus.Counter
	resends     prometheus.Counter
	overflow    prometheus.Counter
	hbFailures  prometheus.Counter
	hbSent      prometheus.Counter
	hcHealthy   prometheus.Counter
	hcUnhealthy prometheus.Counter

	outlier  *outlier.Detector
	checker  *healthcheck.Checker // nil without an active health check
	breakers *breaker.Breakers
	hb       heartbeat.Config
	hcConfig config.HealthCheck
	// retired: a reload replaced the cluster; its connections close as
	// they fall idle.
	retired atomic.Bool
}

func newCluster(idx int, c config.Cluster, m *metrics) *cluster {
	cl := &cluster{
		name: c.Name, idx: idx, protocol: c.Protocol, lb: c.LB,
		connectTimeout: c.ConnectTimeout, requestTimeout: c.RequestTimeout, connsPerHost: c.ConnectionsPerHost,
		maxConnsPerHost: max(c.MaxConnectionsPerHost, 1), maxPending: max(c.MaxPendingRequests, 1),
		responses:   m.statusCounters(m.upstreamResp, c.Name),
		connectFail: m.connectFail.WithLabelValues(c.Name),
		upConns:     m.upstreamConns.WithLabelValues(c.Name),
		unmatched:   m.unmatched.WithLabelValues(c.Name),
		resets:      m.upstreamResets.WithLabelValues(c.Name),
		resends:     m.resends.WithLabelValues(c.Name),
		overflow:    m.breakerOverflow.WithLabelValues(c.Name),
		hbFailures:  m.heartbeatFailures.WithLabelValues(c.Name),
		hbSent:      m.heartbeatsSent.WithLabelValues(c.Name),
		hcHealthy:   m.healthTransitions.WithLabelValues(c.Name, "healthy"),
		hcUnhealthy: m.healthTransitions.WithLabelValues(c.Name, "unhealthy"),
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
	for _, ep := range c.Endpoints {
		cl.hosts = append(cl.hosts, &host{addr: ep, od: cl.outlier.Add(), hc: healthcheck.NewTarget(ep)})
	}
	return cl
}

// pick chooses a host by the cluster's policy, skipping ejected hosts; when
// every host is ejected it still returns one (the dial will tell).
func (c *cluster) pick(now int64) (*host, int) {
	n := uint64(len(c.hosts))
	var start uint64
	if c.lb == config.LBRandom {
		start = rand.Uint64N(n)
	} else {
		start = c.rr.Add(1) - 1
	}
	for i := range n {
		j := int((start + i) % n)
		if c.hosts[j].healthy(now) {
			return c.hosts[j], j
		}
	}
	j := int(start % n)
	return c.hosts[j], j
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
