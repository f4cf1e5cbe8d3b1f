//go:build race

package http1_test

// raceEnabled: the race detector's instrumentation allocates, so the
// zero-allocation assertions are skipped under it.
const raceEnabled = true
