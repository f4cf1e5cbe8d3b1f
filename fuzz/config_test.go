package fuzz

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	_ "github.com/xgate/xgate/codecs/all" // the protocols a configuration may name
	"github.com/xgate/xgate/proxy/config"
	_ "github.com/xgate/xgate/proxy/filter" // the built-in stream filters and their settings checks
	"github.com/xgate/xgate/proxy/route"
	_ "github.com/xgate/xgate/proxy/route/zoneaffinity" // the example route plugin
	"github.com/xgate/xgate/xprotocol"
)

// configFuzzMax bounds a fuzzed configuration: a few hundred lines, enough
// for every key.
const configFuzzMax = 16 << 10

// configFuzzMaxAliases bounds the aliases ("*name") of a fuzzed
// configuration. The loader stops expanding aliases at a million values,
// which takes seconds: bounded, and tested by proxy/config's
// TestParseAliasBombIsBounded, but too slow for every fuzzing run. Sixteen
// aliases expand to a few hundred values at most.
const configFuzzMaxAliases = 16

// configRegistered is what `xgate validate` checks against (cmd/xgate's
// registered()), minus the out-of-process and WebAssembly filters, whose
// settings checks read files.
func configRegistered() config.Registered {
	return config.Registered{
		Protocols:        xprotocol.Default.Names(),
		RoutePlugins:     route.Default.Names(),
		CheckRoutePlugin: route.Default.CheckConfig,
	}
}

// configSeeds are every YAML configuration in the repository: examples/
// (the demo and the deliberately broken ones), proxy/config/testdata, the
// example of docs/DESIGN.md's configuration contract and a few edge cases
// of YAML itself (anchors and merge keys, nested aliases, flow style).
func configSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, pattern := range []string{"../examples/*.yaml", "../examples/*/*.yaml", "../examples/*/*/*.yaml", "../proxy/config/testdata/*.yaml"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			seeds = append(seeds, b)
		}
	}
	if len(seeds) < 6 {
		t.Fatalf("found %d configuration files, want the demo, the broken examples and testdata", len(seeds))
	}
	if doc, err := os.ReadFile("../docs/DESIGN.md"); err == nil {
		if _, rest, ok := strings.Cut(string(doc), "```yaml\n"); ok {
			if example, _, ok := strings.Cut(rest, "```"); ok {
				seeds = append(seeds, []byte(example))
			}
		}
	}
	return append(seeds,
		[]byte("base: &b {endpoints: [127.0.0.1:1]}\nclusters: [{<<: *b, name: up}]\nlisteners: [{name: l, address: 127.0.0.1:1, routes: [{cluster: up}]}]\n"),
		[]byte("a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nlisteners: [*c, *c]\n"),
		[]byte("{listeners: [{name: l, address: '127.0.0.1:0', routes: [{match: {}, direct_response: {status: ok}}]}]}"),
		[]byte("listeners:\n  - name: l\n    address: 127.0.0.1:1\n    routes: [{cluster: up}]\n---\nclusters: []\n"),
		[]byte(""), []byte("~\n"), []byte("- a\n"), []byte("admin: {address: [}\n"),
	)
}

// FuzzConfig parses arbitrary YAML with the configuration loader. It never
// panics or runs away (inputs are bounded in size and in aliases); a
// refused configuration returns config.Errors whose every
// problem says where it is (a line within the file, or a field path) and
// is listed in line order; an accepted one passes validation again, parses
// again to the same Config, and marshalled back to YAML (marshalConfig)
// parses to a Config that marshals the same.
func FuzzConfig(f *testing.F) {
	for _, s := range configSeeds(f) {
		f.Add(s)
	}
	reg := configRegistered()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > configFuzzMax || bytes.Count(data, []byte("*")) > configFuzzMaxAliases {
			return
		}
		c, err := config.ParseWith(data, reg)
		if err != nil {
			if c != nil {
				t.Fatal("a refused configuration came with a Config")
			}
			checkConfigErrors(t, data, err)
			return
		}
		if err := c.ValidateWith(reg); err != nil {
			t.Fatalf("an accepted configuration fails validation: %v", err)
		}
		again, err := config.ParseWith(data, reg)
		if err != nil || !reflect.DeepEqual(c, again) {
			t.Fatalf("parsing twice differs (%v):\n%+v\n%+v", err, c, again)
		}
		out := marshalConfig(t, c)
		back, err := config.ParseWith(out, reg)
		if err != nil {
			t.Fatalf("the marshalled configuration is refused: %v\n%s", err, out)
		}
		if a, b := marshalConfig(t, c), marshalConfig(t, back); !bytes.Equal(a, b) {
			t.Fatalf("the marshalled configuration parses differently:\n%s\nbecomes\n%s", a, b)
		}
	})
}

// marshalConfig writes c back as YAML a user could have written: the
// Config types marshal every field, and the loader reads an empty list
// ("weighted_clusters: []") as set, so keys whose value is null, an empty
// list or an empty mapping are left out, as a user leaves them out, except
// under plugin and filter settings (config:), which are kept as written.
// Two Configs that marshal the same are the same configuration (nil and
// empty lists and maps marshal alike).
func marshalConfig(t *testing.T, c *config.Config) []byte {
	t.Helper()
	var doc yaml.Node
	if err := doc.Encode(c); err != nil {
		t.Fatalf("marshalling an accepted configuration: %v", err)
	}
	pruneEmpty(&doc)
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatalf("marshalling an accepted configuration: %v", err)
	}
	return out
}

// pruneEmpty removes the mapping keys of n whose values are null or empty
// collections (after pruning them), below any key but config.
func pruneEmpty(n *yaml.Node) {
	for _, child := range n.Content {
		if n.Kind != yaml.MappingNode {
			pruneEmpty(child)
		}
	}
	if n.Kind != yaml.MappingNode {
		return
	}
	kept := n.Content[:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value != "config" {
			pruneEmpty(v)
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" || v.Kind != yaml.ScalarNode && len(v.Content) == 0 {
				continue
			}
		}
		kept = append(kept, k, v)
	}
	n.Content = kept
}

// checkConfigErrors asserts the contract of a refusal.
func checkConfigErrors(t *testing.T, data []byte, err error) {
	t.Helper()
	var errs config.Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		t.Fatalf("refusal is not a non-empty config.Errors: %T %v", err, err)
	}
	lines := yamlLineCount(data)
	for i, e := range errs {
		if e == nil || e.Msg == "" {
			t.Fatalf("problem %d has no message: %v", i, err)
		}
		if e.Line < 0 || e.Line > lines {
			t.Fatalf("problem %q is on line %d of a %d-line file", e.Error(), e.Line, lines)
		}
		if e.Line == 0 && e.Path == "" && !strings.HasPrefix(e.Msg, "the configuration is empty") {
			t.Fatalf("problem %q says neither its line nor its field", e.Error())
		}
		if i > 0 && e.Line < errs[i-1].Line {
			t.Fatalf("problems out of line order:\n%v", err)
		}
		if !strings.Contains(err.Error(), e.Error()) {
			t.Fatalf("Error() leaves out %q", e.Error())
		}
	}
}

// yamlLineCount counts lines as YAML 1.1 (yaml.v3's reader) does: CR LF,
// CR, LF, NEL, LS and PS each end one.
func yamlLineCount(data []byte) int {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	return 1 + strings.Count(s, "\n") + strings.Count(s, "\r") + strings.Count(s, "\u0085") +
		strings.Count(s, "\u2028") + strings.Count(s, "\u2029")
}

// TestConfigSeeds guards the seeds: the demo and testdata configurations
// are accepted (so the round trip is exercised), the broken examples are
// refused with their line.
func TestConfigSeeds(t *testing.T) {
	reg := configRegistered()
	accepted, refused := 0, 0
	for _, s := range configSeeds(t) {
		c, err := config.ParseWith(s, reg)
		if err != nil {
			checkConfigErrors(t, s, err)
			refused++
			continue
		}
		if _, err := config.ParseWith(marshalConfig(t, c), reg); err != nil {
			t.Fatalf("marshalled back, an accepted seed is refused: %v", err)
		}
		accepted++
	}
	if accepted < 3 || refused < 5 {
		t.Fatalf("%d seeds accepted, %d refused; want at least 3 and 5", accepted, refused)
	}
}
