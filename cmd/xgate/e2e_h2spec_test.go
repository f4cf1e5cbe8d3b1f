package main

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/conformance/h2spec"
)

// TestH2SpecAgainstGateway runs the whole h2spec suite (generic, http2 and
// hpack sections) against an xgate listener whose requests go to a real
// HTTP/2 backend. Every case must pass and none may be skipped; README
// lists none as excepted.
func TestH2SpecAgainstGateway(t *testing.T) {
	if testing.Short() {
		t.Skip("h2spec takes ~15s")
	}
	if _, err := h2spec.Path(); errors.Is(err, h2spec.ErrNotInstalled) {
		t.Skip("h2spec is not installed (make tools installs it)")
	}
	be := httpBackend(t, "h2", true)
	g := httpGateway(t, "http2", be.Addr())
	host, port, err := net.SplitHostPort(g.addr)
	require.NoError(t, err)
	// A response body larger than the default window, so the flow-control
	// cases (6.9.2/2) have DATA to hold back.
	res, err := h2spec.Run(ctxTimeout(t, 5*time.Minute), host, port, "--path", "/bytes/100000")
	require.NoError(t, err)
	t.Log(res.String())
	require.Greater(t, res.Tests, 140, "h2spec ran its whole suite")
	assert.Zero(t, res.Skipped, "every case ran")
	for _, c := range res.Cases {
		if c.Outcome == h2spec.Skipped {
			t.Logf("skipped by h2spec: %s (%s): %s", c.ID, c.Description, c.Message)
		}
	}
	for _, c := range res.Failures {
		t.Errorf("h2spec %s (%s): %s", c.ID, c.Description, c.Message)
	}
}
