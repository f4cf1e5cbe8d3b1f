package config

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeFilters stands in for proxy/filter's registry: "limit" needs a
// positive whole "rate"; "log" takes anything.
type fakeFilters struct{}

func (fakeFilters) FilterNames() []string { return []string{"log", "limit"} }

func (fakeFilters) CheckFilter(name string, settings RawConfig) []FilterProblem {
	if name != "limit" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(settings, &m); err != nil || m == nil {
		return []FilterProblem{{Msg: "must be a mapping with rate"}}
	}
	var out []FilterProblem
	if r, ok := m["rate"].(float64); !ok || r <= 0 {
		out = append(out, FilterProblem{Key: "rate", Msg: "must be a positive number"})
	}
	for k := range m {
		if k != "rate" {
			out = append(out, FilterProblem{Key: k, Msg: "unknown setting"})
		}
	}
	return out
}

// withChecker installs c for one test.
func withChecker(t *testing.T, c FilterChecker) {
	t.Helper()
	old := currentFilterChecker()
	SetFilterChecker(c)
	t.Cleanup(func() { SetFilterChecker(old) })
}

// filterBase is validBase's first listener with filters; the lines below
// refer to it.
const filterBase = `listeners:
  - name: edge
    address: 127.0.0.1:2045
    filters:
      - name: log
      - name: limit
        config:
          rate: 100
    routes:
      - cluster: up
clusters:
  - {name: up, endpoints: [127.0.0.1:1]}
`

func TestParseFilters(t *testing.T) {
	withChecker(t, fakeFilters{})
	c, err := Parse([]byte(filterBase), testProtocols)
	require.NoError(t, err)
	require.Len(t, c.Listeners[0].Filters, 2)
	assert.Equal(t, Filter{Name: "log"}, c.Listeners[0].Filters[0])
	assert.Equal(t, "limit", c.Listeners[0].Filters[1].Name)
	assert.JSONEq(t, `{"rate": 100}`, string(c.Listeners[0].Filters[1].Config))

	noFilters, err := Parse([]byte(validBase), testProtocols)
	require.NoError(t, err)
	assert.Nil(t, noFilters.Listeners[0].Filters, "filters are optional")
}

func TestParseFiltersBroken(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		path     string
		line     int
		msg      string
	}{
		{"missing name", "      - name: log\n", "      - config: {a: 1}\n",
			"listeners[0].filters[0].name", 5, "is required (the name of a registered filter, e.g. access_log)"},
		{"unknown name", "- name: log", "- name: logs",
			"listeners[0].filters[0].name", 5, `unknown filter "logs" (registered: log, limit)`},
		{"bad setting", "rate: 100", "rate: -1",
			"listeners[0].filters[1].config.rate", 7, "must be a positive number"},
		{"unknown setting", "rate: 100", "rate: 100\n          burst: 5",
			"listeners[0].filters[1].config.burst", 7, "unknown setting"},
		{"settings as a whole", "        config:\n          rate: 100\n", "        config: [rate]\n",
			"listeners[0].filters[1].config", 7, "must be a mapping with rate"},
		{"misspelt key", "        config:\n", "        confg:\n",
			"listeners[0].filters[1].confg", 7, `unknown field "confg" (did you mean "config"?)`},
		{"filters not a list", "    filters:\n      - name: log\n      - name: limit\n        config:\n          rate: 100\n", "    filters: {name: log}\n",
			"listeners[0].filters", 4, `must be a list, got a mapping`},
		{"filter not a mapping", "      - name: log\n", "      - log\n",
			"listeners[0].filters[0]", 5, `must be a mapping of keys to values, got "log"`},
	}
	withChecker(t, fakeFilters{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, 1, strings.Count(filterBase, tt.old), "edit %q", tt.old)
			doc := strings.Replace(filterBase, tt.old, tt.new, 1)
			_, err := Parse([]byte(doc), testProtocols)
			var errs Errors
			require.ErrorAs(t, err, &errs)
			require.Len(t, errs, 1, "want exactly one error, got:\n%v", err)
			assert.Equal(t, tt.path, errs[0].Path)
			assert.Equal(t, tt.line, errs[0].Line)
			assert.Contains(t, errs[0].Msg, tt.msg)
		})
	}
}

func TestFiltersWithoutChecker(t *testing.T) {
	withChecker(t, nil)
	// Names cannot be checked, settings neither; a name is still required.
	doc := strings.Replace(filterBase, "- name: log", "- name: whatever", 1)
	_, err := Parse([]byte(doc), testProtocols)
	require.NoError(t, err)
	_, err = Parse([]byte(strings.Replace(filterBase, "- name: log", `- name: ""`, 1)), testProtocols)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "line 5: listeners[0].filters[0].name: is required")
}

func TestValidateFiltersBuiltInGo(t *testing.T) {
	withChecker(t, fakeFilters{})
	l := DefaultListener()
	l.Name, l.Address, l.Routes = "edge", "127.0.0.1:2045", []Route{{Cluster: "up"}}
	l.Filters = []Filter{{Name: "limit", Config: RawConfig(`{"rate": 0}`)}, {Name: "nope"}}
	cl := DefaultCluster()
	cl.Name, cl.Endpoints = "up", []string{"127.0.0.1:1"}
	c := &Config{Admin: DefaultAdmin(), Listeners: []Listener{l}, Clusters: []Cluster{cl}}
	err := c.Validate(testProtocols)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 2, "got:\n%v", err)
	assert.Equal(t, &FieldError{Path: "listeners[0].filters[0].config.rate", Msg: "must be a positive number"}, errs[0])
	assert.Equal(t, &FieldError{Path: "listeners[0].filters[1].name", Msg: `unknown filter "nope" (registered: log, limit)`}, errs[1])
}
