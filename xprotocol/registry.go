package xprotocol

import (
	"fmt"
	"sync"
)

// Registry holds protocols by name in registration order, so detection walks
// them deterministically.
type Registry struct {
	mu     sync.RWMutex
	byName map[string]Protocol
	order  []Protocol
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byName: make(map[string]Protocol)}
}

// Register adds p. It refuses an empty name, the reserved name "auto" and a
// name that is already registered.
func (r *Registry) Register(p Protocol) error {
	name := p.Name()
	if name == "" || name == "auto" {
		return fmt.Errorf("xprotocol: register: invalid protocol name %q", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.byName[name]; dup {
		return fmt.Errorf("xprotocol: register: protocol %q is already registered", name)
	}
	r.byName[name] = p
	r.order = append(r.order, p)
	return nil
}

// Lookup returns the protocol registered under name.
func (r *Registry) Lookup(name string) (Protocol, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.byName[name]
	return p, ok
}

// List returns every registered protocol in registration order.
func (r *Registry) List() []Protocol {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]Protocol(nil), r.order...)
}

// Detectable returns the protocols an `auto` listener detects among, in
// registration order: every registered one except aliases (see Alias),
// which are detected as the protocol they ride on.
func (r *Registry) Detectable() []Protocol {
	var out []Protocol
	for _, p := range r.List() {
		if _, alias := p.(Alias); !alias {
			out = append(out, p)
		}
	}
	return out
}

// Names returns the registered names in registration order.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, len(r.order))
	for i, p := range r.order {
		names[i] = p.Name()
	}
	return names
}

// Default is the process-wide registry codecs add themselves to.
var Default = NewRegistry()

// Register adds p to the Default registry and panics on a duplicate name: it
// is meant for a codec's init, where a clash is a programming error.
func Register(p Protocol) {
	if err := Default.Register(p); err != nil {
		panic(err)
	}
}

// Lookup finds name in the Default registry.
func Lookup(name string) (Protocol, bool) { return Default.Lookup(name) }

// List returns the Default registry's protocols in registration order.
func List() []Protocol { return Default.List() }

// Detectable returns the Default registry's protocols an `auto` listener
// detects among.
func Detectable() []Protocol { return Default.Detectable() }
