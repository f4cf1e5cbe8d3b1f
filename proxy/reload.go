package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"time"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/lb"
	"github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/xprotocol"
)

// Reload: a new configuration is built in full (clusters, routers,
// listeners) before anything changes, so an invalid one is refused and the
// old one keeps serving. Then, atomically per listener, new routes and
// clusters take over for new requests while requests in flight finish on
// the clusters they started on; retired clusters close their upstream
// connections as they fall idle. A listener whose own settings (address,
// protocols, limits, TLS) changed, or that disappeared, is drained and
// stopped; new listeners are started.

// retireDrain bounds how long a removed or replaced listener may take to
// finish its requests.
const retireDrain = 30 * time.Second

func (g *Gateway) buildClusters(cfg *config.Config) ([]*cluster, map[string]*cluster, error) {
	var out []*cluster
	byName := make(map[string]*cluster, len(cfg.Clusters))
	prev := make(map[string]*lb.Table, len(g.clusters))
	for _, old := range g.clusters {
		if set := old.set.Load(); set != nil {
			prev[old.name] = set.table
		}
	}
	for i, cc := range cfg.Clusters {
		var proto xprotocol.Protocol
		if cc.Protocol != "" {
			var ok bool
			if proto, ok = g.reg.Lookup(cc.Protocol); !ok {
				return nil, nil, fmt.Errorf("cluster %s: protocol %q is not registered", cc.Name, cc.Protocol)
			}
		}
		cl, err := newCluster(i, cc, g.m, prev[cc.Name])
		if err != nil {
			return nil, nil, err
		}
		cl.proto = proto
		cl.hcConfig = cc.HealthCheck
		if err := cl.setupTLS(cc, g.log, g.m); err != nil {
			return nil, nil, err
		}
		out = append(out, cl)
		byName[cc.Name] = cl
	}
	return out, byName, nil
}

func (g *Gateway) buildListener(lc config.Listener, clusters map[string]*cluster) (*listener, error) {
	l, err := newListener(lc, g.reg, clusters, g.m, g.log)
	if l != nil {
		l.tracer = g.tracer
	}
	return l, err
}

// sameBinding reports whether two listener configurations differ only in
// what a reload can swap in place (routes and virtual hosts).
func sameBinding(a, b config.Listener) bool {
	a.Routes, b.Routes = nil, nil
	a.VirtualHosts, b.VirtualHosts = nil, nil
	return reflect.DeepEqual(a, b)
}

// Reload applies cfg (already parsed and validated) without dropping a
// request in flight. On error nothing changed.
func (g *Gateway) Reload(cfg *config.Config) error {
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	if !g.ready.Load() {
		return errors.New("reload: the gateway is not running")
	}
	if !reflect.DeepEqual(cfg.Admin, g.cfg.Admin) {
		return errors.New("reload: admin settings cannot change without a restart")
	}
	if !reflect.DeepEqual(cfg.Tracing, g.cfg.Tracing) {
		return errors.New("reload: tracing settings cannot change without a restart")
	}
	clusters, byName, err := g.buildClusters(cfg)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	old := make(map[string]*listener, len(g.listeners))
	for _, l := range g.listeners {
		old[l.cfg.Name] = l
	}
	type swap struct {
		l *listener
		r *routing
	}
	var swaps []swap
	var started, next []*listener
	keep := make(map[*listener]bool)
	fail := func(err error) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, l := range started {
			_ = l.server.Stop(ctx)
		}
		return fmt.Errorf("reload: %w", err)
	}
	for _, lc := range cfg.Listeners {
		nl, err := g.buildListener(lc, byName)
		if err != nil {
			return fail(err)
		}
		if ol := old[lc.Name]; ol != nil && sameBinding(ol.cfg, lc) {
			swaps = append(swaps, swap{ol, nl.routing.Load()})
			keep[ol] = true
			next = append(next, ol)
			continue
		}
		if ol := old[lc.Name]; ol != nil && ol.cfg.Address == lc.Address {
			// Same port, new settings: the old listener must let go of
			// the port first, so this one starts once it has drained.
			next = append(next, nl)
			continue
		}
		if err := nl.start(); err != nil {
			return fail(err)
		}
		started = append(started, nl)
		next = append(next, nl)
	}
	// Commit.
	for _, s := range swaps {
		s.l.routing.Store(s.r)
	}
	for _, l := range g.listeners {
		if !keep[l] {
			g.retireListener(l, next)
		}
	}
	for _, cl := range clusters {
		if err := cl.startDNS(g.log); err != nil {
			g.log.Warn("dns not started", "cluster", cl.name, "err", err)
		}
		if err := cl.startHealthCheck(cl.hcConfig, cl.proto); err != nil {
			g.log.Warn("health check not started", "cluster", cl.name, "err", err)
		}
	}
	for _, cl := range g.clusters {
		cl.retired.Store(true)
		cl.stop()
	}
	for _, l := range next {
		if l.server != nil {
			l.sweepRetired()
		}
	}
	g.m.forgetHosts(g.clusters, clusters) // per-host series of hosts that left (observe.go)
	g.m.forgetRoutes(next)                // and per-route series of routes that left
	g.listeners, g.clusters, g.cfg = next, clusters, cfg
	g.m.reloads.WithLabelValues("ok").Inc()
	g.log.Info("configuration reloaded", "listeners", len(next), "clusters", len(clusters))
	return nil
}

// retireListener drains l and stops it in the background; a listener of
// next waiting for l's port is started then.
func (g *Gateway) retireListener(l *listener, next []*listener) {
	var successor *listener
	for _, n := range next {
		if n.cfg.Name == l.cfg.Name && n.server == nil && n != l {
			successor = n
		}
	}
	l.drain()
	g.retiring.Add(1)
	go func() {
		defer g.retiring.Done()
		deadline := time.Now().Add(retireDrain)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
	wait:
		for l.server.Conns() > 0 && time.Now().Before(deadline) {
			select {
			case <-tick.C:
			case <-g.stopping:
				break wait // the gateway is shutting down: stop now
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := l.server.Stop(ctx); err != nil {
			g.log.Warn("stopping a retired listener", "listener", l.cfg.Name, "err", err)
		}
		_ = l.filters.Close()
		if successor != nil {
			g.reloadMu.Lock()
			defer g.reloadMu.Unlock()
			if !g.ready.Load() {
				return // shutting down meanwhile
			}
			if err := successor.start(); err != nil {
				g.log.Error("starting a reconfigured listener", "listener", successor.cfg.Name, "err", err)
				return
			}
			g.log.Info("listening", "listener", successor.cfg.Name, "address", successor.cfg.Address)
		}
	}()
}

// sweepRetired closes, on every loop of l, the idle upstream connections
// of clusters a reload retired; busy ones close when their last request
// ends (upstream.maybeRetire).
func (l *listener) sweepRetired() {
	for _, loop := range l.server.Loops() {
		loop.Execute(func() {
			ls, ok := loop.Value.(*loopState)
			if !ok {
				return
			}
			for _, hp := range ls.pools {
				if hp.cl.retired.Load() {
					hp.retire()
				}
			}
		})
	}
}

// retire closes the pool's connections that carry nothing.
func (hp *hostPool) retire() {
	for _, u := range append([]*upstream(nil), hp.conns...) {
		u.maybeRetire()
	}
}

// handleReload serves POST /reload: it reads the configuration again and
// applies it, or says why not (the old configuration keeps serving).
func (g *Gateway) handleReload(w http.ResponseWriter, _ *http.Request) {
	if g.loader == nil {
		http.Error(w, "reload: no configuration source", http.StatusNotImplemented)
		return
	}
	cfg, err := g.loader()
	if err == nil {
		err = g.Reload(cfg)
	}
	if err != nil {
		g.m.reloads.WithLabelValues("refused").Inc()
		g.log.Warn("reload refused", "err", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	_, _ = w.Write([]byte("reloaded\n"))
}

// handlePluginConfig serves POST /route_plugins/{name}/config: the body
// (JSON) is pushed to the route plugin's configurator, which validates it
// in full and swaps it in atomically; requests in flight see either the
// old or the new configuration.
func (g *Gateway) handlePluginConfig(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = route.Default.Configure(r.PathValue("name"), body)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	g.log.Info("route plugin configured", "plugin", r.PathValue("name"))
	_, _ = w.Write([]byte("configured\n"))
}
