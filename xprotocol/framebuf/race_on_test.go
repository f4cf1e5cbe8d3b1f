//go:build race

package framebuf

const raceEnabled = true
