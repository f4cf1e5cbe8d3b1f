package wasm

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain builds the Go test modules into a temp dir, and fails the
// package if a test leaves a goroutine behind (a refill, a wazero
// close-on-deadline watcher).
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "xgate-wasm-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
