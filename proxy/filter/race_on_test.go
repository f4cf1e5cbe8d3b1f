//go:build race

package filter

// raceEnabled: sync.Pool drops items at random under the race detector, so
// the zero-allocation assertions on pooled paths are skipped there.
const raceEnabled = true
