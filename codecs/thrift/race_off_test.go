//go:build !race

package thrift_test

// raceEnabled: see race_on_test.go.
const raceEnabled = false
