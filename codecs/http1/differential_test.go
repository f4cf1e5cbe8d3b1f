package http1_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/http1"
	"github.com/xgate/xgate/codecs/http1/http1test"
	"github.com/xgate/xgate/xprotocol"
)

// stricter are the rules by which we reject what net/http accepts, each
// deliberate: the table "Differences from net/http" in doc.go says why.
var stricter = map[http1.Rule]bool{
	http1.RuleContentLengthWithTE: true,
	http1.RuleTEOnHTTP10:          true,
	http1.RuleObsFold:             true,
	http1.RuleBareLF:              true,
	http1.RuleVersionUnsupported:  true,
	http1.RuleTarget:              true,
	http1.RuleTargetForm:          true,
	http1.RuleHost:                true,
	http1.RuleMissingHost:         true,
}

// looser reports whether raw is the one documented case where we accept what
// net/http refuses: a request Transfer-Encoding list of registered codings
// ending in chunked (see doc.go).
func looser(raw string) bool {
	for _, line := range strings.Split(raw, "\r\n") {
		name, value, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(name, "Transfer-Encoding") && strings.Contains(value, ",") {
			return true
		}
	}
	return false
}

// verdict compares our decision on raw with net/http's and returns a
// failure message, or "" when they agree or differ only as documented.
func verdict(raw string) string {
	_, _, err := http1.ParseRequestHead([]byte(raw), http1.Limits{})
	ours := err == nil
	theirs := http1test.NetHTTPAccepts([]byte(raw))
	switch {
	case ours == theirs:
		return ""
	case ours && looser(raw):
		return ""
	case ours:
		return "we accept, net/http rejects"
	}
	var e *http1.Error
	if !errors.As(err, &e) {
		return "we return " + err.Error() + ", net/http accepts"
	}
	if !stricter[e.Rule] {
		return "undocumented stricter rule: " + e.Rule.String()
	}
	return ""
}

func TestDifferentialNetHTTP(t *testing.T) {
	cases := append(http1test.Smuggling(), http1test.Generated(1, 20000)...)
	for _, c := range cases {
		if msg := verdict(c.Raw); msg != "" {
			t.Errorf("%s: %s: %q", c.Name, msg, c.Raw)
		}
	}
}

// TestDifferentialModelIsFaithful checks the net/http model the differential
// tests use against a real http.Server on 127.0.0.1: the model accepts
// exactly the requests whose handler the server reaches.
func TestDifferentialModelIsFaithful(t *testing.T) {
	if testing.Short() {
		t.Skip("real server round trips")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(299) }),
		ReadHeaderTimeout: 2 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	cases := append(http1test.Smuggling(), http1test.Generated(2, 400)...)
	for _, c := range cases {
		reached := serverReached(t, ln.Addr().String(), c.Raw)
		assert.Equal(t, reached, http1test.NetHTTPAccepts([]byte(c.Raw)), "%s: %q", c.Name, c.Raw)
	}
}

// serverReached sends raw on a new connection, half-closes it, and reports
// whether the request was served rather than refused.
func serverReached(t *testing.T, addr, raw string) bool {
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.WriteString(conn, raw)
	_ = conn.(*net.TCPConn).CloseWrite()
	line, _ := bufio.NewReader(conn).ReadString('\n')
	// 299 is our handler; the server answers "OPTIONS *" itself with 200.
	// Its refusals are 4xx and 5xx.
	_, status, _ := strings.Cut(line, " ")
	return strings.HasPrefix(status, "299") || strings.HasPrefix(status, "200")
}

// sessionStricter are the rules by which a server session refuses, beyond
// the parser's, what net/http accepts: the gateway does not tunnel, so
// CONNECT gets 501 (doc.go, "Differences from net/http").
var sessionStricter = map[http1.Rule]bool{http1.RuleConnect: true}

// sessionVerdict gives raw to a fresh server session and reports whether
// it accepted the request head, and the rule it refused by. A head that
// waits for the rest of its body counts as accepted. Every refusal must
// leave the protocol's error response, with the rule's status, pending.
func sessionVerdict(t *testing.T, raw string) (bool, http1.Rule) {
	t.Helper()
	s := http1.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleServer, RemoteAddr: "127.0.0.1:1"})
	f, _, err := s.Decode([]byte(raw))
	switch {
	case err == nil:
		f.Release()
		return true, http1.RuleNone
	case errors.Is(err, xprotocol.ErrIncomplete):
		_, _, perr := http1.ParseRequestHead([]byte(raw), http1.Limits{})
		return perr == nil, http1.RuleNone
	}
	var e *http1.Error
	require.True(t, errors.As(err, &e), "%q: untyped %v", raw, err)
	var fe *xprotocol.FrameError
	require.True(t, errors.As(err, &fe), "%q: not a FrameError: %v", raw, err)
	out := string(s.(xprotocol.Flusher).AppendPending(nil))
	require.True(t, strings.HasPrefix(out, fmt.Sprintf("HTTP/1.1 %d ", e.Status)), "%q: pending %q", raw, out)
	require.True(t, s.(xprotocol.Closing).ShouldClose())
	return false, e.Rule
}

// sessionDisagrees returns why the session's decision on raw differs from
// theirs (net/http's), or "" when they agree or differ as documented.
func sessionDisagrees(t *testing.T, raw string, theirs bool) string {
	ours, rule := sessionVerdict(t, raw)
	switch {
	case ours == theirs:
		return ""
	case ours && looser(raw):
		return ""
	case ours:
		return "session accepts, net/http rejects"
	case stricter[rule] || sessionStricter[rule]:
		return ""
	}
	return "undocumented stricter rule: " + rule.String()
}

// TestDifferentialSessionModel compares a server session's decisions with
// the net/http model on the smuggling cases and 20,000 generated requests.
func TestDifferentialSessionModel(t *testing.T) {
	for _, c := range append(http1test.Smuggling(), http1test.Generated(11, 20000)...) {
		if msg := sessionDisagrees(t, c.Raw, http1test.NetHTTPAccepts([]byte(c.Raw))); msg != "" {
			t.Errorf("%s: %s: %q", c.Name, msg, c.Raw)
		}
	}
}

// TestDifferentialSessionNetHTTPServer gives the same raw requests to a
// server session and to a real net/http server on 127.0.0.1, and compares
// the session's decision with whether the server reached its handler.
func TestDifferentialSessionNetHTTPServer(t *testing.T) {
	n := 1500
	if testing.Short() {
		n = 200
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(299) }),
		ReadHeaderTimeout: 2 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	for _, c := range append(http1test.Smuggling(), http1test.Generated(12, n)...) {
		if msg := sessionDisagrees(t, c.Raw, serverReached(t, ln.Addr().String(), c.Raw)); msg != "" {
			t.Errorf("%s: %s: %q", c.Name, msg, c.Raw)
		}
	}
}
