package healthcheck

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a checker or a test server leaves a goroutine
// behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
