// Package proxy is Xgate's protocol-agnostic engine: listeners with protocol
// detection, routing, clusters with load balancing and passive health,
// multiplexed upstream pools on the client's event loop, and the admin API.
// Nothing here names a concrete protocol; codecs come from the registry.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/tracing"
	"github.com/xgate/xgate/xprotocol"
)

// Options are the gateway's process-level dependencies.
type Options struct {
	// Registry supplies the protocols; nil means xprotocol.Default.
	Registry *xprotocol.Registry
	// Logger receives the gateway's logs; nil means slog.Default().
	Logger *slog.Logger
	// Loader, when set, reads the configuration again for a reload asked
	// for on the admin API (POST /reload); SIGHUP handling is the caller's
	// (cmd/xgate calls Reload).
	Loader func() (*config.Config, error)
	// LogLevel, when set, is the level of Logger's handler: the admin API
	// (GET and PUT /logging?level=debug) reads and changes it at run time.
	LogLevel *slog.LevelVar
}

// Gateway runs the listeners and admin server of one configuration.
type Gateway struct {
	cfg       *config.Config
	reg       *xprotocol.Registry
	loader    func() (*config.Config, error)
	reloadMu  sync.Mutex // one reload (or stop) at a time
	retiring  sync.WaitGroup
	stopping  chan struct{} // closed when Shutdown begins
	log       *slog.Logger
	m         *metrics
	listeners []*listener
	clusters  []*cluster
	admin     *http.Server
	adminLn   net.Listener
	adminDone chan struct{}
	ready     atomic.Bool
	tracer    *tracing.Tracer // nil while tracing is off
	logLevel  *slog.LevelVar  // nil: the log level is fixed (admin.go)
}

// New builds a gateway from a validated configuration without binding any
// port.
func New(cfg *config.Config, opts Options) (*Gateway, error) {
	reg := opts.Registry
	if reg == nil {
		reg = xprotocol.Default
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	g := &Gateway{cfg: cfg, reg: reg, loader: opts.Loader, log: log, m: newMetrics(), stopping: make(chan struct{}), logLevel: opts.LogLevel}
	g.m.reg.MustRegister(newClusterCollector(g)) // observe.go
	clusters, byName, err := g.buildClusters(cfg)
	if err != nil {
		return nil, err
	}
	g.clusters = clusters
	if g.tracer, err = tracing.New(cfg.Tracing, log); err != nil {
		return nil, err
	}
	for _, lc := range cfg.Listeners {
		l, err := g.buildListener(lc, byName)
		if err != nil {
			_ = g.tracer.Shutdown(context.Background()) // nothing was traced yet
			return nil, err
		}
		g.listeners = append(g.listeners, l)
	}
	return g, nil
}

// Start binds the admin server and every listener. On error, whatever was
// started is stopped again.
func (g *Gateway) Start() error {
	if !g.cfg.Admin.Disabled {
		if err := g.startAdmin(); err != nil {
			return err
		}
	}
	for _, cl := range g.clusters {
		err := cl.startDNS(g.log)
		if err == nil {
			err = cl.startHealthCheck(cl.hcConfig, cl.proto)
		}
		if err != nil {
			_ = g.stop(context.Background())
			return err
		}
	}
	for _, l := range g.listeners {
		if err := l.start(); err != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = g.stop(ctx)
			return err
		}
		g.log.Info("listening", "listener", l.cfg.Name, "address", l.cfg.Address, "protocols", l.cfg.Protocols)
	}
	g.ready.Store(true)
	return nil
}

// AdminAddr returns the admin server's bound address ("" when disabled).
func (g *Gateway) AdminAddr() string {
	if g.adminLn == nil {
		return ""
	}
	return g.adminLn.Addr().String()
}

func (g *Gateway) startAdmin() error {
	ln, err := net.Listen("tcp", g.cfg.Admin.Address)
	if err != nil {
		return fmt.Errorf("admin: listen on %s: %w", g.cfg.Admin.Address, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, _ *http.Request) {
		if !g.ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(g.m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("POST /reload", g.handleReload)
	mux.HandleFunc("POST /route_plugins/{name}/config", g.handlePluginConfig)
	g.registerAdmin(mux) // admin.go: /config, /clusters, /logging, /debug/pprof/
	g.adminLn = ln
	g.admin = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	g.adminDone = make(chan struct{})
	go func() {
		defer close(g.adminDone)
		if err := g.admin.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			g.log.Error("admin server", "err", err)
		}
	}()
	g.log.Info("admin listening", "address", ln.Addr().String())
	return nil
}

// Shutdown stops accepting connections, lets requests in flight finish until
// ctx is done, then closes everything.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.reloadMu.Lock()
	g.ready.Store(false) // no reload and no delayed listener start after this
	g.reloadMu.Unlock()
	select {
	case <-g.stopping:
	default:
		close(g.stopping)
	}
	defer g.retiring.Wait()
	for _, l := range g.listeners {
		if l.server != nil {
			l.drain()
		}
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		open := 0
		for _, l := range g.listeners {
			if l.server != nil {
				open += l.server.Conns()
			}
		}
		if open == 0 {
			break
		}
		select {
		case <-ctx.Done():
			g.log.Warn("shutdown deadline reached with connections open", "connections", open)
			break wait
		case <-tick.C:
		}
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return g.stop(stopCtx)
}

func (g *Gateway) stop(ctx context.Context) error {
	var errs []error
	for _, cl := range g.clusters {
		cl.stop()
	}
	for _, l := range g.listeners {
		if l.server != nil {
			if err := l.server.Stop(ctx); err != nil {
				errs = append(errs, err)
			}
			l.server = nil
		}
		if err := l.filters.Close(); err != nil {
			errs = append(errs, fmt.Errorf("listener %s filters: %w", l.cfg.Name, err))
		}
	}
	if g.admin != nil {
		if err := g.admin.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("admin: %w", err))
		}
		<-g.adminDone
		g.admin = nil
	}
	if err := g.tracer.Shutdown(ctx); err != nil { // flushes the spans still queued
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
