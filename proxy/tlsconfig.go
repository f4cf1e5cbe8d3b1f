package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/tlsconf"
	"github.com/xgate/xgate/transport"
)

// TLS on both sides: a listener's certificates (reloaded when their files
// change, picked by SNI) and a cluster's upstream TLS (verified by default).

// tlsMetrics are the TLS counters, registered on a gateway's registry the
// first time one is needed.
type tlsMetrics struct {
	certReloads    *prometheus.CounterVec // listener, result
	upstreamErrors *prometheus.CounterVec // cluster, reason
}

// tlsMetricsOf keeps each gateway's TLS counters (a handful of pointers per
// gateway built, for the life of the process; metrics.go stays untouched).
var tlsMetricsOf sync.Map // *metrics → *tlsMetrics

func (m *metrics) tls() *tlsMetrics {
	if v, ok := tlsMetricsOf.Load(m); ok {
		return v.(*tlsMetrics)
	}
	tm := &tlsMetrics{
		certReloads: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "xgate", Name: "tls_certificate_reloads_total",
			Help: "Listener certificate pairs loaded again after their files changed, by result: ok, error (the previous pair is kept)."}, []string{"listener", "result"}),
		upstreamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "xgate", Name: "upstream_tls_errors_total",
			Help: "Upstream TLS handshakes that failed, by reason: verify (the upstream's certificate was not trusted), handshake (any other failure)."}, []string{"cluster", "reason"}),
	}
	v, loaded := tlsMetricsOf.LoadOrStore(m, tm)
	if !loaded {
		m.reg.MustRegister(tm.certReloads, tm.upstreamErrors)
	}
	return v.(*tlsMetrics)
}

// serverTLS returns the listener's TLS configuration, or nil without TLS.
func (l *listener) serverTLS() (*tls.Config, error) {
	t := l.cfg.TLS
	if t == nil {
		return nil, nil
	}
	reloads := l.m.tls().certReloads
	cfg, _, err := tlsconf.Server(t, tlsconf.ServerOptions{
		Logger: l.log,
		OnReload: func(err error) {
			result := "ok"
			if err != nil {
				result = "error"
			}
			reloads.WithLabelValues(l.cfg.Name, result).Inc()
		},
		// ALPN: HTTP/2 when the client offers it; the protocol is still
		// detected from the decrypted bytes, so RPC protocols over TLS
		// (no ALPN) work too.
		NextProtos: []string{"h2", "http/1.1"},
	})
	if err != nil {
		return nil, fmt.Errorf("listener %s: %w", l.cfg.Name, err)
	}
	return cfg, nil
}

// upstreamTLS is a cluster's TLS client configuration, one per ALPN need.
type upstreamTLS struct {
	plain, h2, h1 *tls.Config
	log           *slog.Logger
	verifyFailed  prometheus.Counter
	handshakeFail prometheus.Counter
}

// setupTLS prepares the cluster's upstream TLS from cc.TLS, if set.
func (c *cluster) setupTLS(cc config.Cluster, log *slog.Logger, m *metrics) error {
	if cc.TLS == nil {
		return nil
	}
	log = log.With("cluster", cc.Name)
	cfg, err := tlsconf.Client(cc.TLS, tlsconf.StoreOptions{Logger: log})
	if err != nil {
		return fmt.Errorf("cluster %s: %w", cc.Name, err)
	}
	if cc.TLS.InsecureSkipVerify {
		log.Warn("upstream TLS certificates are NOT verified (insecure_skip_verify: true)")
	}
	ut := &upstreamTLS{
		plain: cfg, h2: cfg.Clone(), h1: cfg.Clone(), log: log,
		verifyFailed:  m.tls().upstreamErrors.WithLabelValues(cc.Name, "verify"),
		handshakeFail: m.tls().upstreamErrors.WithLabelValues(cc.Name, "handshake"),
	}
	ut.h2.NextProtos = []string{"h2"}
	ut.h1.NextProtos = []string{"http/1.1"}
	c.tls = ut
	return nil
}

// config returns the configuration for a connection speaking protocol.
func (t *upstreamTLS) config(protocol string) *tls.Config {
	switch protocol {
	case "http2", "grpc":
		return t.h2
	case "http1":
		return t.h1
	}
	return t.plain
}

// dialConn opens u's connection to the pool's host, over TLS when the
// cluster says so.
func (hp *hostPool) dialConn(u *upstream) *transport.Conn {
	if t := hp.cl.tls; t != nil {
		return hp.ls.loop.DialTLS(hp.h.addr, hp.cl.connectTimeout, t.config(hp.proto.Name()), u)
	}
	return hp.ls.loop.Dial(hp.h.addr, hp.cl.connectTimeout, u)
}

// noteTLSFailure counts and logs an upstream connection that closed for a
// TLS reason: its handshake failed (the certificate did not verify, or
// another failure), or the upstream sent an alert (a TLS 1.3 server that
// wants a client certificate says so after the client's handshake is done).
func (c *cluster) noteTLSFailure(addr string, err error) {
	t := c.tls
	if t == nil || err == nil {
		return
	}
	var verr *tls.CertificateVerificationError
	var op *net.OpError
	switch {
	case errors.As(err, &verr):
		t.verifyFailed.Inc()
		t.log.Warn("upstream TLS certificate verification failed", "host", addr, "err", err)
	case errors.Is(err, transport.ErrTLSHandshake), errors.As(err, &op) && op.Op == "remote error":
		t.handshakeFail.Inc()
		t.log.Warn("upstream TLS handshake failed", "host", addr, "err", err)
	}
}

// healthDial returns the active health check's dialler: TLS when the
// cluster uses it, else nil (plain TCP).
func (c *cluster) healthDial() func(ctx context.Context, network, addr string) (net.Conn, error) {
	t := c.tls
	if t == nil {
		return nil
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		cfg := t.config(c.protocol)
		if cfg.ServerName == "" {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, fmt.Errorf("health check: %w", err)
			}
			cfg = cfg.Clone()
			cfg.ServerName = host
		}
		d := &tls.Dialer{Config: cfg}
		return d.DialContext(ctx, network, addr)
	}
}
