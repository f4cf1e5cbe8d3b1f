//go:build !race

package dubbo_test

// raceEnabled: see race_on_test.go.
const raceEnabled = false
