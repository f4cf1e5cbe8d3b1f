package http1_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a test leaves a goroutine behind: the peer
// harnesses run sessions, servers and clients in goroutines.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
