package h2spec

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/net/http2"

	"github.com/xgate/xgate/conformance/peerserver"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseReport(t *testing.T) {
	f, err := os.Open("testdata/report.xml")
	require.NoError(t, err)
	defer f.Close()
	res, err := ParseReport(f)
	require.NoError(t, err)
	assert.Equal(t, 5, res.Tests)
	assert.Equal(t, 2, res.Passed)
	assert.Equal(t, 2, res.Failed, "JUnit failures and errors both count")
	assert.Equal(t, 1, res.Skipped)
	assert.Equal(t, []string{"generic/2/2", "http2/5.1/1"}, res.FailedIDs())
	assert.Equal(t, "DATA Frame (length:1, flags:0x01, stream_id:1)\nConnection closed", res.Failures[0].Message)
	assert.Equal(t, "Expect:\nGOAWAY Frame (Error Code: PROTOCOL_ERROR)\nActual:\nTimeout & nothing", res.Failures[1].Message)
	assert.Equal(t, "5.1. Stream States", res.Failures[1].Group)
	assert.Equal(t, "idle: Sends a DATA frame", res.Failures[1].Description)
	assert.Equal(t, 1500*time.Millisecond, res.Failures[1].Duration)
	assert.Equal(t, Skipped, res.Cases[2].Outcome)
	assert.Contains(t, res.String(), "5 tests, 2 passed, 1 skipped, 2 failed")
	assert.Contains(t, res.String(), "http2/5.1/1 idle: Sends a DATA frame: Expect: | GOAWAY")

	_, err = ParseReport(io.MultiReader())
	assert.Error(t, err)
	_, err = ParseReport(strings.NewReader(`<?xml version="1.0"?><testsuites></testsuites>`))
	assert.Error(t, err, "a report without cases")
}

// TestRenumber: cases of a partial run get their numbers from the
// catalogue, not from their position in the report.
func TestRenumber(t *testing.T) {
	f, err := os.Open("testdata/dryrun.txt")
	require.NoError(t, err)
	defer f.Close()
	cat, err := parseDryRun(f)
	require.NoError(t, err)
	assert.Equal(t, []int{3}, cat["generic/2\x00Sends a PRIORITY frame on half-closed (remote) stream"])
	assert.Equal(t, []int{1}, cat["hpack/2.3.3\x00Sends a indexed header field representation with invalid index"])
	assert.Equal(t, []int{2}, cat["http2/5.1\x00idle: Sends a RST_STREAM frame"])

	res, err := ParseReport(strings.NewReader(`<testsuites><testsuite name="5.1. Stream States" package="http2/5.1">
		<testcase package="http2/5.1" classname="idle: Sends a WINDOW_UPDATE frame" time="0.1"><error>boom</error></testcase>
		</testsuite></testsuites>`))
	require.NoError(t, err)
	assert.Equal(t, []string{"http2/5.1/1"}, res.FailedIDs(), "by position")
	res.renumber(cat)
	assert.Equal(t, []string{"http2/5.1/3"}, res.FailedIDs(), "by catalogue")
	assert.Equal(t, "http2/5.1/3", res.Cases[0].ID)

	_, err = parseDryRun(strings.NewReader("  1. orphan group\n"))
	assert.Error(t, err)
}

// serveXNet serves golang.org/x/net/http2's server as h2c (prior
// knowledge) on a loopback port.
func serveXNet(t *testing.T) *peerserver.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	h2 := &http2.Server{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok\n")
	})
	srv := peerserver.Start(ln, func(c net.Conn) {
		// BaseConfig only quiets the server's log of the errors h2spec provokes.
		h2.ServeConn(c, &http2.ServeConnOpts{Handler: handler, BaseConfig: &http.Server{ErrorLog: log.New(io.Discard, "", 0)}})
	})
	t.Cleanup(func() { assert.NoError(t, srv.Close()) })
	return srv
}

func needH2spec(t *testing.T) {
	t.Helper()
	if _, err := Path(); err != nil {
		t.Skipf("%v", err)
	}
}

// TestRunAgainstXNet runs the whole of h2spec against x/net/http2's own
// server: the report is read, every case has a well-formed id, and the
// counts add up. (Whether x/net passes every case is not this test's
// business; its failures are logged.)
func TestRunAgainstXNet(t *testing.T) {
	needH2spec(t)
	if testing.Short() {
		t.Skip("a full h2spec run takes a while")
	}
	srv := serveXNet(t)
	host, port, err := net.SplitHostPort(srv.Addr())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := Run(ctx, host, port)
	require.NoError(t, err)
	t.Logf("x/net/http2 server: %v", res)
	assert.Greater(t, res.Tests, 100)
	assert.Greater(t, res.Passed, 100)
	assert.Equal(t, res.Tests, res.Passed+res.Failed+res.Skipped)
	assert.Len(t, res.Cases, res.Tests)
	assert.Len(t, res.Failures, res.Failed)
	assert.Contains(t, res.Output, "tests,")
	idRE := regexp.MustCompile(`^(generic|http2|hpack)/[0-9]+(\.[0-9]+)*/[0-9]+$`)
	seen := map[string]bool{}
	for _, c := range res.Cases {
		assert.Regexp(t, idRE, c.ID)
		assert.False(t, seen[c.ID], "duplicate id %s", c.ID)
		seen[c.ID] = true
		assert.NotEmpty(t, c.Description, c.ID)
		if c.Outcome == Failed {
			assert.NotEmpty(t, c.Message, c.ID)
		}
	}
	assert.True(t, seen["http2/6.5.3/2"], "ids follow h2spec's numbering")
}

// TestRunSelected runs two single cases by id; the ids come back as given
// although each is alone in its group of the report.
func TestRunSelected(t *testing.T) {
	needH2spec(t)
	srv := serveXNet(t)
	host, port, err := net.SplitHostPort(srv.Addr())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Run(ctx, host, port, "generic/2/3", "http2/5.1/2")
	require.NoError(t, err)
	require.Equal(t, 2, res.Tests, res.Output)
	assert.Equal(t, "generic/2/3", res.Cases[0].ID)
	assert.Equal(t, "Sends a PRIORITY frame on half-closed (remote) stream", res.Cases[0].Description)
	assert.Equal(t, "http2/5.1/2", res.Cases[1].ID)
	assert.Equal(t, 2, res.Passed, "%v", res)
}

// TestRunUnreachable: nothing listening is an error, not an empty result.
func TestRunUnreachable(t *testing.T) {
	needH2spec(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	host, port, err := net.SplitHostPort(ln.Addr().String())
	require.NoError(t, err)
	require.NoError(t, ln.Close())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = Run(ctx, host, port, "generic/1")
	assert.Error(t, err)
	assert.Contains(t, err.Error(), "no report")
}

func TestPathNotInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("GOPATH", t.TempDir())
	_, err := Path()
	assert.True(t, errors.Is(err, ErrNotInstalled), "%v", err)
	_, err = Run(context.Background(), "127.0.0.1", "1")
	assert.True(t, errors.Is(err, ErrNotInstalled), "%v", err)
}
