package filter

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/xgate/xgate/proxy/config"
)

// Kind is one registered filter type: its configuration name, how its
// settings are read and checked, and how it is built for a listener.
// Build one with Define.
type Kind struct {
	// Name is the filter's configuration name (filters[].name).
	Name string
	// parse reads the settings through s (problems recorded in s) and
	// returns the typed configuration.
	parse func(s *Settings) any
	// build makes the listener's factory from what parse returned.
	build func(cfg any, env Env) (Factory, error)
}

// Define makes a Kind whose settings parse into a C. parse reads them
// through Settings, which records every problem (and unknown settings);
// parse runs for every validation too, so it must have no side effects;
// build is called once per listener with a configuration that parsed
// without problems. A Factory that also implements io.Closer is closed
// with its Chain.
func Define[C any](name string, parse func(s *Settings) C, build func(cfg C, env Env) (Factory, error)) Kind {
	return Kind{
		Name:  name,
		parse: func(s *Settings) any { return parse(s) },
		build: func(cfg any, env Env) (Factory, error) { return build(cfg.(C), env) },
	}
}

// Registry holds filter kinds by name. It is safe for concurrent use.
type Registry struct {
	mu    sync.RWMutex
	kinds map[string]Kind
	names []string // registration order
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{kinds: make(map[string]Kind)} }

// Default holds the built-in filters (access_log, local_rate_limit,
// header_auth, fault) and any registered by extensions. It validates the
// filters of every configuration (config.SetFilterChecker).
var Default = NewRegistry()

// Register adds k to Default.
func Register(k Kind) error { return Default.Register(k) }

// Register adds k. It refuses an invalid or already registered name, and a
// Kind not made by Define.
func (r *Registry) Register(k Kind) error {
	if problem := checkKindName(k.Name); problem != "" {
		return fmt.Errorf("filter: register %q: %s", k.Name, problem)
	}
	if k.parse == nil || k.build == nil {
		return fmt.Errorf("filter: register %q: make the Kind with Define", k.Name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.kinds[k.Name]; dup {
		return fmt.Errorf("filter: %q is already registered", k.Name)
	}
	r.kinds[k.Name] = k
	r.names = append(r.names, k.Name)
	return nil
}

// MustRegister is Register that panics on error, for init functions.
func (r *Registry) MustRegister(k Kind) {
	if err := r.Register(k); err != nil {
		panic(err)
	}
}

func checkKindName(name string) string {
	if name == "" || len(name) > 64 {
		return "a name is 1 to 64 bytes"
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' && i > 0 || (c == '_' || c == '.' || c == '-') && i > 0) {
			return "a name holds lower-case letters, digits, '_', '.' and '-', and starts with a letter"
		}
	}
	return ""
}

// Lookup returns the kind called name.
func (r *Registry) Lookup(name string) (Kind, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.kinds[name]
	return k, ok
}

// FilterNames lists the registered names in registration order
// (config.FilterChecker).
func (r *Registry) FilterNames() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.names)
}

// CheckFilter reports the problems in the settings of filter name
// (config.FilterChecker).
func (r *Registry) CheckFilter(name string, settings config.RawConfig) []config.FilterProblem {
	k, ok := r.Lookup(name)
	if !ok {
		return []config.FilterProblem{{Msg: fmt.Sprintf("unknown filter %q", name)}}
	}
	_, problems := k.parseSettings(settings)
	return problems
}

func (k Kind) parseSettings(raw config.RawConfig) (any, []config.FilterProblem) {
	s := newSettings(raw)
	cfg := k.parse(s)
	return cfg, s.finish()
}

// SettingsError is a filter configuration that does not parse.
type SettingsError struct {
	Index    int // position in the listener's filters
	Filter   string
	Problems []config.FilterProblem
}

func (e *SettingsError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		if p.Key == "" {
			msgs[i] = p.Msg
		} else {
			msgs[i] = fmt.Sprintf("%s: %s", p.Key, p.Msg)
		}
	}
	return fmt.Sprintf("filters[%d] (%s): %s", e.Index, e.Filter, strings.Join(msgs, "; "))
}

// NewChain builds a listener's chain with Default.
func NewChain(filters []config.Filter, env Env) (*Chain, error) {
	return Default.NewChain(filters, env)
}

// NewChain builds the factories of a listener's filters, in order. env
// names the listener and carries its metrics; each filter gets a copy with
// Filter set. A configuration that passed config validation does not fail
// here except for resources (an access log file that cannot be opened).
func (r *Registry) NewChain(filters []config.Filter, env Env) (*Chain, error) {
	c := &Chain{listener: env.Listener}
	for i, fc := range filters {
		k, ok := r.Lookup(fc.Name)
		if !ok {
			c.Close()
			return nil, fmt.Errorf("filters[%d]: unknown filter %q (registered: %s)", i, fc.Name, strings.Join(r.FilterNames(), ", "))
		}
		cfg, problems := k.parseSettings(fc.Config)
		if len(problems) > 0 {
			c.Close()
			return nil, &SettingsError{Index: i, Filter: fc.Name, Problems: problems}
		}
		fenv := env
		fenv.Filter = fc.Name
		f, err := k.build(cfg, fenv)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("filters[%d] (%s): %w", i, fc.Name, err)
		}
		c.entries = append(c.entries, entry{name: fc.Name, factory: f,
			stopMsg: fmt.Sprintf("request stopped by filter %s", fc.Name)})
	}
	return c, nil
}

// Chain is one listener's configured filters, built once and shared by all
// its event loops. A nil *Chain has no filters.
type Chain struct {
	listener  string
	entries   []entry
	closeOnce sync.Once
	closeErr  error
}

type entry struct {
	name    string
	factory Factory
	stopMsg string
}

// Len returns the number of filters; the engine may skip Begin and Run
// altogether when it is 0.
func (c *Chain) Len() int {
	if c == nil {
		return 0
	}
	return len(c.entries)
}

// Names lists the filters in order.
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

// Close releases what the filters hold (the access log's writer goroutine
// and file, after writing what is queued). The engine calls it once the
// listener's event loops have stopped; requests must not run afterwards.
// It is idempotent.
func (c *Chain) Close() error {
	if c == nil {
		return nil
	}
	c.closeOnce.Do(func() {
		var errs []error
		for _, e := range c.entries {
			if cl, ok := e.factory.(io.Closer); ok {
				errs = append(errs, cl.Close())
			}
		}
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}
