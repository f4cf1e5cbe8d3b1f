package filter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/xprotocol"
)

// Settings reads one filter's configuration (config.Filter.Config: any
// YAML value, kept as JSON) for a Kind's Parse. The configuration must be
// a mapping of setting names to values. Each getter records the setting as
// known and any problem with its value; after Parse, settings that no
// getter asked for are reported as unknown.
type Settings struct {
	m        map[string]any
	known    []string
	problems []config.FilterProblem
}

// newSettings decodes raw (nil or a JSON object) for reading.
func newSettings(raw config.RawConfig) *Settings {
	s := &Settings{}
	if len(raw) == 0 || string(raw) == "null" {
		return s
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		s.Fail("", "is not valid JSON: %v", err)
		return s
	}
	m, ok := v.(map[string]any)
	if !ok {
		s.Fail("", "must be a mapping of settings to values, got %s", describeValue(v))
		return s
	}
	s.m = m
	return s
}

// describeValue names a decoded value for "must be X, got Y" messages.
func describeValue(v any) string {
	switch t := v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case string:
		return strconv.Quote(t)
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", v)
}

func (s *Settings) lookup(key string) (any, bool) {
	if !slices.Contains(s.known, key) {
		s.known = append(s.known, key)
	}
	v, ok := s.m[key]
	if v == nil {
		return nil, false // "key:" with no value is absent, as elsewhere in the config
	}
	return v, ok
}

// Fail records a problem with setting key ("" for the settings as a
// whole), for checks that span settings.
func (s *Settings) Fail(key, format string, args ...any) {
	s.problems = append(s.problems, config.FilterProblem{Key: key, Msg: fmt.Sprintf(format, args...)})
}

// Has reports whether key is set (and marks it known).
func (s *Settings) Has(key string) bool {
	_, ok := s.lookup(key)
	return ok
}

// scalarText returns a scalar's text (numbers and booleans as written).
func scalarText(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}

// String returns the text at key (a number or boolean as written), or def
// when absent.
func (s *Settings) String(key, def string) string {
	v, ok := s.lookup(key)
	if !ok {
		return def
	}
	text, ok := scalarText(v)
	if !ok {
		s.Fail(key, "must be a string, got %s", describeValue(v))
		return def
	}
	return text
}

// Int returns the whole number at key, within [lo, hi], or def when absent.
func (s *Settings) Int(key string, def, lo, hi int) int {
	v, ok := s.lookup(key)
	if !ok {
		return def
	}
	num, isNum := v.(json.Number)
	n, err := strconv.Atoi(string(num))
	if !isNum || err != nil {
		s.Fail(key, "must be a whole number, got %s", describeValue(v))
		return def
	}
	if n < lo || n > hi {
		s.Fail(key, "must be between %d and %d, got %d", lo, hi, n)
		return def
	}
	return n
}

// Duration returns the Go duration at key ("250ms", "5s"; a bare 0 needs
// no unit), within [lo, hi], or def when absent.
func (s *Settings) Duration(key string, def, lo, hi time.Duration) time.Duration {
	v, ok := s.lookup(key)
	if !ok {
		return def
	}
	var d time.Duration
	switch t := v.(type) {
	case json.Number:
		if t != "0" {
			s.Fail(key, "duration %s has no unit: write e.g. %q or %q", t, t+"ms", t+"s")
			return def
		}
	case string:
		var err error
		if d, err = time.ParseDuration(strings.TrimSpace(t)); err != nil {
			s.Fail(key, `invalid duration %q: want a Go duration such as "250ms", "5s" or "1m30s"`, t)
			return def
		}
	default:
		s.Fail(key, `must be a duration such as "5s", got %s`, describeValue(v))
		return def
	}
	if d < lo || d > hi {
		s.Fail(key, "must be between %s and %s, got %s", lo, hi, d)
		return def
	}
	return d
}

// Bool returns the boolean at key (true or false), or def when absent.
func (s *Settings) Bool(key string, def bool) bool {
	v, ok := s.lookup(key)
	if !ok {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		s.Fail(key, "must be true or false, got %s", describeValue(v))
		return def
	}
	return b
}

// List returns the list of texts at key; a single value stands for a list
// of one. An empty item is a problem. Nil when absent.
func (s *Settings) List(key string) []string {
	v, ok := s.lookup(key)
	if !ok {
		return nil
	}
	items, isList := v.([]any)
	if !isList {
		items = []any{v}
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		text, ok := scalarText(item)
		switch {
		case !ok:
			s.Fail(fmt.Sprintf("%s[%d]", key, i), "must be a string, got %s", describeValue(item))
		case text == "":
			s.Fail(fmt.Sprintf("%s[%d]", key, i), "must not be empty")
		default:
			out = append(out, text)
		}
	}
	return out
}

// Million is the denominator of percentages read by Percent.
const Million = 1_000_000

// Percent returns the percentage at key (5, 0.5 or "12.5%"), from 0 to
// 100, in parts per million; def (also parts per million) when absent.
func (s *Settings) Percent(key string, def uint32) uint32 {
	v, ok := s.lookup(key)
	if !ok {
		return def
	}
	text, _ := scalarText(v)
	if _, isBool := v.(bool); isBool {
		text = ""
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(text), "%"), 64)
	if err != nil || math.IsNaN(f) {
		s.Fail(key, "must be a percentage from 0 to 100 (e.g. 5 or 0.5), got %s", describeValue(v))
		return def
	}
	if f < 0 || f > 100 {
		s.Fail(key, "must be between 0 and 100, got %s", describeValue(v))
		return def
	}
	return uint32(math.Round(f * Million / 100))
}

// statusByName maps the generic status names (xprotocol.Status.String)
// that a filter may answer with.
var statusByName = func() map[string]xprotocol.Status {
	m := make(map[string]xprotocol.Status)
	for s := xprotocol.StatusNoRoute; s <= xprotocol.StatusUnknown; s++ {
		m[s.String()] = s
	}
	return m
}()

func statusNames() string {
	var names []string
	for s := xprotocol.StatusNoRoute; s <= xprotocol.StatusUnknown; s++ {
		names = append(names, s.String())
	}
	return strings.Join(names, ", ")
}

// Status returns the generic error status named at key (no_route,
// unavailable, timeout, overload, bad_request, server_error, unknown), or
// def when absent.
func (s *Settings) Status(key string, def xprotocol.Status) xprotocol.Status {
	v, ok := s.lookup(key)
	if !ok {
		return def
	}
	name, _ := v.(string)
	st, found := statusByName[name]
	if !found {
		s.Fail(key, "unknown status %s (want one of %s)", describeValue(v), statusNames())
		return def
	}
	return st
}

// finish reports the settings nobody asked for.
func (s *Settings) finish() []config.FilterProblem {
	var unknown []string
	for k := range s.m {
		if !slices.Contains(s.known, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		switch guess := closest(k, s.known); {
		case guess != "":
			if _, set := s.m[guess]; !set {
				// The intended setting is missing because of this typo:
				// do not also report it as required (as the config
				// decoder does for its own keys).
				s.problems = slices.DeleteFunc(s.problems, func(p config.FilterProblem) bool { return p.Key == guess })
			}
			s.Fail(k, "unknown setting %q (did you mean %q?)", k, guess)
		case len(s.known) == 0:
			s.Fail(k, "unknown setting %q (this filter takes no settings)", k)
		default:
			s.Fail(k, "unknown setting %q (known: %s)", k, strings.Join(s.known, ", "))
		}
	}
	return s.problems
}

// closest returns the name within edit distance 2 of key, if any.
func closest(key string, names []string) string {
	best, bestDist := "", 3
	for _, name := range names {
		if d := editDistance(key, name); d < bestDist && d < len(name) {
			best, bestDist = name, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
