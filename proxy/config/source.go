package config

import "strings"

// source remembers where each field path came from in the YAML text, and
// which paths already failed to decode, so validation neither loses line
// numbers nor reports one mistake twice (a misspelt "adress" must not also
// yield "address is required"). A nil *source stands for a Config built in
// Go: no lines, nothing suppressed.
type source struct {
	lines map[string]int  // field path -> 1-based line
	bad   map[string]bool // field paths with a decode error
}

func newSource() *source {
	return &source{lines: make(map[string]int), bad: make(map[string]bool)}
}

// line returns the line of path, or of its nearest ancestor that appears in
// the file (a missing "listeners[0].name" is reported at "listeners[0]").
func (s *source) line(path string) int {
	if s == nil {
		return 0
	}
	for {
		if l, ok := s.lines[path]; ok {
			return l
		}
		p, ok := parentPath(path)
		if !ok {
			return 0
		}
		path = p
	}
}

// suppressed reports whether path or one of its ancestors failed to decode.
func (s *source) suppressed(path string) bool {
	if s == nil {
		return false
	}
	for {
		if s.bad[path] {
			return true
		}
		p, ok := parentPath(path)
		if !ok {
			return false
		}
		path = p
	}
}

// parentPath strips the last element of a field path: ".key", "[3]" or
// `["header-name"]` (a header name may itself hold '.' or '[').
func parentPath(path string) (string, bool) {
	if path == "" {
		return "", false
	}
	if strings.HasSuffix(path, `"]`) {
		if i := strings.LastIndex(path, `["`); i >= 0 {
			return path[:i], true
		}
	}
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return "", true
	}
	return path[:i], true
}

// childPath appends a mapping key to a field path.
func childPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
