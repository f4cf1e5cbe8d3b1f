package route

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/xgate/xgate/xprotocol"
)

// Host is an upstream host as route plugins see it. The engine's host
// type implements it.
type Host interface {
	// Address is the host's "host:port".
	Address() string
	// Metadata is the host's labels (zone, version, ...); it must not be
	// changed by plugins.
	Metadata() map[string]string
	// Healthy reports whether the host is in service (not ejected).
	Healthy() bool
}

// Configurator takes dynamic configuration pushed at run time (from an
// admin endpoint or a control plane). Configure may be called at any time,
// concurrently with requests and with itself; an implementation validates
// raw in full, then publishes it at once (an atomic.Pointer to an immutable
// value) so that a request sees either the old or the new configuration,
// never a mix. An error leaves the live configuration unchanged.
type Configurator interface {
	Configure(raw []byte) error
}

// Handler is one route's instance of a plugin.
type Handler interface {
	// Handle chooses among hosts, the candidate hosts of the request's
	// cluster (the previous handler's choice), for request f. It appends
	// the hosts it keeps to dst (empty, with capacity to reuse) and returns
	// it, or returns hosts itself (or a prefix of it), and may record
	// what it decided in md. It returns no host when none will do: the
	// engine then answers unavailable.
	//
	// Handle runs on an event loop, concurrently with other requests and
	// with Configure: it must not block, and must not keep f, hosts, dst or
	// md (nor values read from f) after it returns.
	Handle(f xprotocol.Frame, hosts []Host, dst []Host, md *Metadata) []Host
}

// RouteFactory is a route plugin as registered: it builds a Handler per
// route that names it, and takes dynamic configuration that applies to all
// of them.
type RouteFactory interface {
	Configurator
	// Name is the plugin's configuration name (routes[].plugins[].name).
	Name() string
	// Order places the plugin in a route's chain: lower runs first; equal
	// orders keep the route's configuration order.
	Order() int
	// NewHandler builds a route's handler from its static configuration:
	// the route's plugins[].config as JSON, nil when absent. It returns an
	// error for a configuration it cannot use.
	NewHandler(config []byte) (Handler, error)
}

// Registry holds route plugin factories by name.
type Registry struct {
	mu     sync.RWMutex
	byName map[string]RouteFactory
	order  []RouteFactory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byName: make(map[string]RouteFactory)}
}

// Register adds f; it refuses an empty name and a name already registered.
func (r *Registry) Register(f RouteFactory) error {
	name := f.Name()
	if name == "" {
		return fmt.Errorf("route: register: invalid plugin name %q", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.byName[name]; dup {
		return fmt.Errorf("route: register: plugin %q is already registered", name)
	}
	r.byName[name] = f
	r.order = append(r.order, f)
	return nil
}

// Lookup returns the factory registered under name.
func (r *Registry) Lookup(name string) (RouteFactory, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f, ok := r.byName[name]
	return f, ok
}

// Names returns the registered names in registration order (for
// config.Registered.RoutePlugins).
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, len(r.order))
	for i, f := range r.order {
		names[i] = f.Name()
	}
	return names
}

// Configure pushes dynamic configuration to the plugin registered as name.
func (r *Registry) Configure(name string, raw []byte) error {
	f, ok := r.Lookup(name)
	if !ok {
		return fmt.Errorf("route: configure: unknown plugin %q", name)
	}
	return f.Configure(raw)
}

// CheckConfig reports whether the plugin registered as name accepts
// config as a route's static configuration (for
// config.Registered.CheckRoutePlugin): it builds a handler and drops it.
func (r *Registry) CheckConfig(name string, config []byte) error {
	f, ok := r.Lookup(name)
	if !ok {
		return fmt.Errorf("unknown route plugin %q", name)
	}
	_, err := f.NewHandler(config)
	return err
}

// Default is the process-wide registry plugins add themselves to.
var Default = NewRegistry()

// Register adds f to the Default registry and panics on a duplicate name:
// it is meant for a plugin's init, where a clash is a programming error.
func Register(f RouteFactory) {
	if err := Default.Register(f); err != nil {
		panic(err)
	}
}

// Chain is a route's plugin handlers in run order.
type Chain struct {
	entries []chainEntry
}

type chainEntry struct {
	name    string
	order   int
	handler Handler
}

// newChain orders entries by factory order, keeping configuration order
// among equals.
func newChain(entries []chainEntry) *Chain {
	if len(entries) == 0 {
		return nil
	}
	slices.SortStableFunc(entries, func(a, b chainEntry) int { return cmp.Compare(a.order, b.order) })
	return &Chain{entries: entries}
}

// Len returns the number of handlers.
func (c *Chain) Len() int {
	if c == nil {
		return 0
	}
	return len(c.entries)
}

// Names returns the plugin names in run order.
func (c *Chain) Names() []string {
	if c == nil {
		return nil
	}
	names := make([]string, len(c.entries))
	for i, e := range c.entries {
		names[i] = e.name
	}
	return names
}

// Run passes hosts through every handler in order, each narrowing the
// previous one's choice, and returns the hosts left (possibly none). It
// stops early when a handler keeps no host. s holds the buffers and the
// Metadata; the result aliases s (or hosts, for an empty chain) and is
// valid until s is used again. Run resets s.Metadata first. With an s
// reused per event loop, Run allocates nothing of its own.
func (c *Chain) Run(f xprotocol.Frame, hosts []Host, s *Selection) []Host {
	s.Metadata.Reset()
	if c == nil {
		return hosts
	}
	in, cur := hosts, -1 // cur: the buffer in is held in, -1 for hosts
	for _, e := range c.entries {
		b := 0
		if cur == 0 {
			b = 1
		}
		out := e.handler.Handle(f, in, s.bufs[b][:0], &s.Metadata)
		if len(out) == 0 {
			return out
		}
		if len(in) > 0 && &out[0] == &in[0] {
			in = out // the handler kept (a prefix of) its input
			continue
		}
		if cap(out) > cap(s.bufs[b]) {
			s.bufs[b] = out[:0] // keep the grown buffer
		}
		in, cur = out, b
	}
	return in
}

// Selection is the scratch state of Chain.Run: two host buffers used in
// turn and the metadata the handlers recorded. Keep one per event loop
// (it is not safe for concurrent use) and read Metadata after Run.
type Selection struct {
	Metadata Metadata
	bufs     [2][]Host
}

// Metadata is what a chain's handlers decided, as string pairs, for the
// engine to carry on (logs, upstream headers, load balancer hints). It
// reuses its storage across requests.
type Metadata struct {
	kv []string
}

// Set records key = value, replacing an earlier value of key.
func (m *Metadata) Set(key, value string) {
	for i := 0; i < len(m.kv); i += 2 {
		if m.kv[i] == key {
			m.kv[i+1] = value
			return
		}
	}
	m.kv = append(m.kv, key, value)
}

// Get returns the value of key.
func (m *Metadata) Get(key string) (string, bool) {
	for i := 0; i < len(m.kv); i += 2 {
		if m.kv[i] == key {
			return m.kv[i+1], true
		}
	}
	return "", false
}

// Range calls fn for each pair in the order set, until fn returns false.
func (m *Metadata) Range(fn func(key, value string) bool) {
	for i := 0; i < len(m.kv); i += 2 {
		if !fn(m.kv[i], m.kv[i+1]) {
			return
		}
	}
}

// Len returns the number of pairs.
func (m *Metadata) Len() int { return len(m.kv) / 2 }

// Reset forgets every pair, keeping the storage.
func (m *Metadata) Reset() {
	clear(m.kv)
	m.kv = m.kv[:0]
}
