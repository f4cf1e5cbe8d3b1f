package config

import (
	"fmt"
	"strings"
)

// FieldError is one problem in a configuration: where it is and what is
// wrong.
type FieldError struct {
	// Path is the field path, e.g. "listeners[0].routes[1].cluster", or ""
	// for a problem with the file as a whole (empty file, YAML syntax).
	Path string
	// Line is the 1-based line in the YAML source, or 0 when unknown (a
	// Config built in Go, or a YAML syntax error the parser did not place).
	Line int
	// Msg says what is wrong and, where there is one, what would be right.
	Msg string
}

// Error formats e as "line 12: listeners[0].routes[1].cluster: msg",
// leaving out the parts that are unknown.
func (e *FieldError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one configuration, in source order. Parse,
// Load and Config.Validate return it (never an empty one) as their error, so
// a caller can list each problem with errors.As.
type Errors []*FieldError

// Error formats one problem per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes each *FieldError to errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}
