package http1_test

import (
	"bufio"
	"errors"
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
