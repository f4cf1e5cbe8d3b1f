package http2_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	xh2 "github.com/xgate/xgate/codecs/http2"
	"github.com/xgate/xgate/codecs/http2/h2test"
	"github.com/xgate/xgate/xprotocol"
)

// h2specBinary finds h2spec on PATH or in ~/go/bin.
func h2specBinary() string {
	if p, err := exec.LookPath("h2spec"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, "go", "bin", "h2spec")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// TestH2Spec runs every h2spec v2.2.1 test (generic, http2, hpack) against
// the echo server over h2c and requires all of them to pass.
func TestH2Spec(t *testing.T) {
	bin := h2specBinary()
	if bin == "" {
		t.Skip("h2spec not installed (go install github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible)")
	}
	if testing.Short() {
		t.Skip("h2spec takes a while")
	}
	srv := h2test.StartServer(t, xh2.Proto, xprotocol.SessionOptions{}, h2test.NewEcho)
	host, port, _ := net.SplitHostPort(srv.Addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	report := filepath.Join(t.TempDir(), "h2spec.xml")
	out, err := exec.CommandContext(ctx, bin, "-h", host, "-p", port, "-o", "2", "-j", report).CombinedOutput()
	summary := regexp.MustCompile(`(\d+) tests, (\d+) passed, (\d+) skipped, (\d+) failed`).FindSubmatch(out)
	if summary == nil {
		t.Fatalf("h2spec gave no summary (%v):\n%s", err, out)
	}
	t.Logf("h2spec: %s", summary[0])
	if string(summary[4]) != "0" || err != nil {
		t.Errorf("h2spec failures (%v):\n%s", err, out)
	}
}
