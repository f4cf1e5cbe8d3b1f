package extensions

import (
	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/xprotocol"
)

// StampName is the filter's configuration name.
const StampName = "stamp"

// StampConfig is the filter's parsed settings.
type StampConfig struct {
	// Header is the response header to set (default x-served-by).
	Header string
	// Value is its value (required).
	Value string
}

// Stamp is the filter kind: settings {header, value}. Register it with
// filter.Register (the package's init does) or a private registry.
var Stamp = filter.Define(StampName,
	// Parse reads and checks the settings; `xgate validate` runs it too,
	// so it only reads. Unknown keys are reported for it.
	func(s *filter.Settings) StampConfig {
		c := StampConfig{Header: s.String("header", "x-served-by"), Value: s.String("value", "")}
		if c.Value == "" {
			s.Fail("value", "is required")
		}
		return c
	},
	// Build makes the listener's factory once. The filter keeps nothing
	// per request, so every request shares one instance.
	func(c StampConfig, env filter.Env) (filter.Factory, error) {
		return filter.Shared(&stamp{cfg: c, stamped: env.Counter("stamped")}), nil
	})

// stamp sets one header on every response head (a ResponseFilter). It
// runs on event loops concurrently: it only reads its configuration.
type stamp struct {
	cfg     StampConfig
	stamped filter.Counter
}

// OnResponse sets the header; the response goes on unchanged otherwise.
// Header().Set works for every protocol: a Bolt header-map entry, a Dubbo
// attachment, an HTTP field, a ToyRPC header.
func (s *stamp) OnResponse(_ *filter.Handle, _, resp xprotocol.Frame) filter.Result {
	if h := resp.Header(); h != nil {
		h.Set(s.cfg.Header, s.cfg.Value)
		s.stamped.Inc()
	}
	return filter.Continue
}
