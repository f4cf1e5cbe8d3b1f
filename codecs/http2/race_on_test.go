//go:build race

package http2_test

// raceEnabled: sync.Pool drops items at random under the race detector, so
// the zero-allocation assertions are skipped there.
const raceEnabled = true
