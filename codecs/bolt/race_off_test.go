//go:build !race

package bolt_test

// raceEnabled: see race_on_test.go.
const raceEnabled = false
