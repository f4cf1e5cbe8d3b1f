//go:build !race

package framebuf

const raceEnabled = false
