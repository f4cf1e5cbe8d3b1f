package filter

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind (an
// access log writer whose Chain was not closed).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
