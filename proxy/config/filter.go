package config

import "sync/atomic"

// Filter is one stream filter on a listener (see package proxy/filter).
// Filters run on every request of the listener, in the order listed.
//
//	filters:
//	  - name: header_auth
//	    config: {header: authorization, values: ["Bearer s3cret"]}
//	  - name: local_rate_limit
//	    config: {max_tokens: 1000, tokens_per_fill: 100, fill_interval: 100ms}
//	  - name: access_log
//	    config: {path: /var/log/xgate/access.log, json: true}
type Filter struct {
	// Name is a registered filter name: access_log, local_rate_limit,
	// header_auth, fault, or one registered by an extension. Key: name.
	// Required. The same filter may appear more than once.
	Name string `yaml:"name"`

	// Config holds the filter's settings, a mapping of setting names to
	// values (`max_tokens: 100`, `fill_interval: 1s`, `values: [a, b]`),
	// kept as JSON for the filter to read. Key: config. Optional. Each
	// filter documents its settings; an unknown setting is an error.
	Config RawConfig `yaml:"config"`
}

// FilterProblem is one mistake in a filter's settings.
type FilterProblem struct {
	// Key is the setting at fault (reported at path config.KEY), or ""
	// for the settings as a whole (reported at config).
	Key string
	// Msg says what is wrong and, where there is one, what would be right.
	Msg string
}

// FilterChecker validates filters by name. Package proxy/filter installs
// its registry with SetFilterChecker when it is linked in, so that this
// package never depends on which filters exist, and every Parse, ParseWith
// and Validate checks filter names and settings with field paths and
// lines. Without a checker only the structure (a name on every filter) is
// validated.
type FilterChecker interface {
	// FilterNames lists the registered filter names.
	FilterNames() []string
	// CheckFilter reports the problems in the settings (Filter.Config,
	// nil when absent) of the registered filter called name; none means
	// they are valid.
	CheckFilter(name string, settings RawConfig) []FilterProblem
}

var filterChecker atomic.Pointer[FilterChecker]

// SetFilterChecker installs c to validate the filters of every
// configuration parsed or validated afterwards; nil removes it.
func SetFilterChecker(c FilterChecker) {
	if c == nil {
		filterChecker.Store(nil)
		return
	}
	filterChecker.Store(&c)
}

func currentFilterChecker() FilterChecker {
	if p := filterChecker.Load(); p != nil {
		return *p
	}
	return nil
}
