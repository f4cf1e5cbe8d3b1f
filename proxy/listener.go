package proxy

import (
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/xgate/xgate/detect"
	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/proxy/tracing"
	"github.com/xgate/xgate/transport"
	"github.com/xgate/xgate/xprotocol"
)

// listener is one configured port: its detector, router and server.
type listener struct {
	cfg      config.Listener
	log      *slog.Logger
	m        *metrics
	detector *detect.Detector
	routing  atomic.Pointer[routing] // swapped by a reload
	filters  *filter.Chain           // nil without stream filters
	server   *transport.Server
	draining atomic.Bool

	connsTotal    prometheus.Counter
	connsActive   prometheus.Gauge
	detectMatched map[string]prometheus.Counter // read-only after construction
	detectNoMatch prometheus.Counter
	detectTimeout prometheus.Counter
	replies       *statusCounters
	// implicitOneway counts requests inferred to be oneway calls.
	implicitOneway prometheus.Counter
	clientResets   prometheus.Counter
	abandoned      prometheus.Counter // client connections that ended mid-request
	slowClients    prometheus.Counter
	pressurePauses prometheus.Counter
	stats          listenerStats   // observe.go
	timeouts       timeoutCounters // limits.go

	// tracer makes the requests' spans; nil while tracing is off.
	tracer *tracing.Tracer
	// secure: the listener terminates TLS.
	secure bool
	// Back-pressure between a client and its upstreams (stream.go): a
	// source stops being read while its destination holds more than
	// highWater bytes, until it is down to lowWater; a client holding more
	// than writeLimit unread reply bytes is closed.
	highWater, lowWater, writeLimit int
}

func newListener(cfg config.Listener, reg *xprotocol.Registry, clusters map[string]*cluster, m *metrics, log *slog.Logger) (*listener, error) {
	var protos []xprotocol.Protocol
	if len(cfg.Protocols) == 0 || (len(cfg.Protocols) == 1 && cfg.Protocols[0] == config.Auto) {
		protos = reg.Detectable()
	} else {
		for _, name := range cfg.Protocols {
			p, ok := reg.Lookup(name)
			if !ok {
				return nil, fmt.Errorf("listener %s: protocol %q is not registered", cfg.Name, name)
			}
			protos = append(protos, p)
		}
	}
	if len(protos) == 0 {
		return nil, fmt.Errorf("listener %s: no protocols registered", cfg.Name)
	}
	l := &listener{
		cfg:            cfg,
		log:            log.With("listener", cfg.Name),
		m:              m,
		detector:       detect.New(protos, cfg.DetectPeekBytes),
		connsTotal:     m.connsTotal.WithLabelValues(cfg.Name),
		connsActive:    m.connsActive.WithLabelValues(cfg.Name),
		detectMatched:  make(map[string]prometheus.Counter, len(protos)),
		detectNoMatch:  m.detect.WithLabelValues(cfg.Name, "no_match", ""),
		detectTimeout:  m.detect.WithLabelValues(cfg.Name, "timeout", ""),
		replies:        m.statusCounters(m.localReplies, cfg.Name),
		implicitOneway: m.implicitOneway.WithLabelValues(cfg.Name),
		clientResets:   m.clientResets.WithLabelValues(cfg.Name),
		abandoned:      m.incompleteCloses.WithLabelValues(cfg.Name),
		slowClients:    m.slowClients.WithLabelValues(cfg.Name),
		pressurePauses: m.pressure.WithLabelValues(cfg.Name),
		timeouts:       newTimeoutCounters(m, cfg.Name),
		secure:         cfg.TLS != nil,
		highWater:      highWater,
		lowWater:       highWater / 2,
		writeLimit:     max(4*highWater, 2*cfg.MaxFrameSize),
	}
	rtg, err := newRouting(&cfg, clusters, reg, m)
	if err != nil {
		return nil, err
	}
	l.routing.Store(rtg)
	if len(cfg.Filters) > 0 {
		if l.filters, err = filter.NewChain(cfg.Filters, filter.Env{Listener: cfg.Name, Metrics: filterMetrics{m.filterEvents}, Log: l.log}); err != nil {
			return nil, fmt.Errorf("listener %s: %w", cfg.Name, err)
		}
	}
	for _, p := range protos {
		l.detectMatched[p.Name()] = m.detect.WithLabelValues(cfg.Name, "matched", p.Name())
	}
	l.initStats(protos)
	return l, nil
}

// highWater is the back-pressure threshold between a stream's two sides.
const highWater = 1 << 20

// start binds the listener's port.
func (l *listener) start() error {
	refused := l.m.connsRefused
	tlsCfg, err := l.serverTLS() // tlsconfig.go
	if err != nil {
		return err
	}
	s, err := transport.Listen(transport.ServerOptions{
		TLS:          tlsCfg,
		Address:      l.cfg.Address,
		Loops:        l.cfg.EventLoops,
		MaxConns:     l.cfg.MaxConnections,
		InboundLimit: l.cfg.MaxFrameSize + 1<<20,
		Accept:       l.accept,
		OnRefused:    func(reason string) { refused.WithLabelValues(l.cfg.Name, reason).Inc() },
		Logger:       l.log,
	})
	if err != nil {
		return fmt.Errorf("listener %s: %w", l.cfg.Name, err)
	}
	l.server = s
	return nil
}

func (l *listener) accept(c *transport.Conn) transport.Handler {
	if l.draining.Load() {
		l.m.connsRefused.WithLabelValues(l.cfg.Name, "draining").Inc()
		return nil
	}
	l.connsTotal.Inc()
	ds := &downstream{l: l, conn: c}
	c.Value = ds
	return ds
}

// drain stops accepting and closes every client connection with nothing in
// flight; the others are told to go away where the protocol can say so
// (HTTP/2 GOAWAY, HTTP/1.1 Connection: close) and close as their last
// reply is written.
func (l *listener) drain() {
	l.draining.Store(true)
	for _, loop := range l.server.Loops() {
		loop.Execute(func() {
			loop.Each(func(c *transport.Conn) {
				ds, ok := c.Value.(*downstream)
				if !ok {
					return
				}
				if ds.inflight == 0 {
					c.Close(nil)
					return
				}
				ds.goAway()
			})
		})
	}
}

func (l *listener) decodeError(protocol, side string, err error) {
	l.m.decodeErrors.WithLabelValues(l.cfg.Name, protocol, side, xprotocol.ErrorKind(err)).Inc()
	l.log.Debug("decode error", "protocol", protocol, "side", side, "err", err)
}
