package config

import (
	"fmt"
	"os"
)

// Registered is what the linked-in registries offer a configuration: the
// protocol names (usually xprotocol.Default.Names()) and the route plugin
// names (usually route.Default.Names()). This package depends on neither
// registry: the caller passes their contents.
type Registered struct {
	// Protocols are the registered protocol names; "auto" is always
	// accepted on listeners.
	Protocols []string

	// RoutePlugins are the registered route plugin names; a route that
	// names another plugin is refused.
	RoutePlugins []string

	// CheckRoutePlugin, when set, checks a plugin's static configuration
	// (RoutePlugin.Config, JSON or nil) and returns why it is refused, so
	// that `xgate validate` reports it with its line (usually
	// route.Default.CheckConfig). Called only for registered names.
	CheckRoutePlugin func(name string, config []byte) error
}

// ParseWith is Parse with route plugins: Parse(data, known) is
// ParseWith(data, Registered{Protocols: known}), under which any plugin a
// route names is unknown.
func ParseWith(data []byte, reg Registered) (*Config, error) {
	return parseWith(data, reg, maxValues)
}

// LoadWith is Load with route plugins (see ParseWith).
func LoadWith(path string, reg Registered) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return ParseWith(data, reg)
}

// ValidateWith is Validate with route plugins (see ParseWith).
func (c *Config) ValidateWith(reg Registered) error {
	if errs := validate(c, reg, nil); len(errs) > 0 {
		return errs
	}
	return nil
}
