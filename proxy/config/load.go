package config

import (
	"fmt"
	"os"
	"reflect"
	"sort"

	"gopkg.in/yaml.v3"
)

// Load reads the configuration file at path and parses it like Parse. A file
// that cannot be read gives the os error (wrapped); a file with problems
// gives Errors, whose lines refer to the file but which do not repeat its
// name, so the caller prefixes it ("xgate.yaml: line 12: ...").
func Load(path string, known []string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(data, known)
}

// Parse decodes one YAML document into a Config, fills the default of every
// key that is absent, and validates the result with known as the registered
// protocol names (usually xprotocol.Default.Names(); "auto" is always
// accepted on listeners). On any problem it returns a nil Config and an
// Errors listing every problem found, in line order.
func Parse(data []byte, known []string) (*Config, error) {
	return parse(data, known, maxValues)
}

// parse is Parse with a bound on the number of values decoded (see
// maxValues), which tests lower to stay fast.
func parse(data []byte, known []string, budget int) (*Config, error) {
	return parseWith(data, Registered{Protocols: known}, budget)
}

// parseWith is ParseWith with a bound on the number of values decoded.
func parseWith(data []byte, reg Registered, budget int) (*Config, error) {
	root, ferr := readDocument(data)
	if ferr != nil {
		return nil, Errors{ferr}
	}
	src := newSource()
	d := &decoder{src: src, budget: budget}
	c := &Config{Admin: DefaultAdmin()}
	if root.Kind == yaml.MappingNode {
		d.value(root, reflect.ValueOf(c).Elem(), "")
	} else {
		d.fail("", root.Line, "the configuration must be a mapping with the keys admin, listeners and clusters, got %s", describe(root))
	}
	errs := append(d.errs, validate(c, reg, src)...)
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return nil, errs
	}
	return c, nil
}
