package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xgate/xgate/proxy/internal/clock"
)

// Resolver looks up a host name's addresses; *net.Resolver implements it.
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// Config is one strict_dns cluster's resolution.
type Config struct {
	// Endpoints are the cluster's "host:port" endpoints.
	Endpoints []string
	// RefreshRate is the time between two resolutions (dns_refresh_rate).
	RefreshRate time.Duration
	// Timeout bounds one resolution round; 0 means RefreshRate.
	Timeout time.Duration
	// Resolver resolves names; nil is net.DefaultResolver.
	Resolver Resolver
	// OnChange, when set, is called from the watcher's goroutine (or
	// Refresh's caller) with the new address set when it changed. The slice
	// is shared: do not modify it.
	OnChange func(addrs []string)
	// OnError, when set, is called for each name that failed to resolve.
	OnError func(host string, err error)
	// Clock drives the refresh; nil is the real clock.
	Clock clock.Clock
}

// endpoint is one configured host:port.
type endpoint struct {
	host, port string
	literal    bool // host is an IP address
}

// Watcher resolves one cluster's endpoints.
type Watcher struct {
	cfg       Config
	endpoints []endpoint
	addrs     atomic.Pointer[[]string]

	mu   sync.Mutex          // one refresh at a time
	last map[string][]string // host -> its last good addresses

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	start  sync.Once
	stop   sync.Once
}

// New checks the endpoints and returns a watcher; no resolution happens
// until Refresh or Start.
func New(cfg Config) (*Watcher, error) {
	if cfg.RefreshRate <= 0 {
		return nil, errors.New("dns: refresh rate must be > 0")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = cfg.RefreshRate
	}
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real
	}
	w := &Watcher{cfg: cfg, last: make(map[string][]string), done: make(chan struct{})}
	for _, ep := range cfg.Endpoints {
		host, port, err := net.SplitHostPort(ep)
		if err != nil {
			return nil, fmt.Errorf("dns: endpoint %q: %w", ep, err)
		}
		w.endpoints = append(w.endpoints, endpoint{host: host, port: port, literal: net.ParseIP(host) != nil})
	}
	w.addrs.Store(new([]string))
	w.ctx, w.cancel = context.WithCancel(context.Background())
	return w, nil
}

// Addresses returns the current "ip:port" set, sorted; empty before the
// first successful resolution. The slice is shared: do not modify it.
func (w *Watcher) Addresses() []string { return *w.addrs.Load() }

// Refresh resolves every endpoint once, publishes the new set and calls
// OnChange if it changed. It returns the resolution errors joined (the
// names that failed kept their last good addresses).
func (w *Watcher) Refresh(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()

	var errs []error
	var set []string
	resolved := make(map[string][]string)
	for _, ep := range w.endpoints {
		if ep.literal {
			set = append(set, net.JoinHostPort(ep.host, ep.port))
			continue
		}
		ips, ok := resolved[ep.host]
		if !ok {
			var err error
			ips, err = w.lookup(ctx, ep.host)
			if err != nil {
				errs = append(errs, err)
				if w.cfg.OnError != nil && parent.Err() == nil {
					w.cfg.OnError(ep.host, err)
				}
				ips = w.last[ep.host]
			} else {
				w.last[ep.host] = ips
			}
			resolved[ep.host] = ips
		}
		for _, ip := range ips {
			set = append(set, net.JoinHostPort(ip, ep.port))
		}
	}
	slices.Sort(set)
	set = slices.Compact(set)
	if !slices.Equal(set, *w.addrs.Load()) {
		w.addrs.Store(&set)
		if w.cfg.OnChange != nil {
			w.cfg.OnChange(set)
		}
	}
	return errors.Join(errs...)
}

func (w *Watcher) lookup(ctx context.Context, host string) ([]string, error) {
	ips, err := w.cfg.Resolver.LookupHost(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("dns: resolving %s: %w", host, err)
	}
	var out []string
	for _, ip := range ips {
		if p := net.ParseIP(ip); p != nil {
			out = append(out, p.String())
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("dns: resolving %s: no addresses", host)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Start resolves now and then every RefreshRate, on a goroutine of its own,
// until Stop.
func (w *Watcher) Start() {
	w.start.Do(func() { go w.run() })
}

// Stop ends the refreshes, cancelling one in flight, and waits for the
// goroutine. It may be called without Start, and more than once.
func (w *Watcher) Stop() {
	w.stop.Do(func() {
		w.cancel()
		w.start.Do(func() { close(w.done) })
	})
	<-w.done
}

func (w *Watcher) run() {
	defer close(w.done)
	tk := w.cfg.Clock.NewTicker(w.cfg.RefreshRate)
	defer tk.Stop()
	for {
		_ = w.Refresh(w.ctx) // errors go to OnError; the last good set stays
		select {
		case <-w.ctx.Done():
			return
		case <-tk.C():
		}
	}
}
