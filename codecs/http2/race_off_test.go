//go:build !race

package http2_test

// raceEnabled: see race_on_test.go.
const raceEnabled = false
