package http1_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/http1"
	"github.com/xgate/xgate/xprotocol"
)

const host = "Host: example.com\r\n"

// requireRule asserts err is the *http1.Error for rule with status.
func requireRule(t *testing.T, err error, rule http1.Rule, status int, msg string) {
	t.Helper()
	var e *http1.Error
	require.True(t, errors.As(err, &e), "%s: want %v, got %v", msg, rule, err)
	assert.Equal(t, rule, e.Rule, "%s: rule", msg)
	assert.Equal(t, status, e.Status, "%s: status", msg)
}

func TestRequestRejections(t *testing.T) {
	big := strings.Repeat("X-Pad: "+strings.Repeat("a", 800)+"\r\n", 90) // 72 KiB in 90 fields
	many := strings.Repeat("X-A: b\r\n", 101)
	cases := []struct {
		name, raw string
		rule      http1.Rule
		status    int
	}{
		{"cl with te", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", http1.RuleContentLengthWithTE, 400},
		{"te with cl", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", http1.RuleContentLengthWithTE, 400},
		{"two differing cl", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", http1.RuleContentLengthConflict, 400},
		{"cl same value other spelling", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nContent-Length: 05\r\n\r\n", http1.RuleContentLengthConflict, 400},
		{"cl list", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5, 5\r\n\r\n", http1.RuleContentLength, 400},
		{"cl negative", "POST / HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n", http1.RuleContentLength, 400},
		{"cl plus", "POST / HTTP/1.1\r\n" + host + "Content-Length: +1\r\n\r\n", http1.RuleContentLength, 400},
		{"cl non-numeric", "POST / HTTP/1.1\r\n" + host + "Content-Length: abc\r\n\r\n", http1.RuleContentLength, 400},
		{"cl empty", "POST / HTTP/1.1\r\n" + host + "Content-Length:\r\n\r\n", http1.RuleContentLength, 400},
		{"cl overflow", "POST / HTTP/1.1\r\n" + host + "Content-Length: 9223372036854775808\r\n\r\n", http1.RuleContentLength, 400},
		{"obs-fold", "GET / HTTP/1.1\r\n" + host + "X: a\r\n b\r\n\r\n", http1.RuleObsFold, 400},
		{"obs-fold tab", "GET / HTTP/1.1\r\n" + host + "X: a\r\n\tb\r\n\r\n", http1.RuleObsFold, 400},
		{"whitespace before first field", "GET / HTTP/1.1\r\n " + host + "\r\n", http1.RuleObsFold, 400},
		{"bare cr in value", "GET / HTTP/1.1\r\n" + host + "X: a\rb\r\n\r\n", http1.RuleBareCR, 400},
		{"bare cr in name", "GET / HTTP/1.1\r\n" + host + "X\r: a\r\n\r\n", http1.RuleBareCR, 400},
		{"bare cr in request-line", "GET /\r HTTP/1.1\r\n" + host + "\r\n", http1.RuleBareCR, 400},
		{"bare lf request-line", "GET / HTTP/1.1\n" + host + "\r\n", http1.RuleBareLF, 400},
		{"bare lf field", "GET / HTTP/1.1\r\nHost: example.com\n\r\n", http1.RuleBareLF, 400},
		{"bare lf end", "GET / HTTP/1.1\r\n" + host + "\n", http1.RuleBareLF, 400},
		{"name not token", "GET / HTTP/1.1\r\n" + host + "X(Y): a\r\n\r\n", http1.RuleFieldName, 400},
		{"name empty", "GET / HTTP/1.1\r\n" + host + ": a\r\n\r\n", http1.RuleFieldName, 400},
		{"name non-ascii", "GET / HTTP/1.1\r\n" + host + "\xc3\xa9: a\r\n\r\n", http1.RuleFieldName, 400},
		{"name with space inside", "GET / HTTP/1.1\r\n" + host + "X Y: a\r\n\r\n", http1.RuleFieldName, 400},
		{"space before colon", "GET / HTTP/1.1\r\n" + host + "X : a\r\n\r\n", http1.RuleSpaceBeforeColon, 400},
		{"tab before colon", "GET / HTTP/1.1\r\n" + host + "X\t: a\r\n\r\n", http1.RuleSpaceBeforeColon, 400},
		{"no colon", "GET / HTTP/1.1\r\n" + host + "X\r\n\r\n", http1.RuleMissingColon, 400},
		{"nul in value", "GET / HTTP/1.1\r\n" + host + "X: a\x00b\r\n\r\n", http1.RuleFieldValue, 400},
		{"ctl in value", "GET / HTTP/1.1\r\n" + host + "X: a\x01b\r\n\r\n", http1.RuleFieldValue, 400},
		{"del in value", "GET / HTTP/1.1\r\n" + host + "X: a\x7fb\r\n\r\n", http1.RuleFieldValue, 400},
		{"missing host", "GET / HTTP/1.1\r\n\r\n", http1.RuleMissingHost, 400},
		{"missing host absolute-form", "GET http://example.com/ HTTP/1.1\r\n\r\n", http1.RuleMissingHost, 400},
		{"missing host connect", "CONNECT example.com:443 HTTP/1.1\r\n\r\n", http1.RuleMissingHost, 400},
		{"multiple host", "GET / HTTP/1.1\r\n" + host + host + "\r\n", http1.RuleMultipleHost, 400},
		{"multiple host http/1.0", "GET / HTTP/1.0\r\n" + host + host + "\r\n", http1.RuleMultipleHost, 400},
		{"host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", http1.RuleHost, 400},
		{"host userinfo", "GET / HTTP/1.1\r\nHost: u@h\r\n\r\n", http1.RuleHost, 400},
		{"host bad port", "GET / HTTP/1.1\r\nHost: h:x\r\n\r\n", http1.RuleHost, 400},
		{"host pct", "GET / HTTP/1.1\r\nHost: ex%41.com\r\n\r\n", http1.RuleHost, 400},
		{"host unclosed ipv6", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", http1.RuleHost, 400},
		{"host bad ipv6", "GET / HTTP/1.1\r\nHost: [1:2:3:4:5:6:7:8:9]\r\n\r\n", http1.RuleHost, 400},
		{"method not token", "G@T / HTTP/1.1\r\n" + host + "\r\n", http1.RuleMethod, 400},
		{"method empty", " / HTTP/1.1\r\n" + host + "\r\n", http1.RuleMethod, 400},
		{"request-line one part", "GET\r\n" + host + "\r\n", http1.RuleRequestLine, 400},
		{"request-line two parts", "GET /\r\n" + host + "\r\n", http1.RuleRequestLine, 400},
		{"request-line tab", "GET\t/ HTTP/1.1\r\n" + host + "\r\n", http1.RuleMethod, 400}, // "GET\t/" is the method
		{"double space", "GET  / HTTP/1.1\r\n" + host + "\r\n", http1.RuleVersion, 400},
		{"trailing space", "GET / HTTP/1.1 \r\n" + host + "\r\n", http1.RuleVersion, 400},
		{"version lower", "GET / http/1.1\r\n" + host + "\r\n", http1.RuleVersion, 400},
		{"version no dot", "GET / HTTP/11\r\n" + host + "\r\n", http1.RuleVersion, 400},
		{"version 1.2", "GET / HTTP/1.2\r\n" + host + "\r\n", http1.RuleVersionUnsupported, 505},
		{"version 2.0", "GET / HTTP/2.0\r\n" + host + "\r\n", http1.RuleVersionUnsupported, 505},
		{"version 0.9", "GET / HTTP/0.9\r\n" + host + "\r\n", http1.RuleVersionUnsupported, 505},
		{"h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", http1.RuleVersionUnsupported, 505},
		{"target fragment", "GET /a#b HTTP/1.1\r\n" + host + "\r\n", http1.RuleTarget, 400},
		{"target bad pct", "GET /%zz HTTP/1.1\r\n" + host + "\r\n", http1.RuleTarget, 400},
		{"target short pct", "GET /%4 HTTP/1.1\r\n" + host + "\r\n", http1.RuleTarget, 400},
		{"target bad pct query", "GET /?q=%g0 HTTP/1.1\r\n" + host + "\r\n", http1.RuleTarget, 400},
		{"target non-ascii", "GET /caf\xc3\xa9 HTTP/1.1\r\n" + host + "\r\n", http1.RuleTarget, 400},
		{"target ctl", "GET /a\x01 HTTP/1.1\r\n" + host + "\r\n", http1.RuleTarget, 400},
		{"target relative", "GET a/b HTTP/1.1\r\n" + host + "\r\n", http1.RuleTarget, 400},
		{"absolute userinfo", "GET http://u@example.com/ HTTP/1.1\r\n" + host + "\r\n", http1.RuleTarget, 400},
		{"absolute other scheme", "GET ftp://example.com/ HTTP/1.1\r\n" + host + "\r\n", http1.RuleTarget, 400},
		{"absolute empty host", "GET http:///a HTTP/1.1\r\n" + host + "\r\n", http1.RuleTarget, 400},
		{"absolute ipv6 zone", "GET http://[fe80::1%25eth0]/ HTTP/1.1\r\n" + host + "\r\n", http1.RuleTarget, 400},
		{"connect origin-form", "CONNECT /x HTTP/1.1\r\n" + host + "\r\n", http1.RuleTargetForm, 400},
		{"connect asterisk", "CONNECT * HTTP/1.1\r\n" + host + "\r\n", http1.RuleTargetForm, 400},
		{"connect without port", "CONNECT example.com HTTP/1.1\r\n" + host + "\r\n", http1.RuleTarget, 400},
		{"authority-form for GET", "GET example.com:443 HTTP/1.1\r\n" + host + "\r\n", http1.RuleTargetForm, 400},
		{"asterisk for GET", "GET * HTTP/1.1\r\n" + host + "\r\n", http1.RuleTargetForm, 400},
		{"te not chunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n", http1.RuleChunkedNotFinal, 400},
		{"te chunked not final", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, gzip\r\n\r\n", http1.RuleChunkedNotFinal, 400},
		{"te chunked twice", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, chunked\r\n\r\n", http1.RuleChunkedNotFinal, 400},
		{"te unknown", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: foo, chunked\r\n\r\n", http1.RuleTEUnknown, 501},
		{"te identity", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: identity\r\n\r\n", http1.RuleTEUnknown, 501},
		{"te parameter", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked;q=1\r\n\r\n", http1.RuleTEUnknown, 501},
		{"te empty element", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: , chunked\r\n\r\n", http1.RuleTESyntax, 400},
		{"te empty", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding:\r\n\r\n", http1.RuleTESyntax, 400},
		{"te two lines", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", http1.RuleTERepeated, 400},
		{"te http/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", http1.RuleTEOnHTTP10, 400},
		{"head too large", "GET / HTTP/1.1\r\n" + host + big + "\r\n", http1.RuleHeadTooLarge, 431},
		{"head too large incomplete", "GET / HTTP/1.1\r\n" + host + big, http1.RuleHeadTooLarge, 431},
		{"too many fields", "GET / HTTP/1.1\r\n" + host + many + "\r\n", http1.RuleTooManyFields, 431},
		{"request-line too long", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\n" + host + "\r\n", http1.RuleRequestLineTooLong, 414},
		{"request-line too long incomplete", "GET /" + strings.Repeat("a", 9000), http1.RuleRequestLineTooLong, 414},
		{"not http (early)", "\x16\x03\x01\x02\x00\x01", http1.RuleMethod, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, n, err := http1.ParseRequestHead([]byte(c.raw), http1.Limits{})
			requireRule(t, err, c.rule, c.status, c.name)
			assert.Zero(t, n)
			class := xprotocol.ErrMalformed
			if c.status == 431 || c.status == 414 {
				class = xprotocol.ErrFrameTooLarge
			}
			assert.ErrorIs(t, err, class)
		})
	}
}

func TestLimitsAreConfigurable(t *testing.T) {
	raw := []byte("GET / HTTP/1.1\r\n" + host + "A: 1\r\nB: 2\r\n\r\n")
	_, _, err := http1.ParseRequestHead(raw, http1.Limits{MaxHeaders: 2})
	requireRule(t, err, http1.RuleTooManyFields, 431, "MaxHeaders")
	_, _, err = http1.ParseRequestHead(raw, http1.Limits{MaxHeaderBytes: len(raw) - 1})
	requireRule(t, err, http1.RuleHeadTooLarge, 431, "MaxHeaderBytes")
	_, n, err := http1.ParseRequestHead(raw, http1.Limits{MaxHeaderBytes: len(raw), MaxHeaders: 3})
	require.NoError(t, err)
	assert.Equal(t, len(raw), n)
	// "GET / HTTP/1.1\r\n" is 16 bytes, CRLF included.
	_, _, err = http1.ParseRequestHead(raw, http1.Limits{MaxRequestLineBytes: 15})
	requireRule(t, err, http1.RuleRequestLineTooLong, 414, "MaxRequestLineBytes")
	_, _, err = http1.ParseRequestHead(raw, http1.Limits{MaxRequestLineBytes: 16})
	require.NoError(t, err)
}

func TestRequestAccepted(t *testing.T) {
	t.Run("origin-form and accessors", func(t *testing.T) {
		raw := "POST /a/b%20c?x=1&y HTTP/1.1\r\nhOsT: example.com:8080\r\nContent-Length: 5\r\nContent-Length: 5\r\n" +
			"Expect: 100-Continue\r\nConnection: keep-alive, X-Trace\r\nX-Trace: 1\r\nKeep-Alive: timeout=5\r\nX-Empty:\r\nX-Ws: \t a b \t\r\n\r\nhello"
		h, n, err := http1.ParseRequestHead([]byte(raw), http1.Limits{})
		require.NoError(t, err)
		assert.Equal(t, len(raw)-5, n)
		assert.Equal(t, "POST", string(h.Method()))
		assert.Equal(t, "/a/b%20c?x=1&y", string(h.Target()))
		assert.Equal(t, http1.OriginForm, h.Form())
		assert.Equal(t, "/a/b%20c", string(h.Path()))
		assert.Equal(t, "x=1&y", string(h.Query()))
		assert.Equal(t, http1.HTTP11, h.Version())
		assert.Equal(t, "example.com:8080", string(h.Host()))
		assert.Equal(t, int64(5), h.ContentLength())
		assert.Equal(t, http1.Body{Kind: http1.BodyLength, Length: 5}, h.Body())
		assert.False(t, h.Chunked())
		assert.True(t, h.KeepAlive())
		assert.True(t, h.Expect100Continue())
		assert.Nil(t, h.Upgrade())
		assert.Equal(t, "a b", string(h.Get("x-ws")))
		v, ok := h.Lookup("X-EMPTY")
		assert.True(t, ok)
		assert.Empty(t, v)
		assert.Nil(t, h.Get("absent"))
		assert.Equal(t, 9, h.Len())
		var hop, e2e []string
		h.RangeHopByHop(func(name []byte) bool { hop = append(hop, string(name)); return true })
		h.RangeEndToEnd(func(name, _ []byte) bool { e2e = append(e2e, string(name)); return true })
		assert.Equal(t, []string{"Connection", "X-Trace", "Keep-Alive"}, hop)
		assert.Equal(t, []string{"hOsT", "Content-Length", "Content-Length", "Expect", "X-Empty", "X-Ws"}, e2e)
		assert.True(t, h.IsHopByHop([]byte("x-trace")))
		assert.False(t, h.IsHopByHop([]byte("x-empty")))
	})
	cases := []struct {
		name, raw          string
		form               http1.TargetForm
		path, query, host  string
		hasQuery           bool
		keepAlive, chunked bool
		body               http1.Body
		upgrade            string
	}{
		{"http/1.0 no host", "GET /x HTTP/1.0\r\n\r\n", http1.OriginForm, "/x", "", "", false, false, false, http1.Body{}, ""},
		{"http/1.0 keep-alive", "GET /x HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", http1.OriginForm, "/x", "", "", false, true, false, http1.Body{}, ""},
		{"http/1.1 close", "GET / HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n", http1.OriginForm, "/", "", "example.com", false, false, false, http1.Body{}, ""},
		{"empty query", "GET /? HTTP/1.1\r\n" + host + "\r\n", http1.OriginForm, "/", "", "example.com", true, true, false, http1.Body{}, ""},
		{"empty host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", http1.OriginForm, "/", "", "", false, true, false, http1.Body{}, ""},
		{"ipv6 host", "GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n", http1.OriginForm, "/", "", "[2001:db8::1]:80", false, true, false, http1.Body{}, ""},
		{"ipv4-mapped host", "GET / HTTP/1.1\r\nHost: [::ffff:1.2.3.4]\r\n\r\n", http1.OriginForm, "/", "", "[::ffff:1.2.3.4]", false, true, false, http1.Body{}, ""},
		{"absolute-form", "GET HTTP://Example.com:81/p?q HTTP/1.1\r\nHost: other\r\n\r\n", http1.AbsoluteForm, "/p", "q", "Example.com:81", true, true, false, http1.Body{}, ""},
		{"absolute-form no path", "GET https://example.com HTTP/1.1\r\n" + host + "\r\n", http1.AbsoluteForm, "/", "", "example.com", false, true, false, http1.Body{}, ""},
		{"authority-form", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", http1.AuthorityForm, "", "", "example.com:443", false, true, false, http1.Body{}, ""},
		{"asterisk-form", "OPTIONS * HTTP/1.1\r\n" + host + "\r\n", http1.AsteriskForm, "*", "", "example.com", false, true, false, http1.Body{}, ""},
		{"chunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: Chunked\r\n\r\n", http1.OriginForm, "/", "", "example.com", false, true, true, http1.Body{Kind: http1.BodyChunked, Length: -1}, ""},
		{"gzip then chunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip ,\tchunked\r\n\r\n", http1.OriginForm, "/", "", "example.com", false, true, true, http1.Body{Kind: http1.BodyChunked, Length: -1}, ""},
		{"cl zero", "POST / HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n", http1.OriginForm, "/", "", "example.com", false, true, false, http1.Body{}, ""},
		{"cl max", "POST / HTTP/1.1\r\n" + host + "Content-Length: 9223372036854775807\r\n\r\n", http1.OriginForm, "/", "", "example.com", false, true, false, http1.Body{Kind: http1.BodyLength, Length: 1<<63 - 1}, ""},
		{"upgrade", "GET /ws HTTP/1.1\r\n" + host + "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n", http1.OriginForm, "/ws", "", "example.com", false, true, false, http1.Body{}, "websocket"},
		{"upgrade without connection option", "GET /ws HTTP/1.1\r\n" + host + "Upgrade: websocket\r\n\r\n", http1.OriginForm, "/ws", "", "example.com", false, true, false, http1.Body{}, ""},
		{"method case kept", "get / HTTP/1.1\r\n" + host + "\r\n", http1.OriginForm, "/", "", "example.com", false, true, false, http1.Body{}, ""},
		{"obs-text value", "GET / HTTP/1.1\r\n" + host + "X: caf\xc3\xa9\r\n\r\n", http1.OriginForm, "/", "", "example.com", false, true, false, http1.Body{}, ""},
		{"braces in target", "GET /a{b}|c?d=[e] HTTP/1.1\r\n" + host + "\r\n", http1.OriginForm, "/a{b}|c", "d=[e]", "example.com", true, true, false, http1.Body{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, n, err := http1.ParseRequestHead([]byte(c.raw), http1.Limits{})
			require.NoError(t, err)
			assert.Equal(t, len(c.raw), n)
			assert.Equal(t, c.form, h.Form())
			assert.Equal(t, c.path, string(h.Path()))
			assert.Equal(t, c.query, string(h.Query()))
			assert.Equal(t, c.hasQuery, h.Query() != nil)
			assert.Equal(t, c.host, string(h.Host()))
			assert.Equal(t, c.keepAlive, h.KeepAlive())
			assert.Equal(t, c.chunked, h.Chunked())
			assert.Equal(t, c.body, h.Body())
			assert.Equal(t, c.upgrade, string(h.Upgrade()))
		})
	}
}

func TestManyFieldsOverflowInline(t *testing.T) {
	var b strings.Builder
	b.WriteString("GET / HTTP/1.1\r\n" + host)
	for i := 0; i < 99; i++ {
		b.WriteString("X-" + strings.Repeat("n", i%7+1) + ": " + strings.Repeat("v", i) + "\r\n")
	}
	b.WriteString("\r\n")
	h, _, err := http1.ParseRequestHead([]byte(b.String()), http1.Limits{})
	require.NoError(t, err)
	require.Equal(t, 100, h.Len())
	name, value := h.Field(99)
	assert.Equal(t, "X-n", string(name)) // i = 98
	assert.Equal(t, strings.Repeat("v", 98), string(value))
}

func TestResponseRejections(t *testing.T) {
	cases := []struct {
		name, raw string
		rule      http1.Rule
	}{
		{"cl with te", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", http1.RuleContentLengthWithTE},
		{"two cl", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", http1.RuleContentLengthConflict},
		{"bad cl", "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", http1.RuleContentLength},
		{"obs-fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", http1.RuleObsFold},
		{"bare lf", "HTTP/1.1 200 OK\nX: a\r\n\r\n", http1.RuleBareLF},
		{"bare cr", "HTTP/1.1 200 O\rK\r\n\r\n", http1.RuleBareCR},
		{"status two digits", "HTTP/1.1 20 OK\r\n\r\n", http1.RuleStatusCode},
		{"status line short", "HTTP/1.1 20\r\n\r\n", http1.RuleStatusLine},
		{"status four digits", "HTTP/1.1 2000 OK\r\n\r\n", http1.RuleStatusCode},
		{"status 600", "HTTP/1.1 600 X\r\n\r\n", http1.RuleStatusCode},
		{"status 099", "HTTP/1.1 099 X\r\n\r\n", http1.RuleStatusCode},
		{"status letters", "HTTP/1.1 2x0 OK\r\n\r\n", http1.RuleStatusCode},
		{"version", "HTTP/1.2 200 OK\r\n\r\n", http1.RuleVersionUnsupported},
		{"not http", "HTTX/1.1 200 OK\r\n\r\n", http1.RuleVersion},
		{"not http early", "SSH-2.0", http1.RuleStatusLine},
		{"te http/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", http1.RuleTEOnHTTP10},
		{"te chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", http1.RuleChunkedNotFinal},
		{"ctl in reason", "HTTP/1.1 200 O\x01K\r\n\r\n", http1.RuleStatusLine},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := http1.ParseResponseHead([]byte(c.raw), http1.Limits{})
			requireRule(t, err, c.rule, 502, c.name)
		})
	}
}

func TestResponseBody(t *testing.T) {
	cases := []struct {
		name, method, raw string
		want              http1.Body
	}{
		{"length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", http1.Body{Kind: http1.BodyLength, Length: 7}},
		{"head", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", http1.Body{}},
		{"head chunked", "HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", http1.Body{}},
		{"100", "GET", "HTTP/1.1 100 Continue\r\n\r\n", http1.Body{}},
		{"101", "GET", "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n", http1.Body{}},
		{"204", "GET", "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", http1.Body{}},
		{"304", "GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n", http1.Body{}},
		{"connect 200", "CONNECT", "HTTP/1.1 200 Connection Established\r\n\r\n", http1.Body{}},
		{"connect 407", "CONNECT", "HTTP/1.1 407 Proxy Auth\r\nContent-Length: 2\r\n\r\n", http1.Body{Kind: http1.BodyLength, Length: 2}},
		{"chunked", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", http1.Body{Kind: http1.BodyChunked, Length: -1}},
		{"te not chunked", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", http1.Body{Kind: http1.BodyUntilClose, Length: -1}},
		{"te unknown", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: br\r\n\r\n", http1.Body{Kind: http1.BodyUntilClose, Length: -1}},
		{"none declared", "GET", "HTTP/1.1 200 OK\r\n\r\n", http1.Body{Kind: http1.BodyUntilClose, Length: -1}},
		{"zero length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", http1.Body{}},
		{"no reason no space", "GET", "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\n", http1.Body{Kind: http1.BodyLength, Length: 1}},
		{"empty reason", "GET", "HTTP/1.0 404 \r\nContent-Length: 1\r\n\r\n", http1.Body{Kind: http1.BodyLength, Length: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, n, err := http1.ParseResponseHead([]byte(c.raw), http1.Limits{})
			require.NoError(t, err)
			assert.Equal(t, len(c.raw), n)
			assert.Equal(t, c.want, http1.ResponseBody([]byte(c.method), &h))
		})
	}
	h, _, err := http1.ParseResponseHead([]byte("HTTP/1.0 200 Fine  Thanks\r\nConnection: keep-alive\r\n\r\n"), http1.Limits{})
	require.NoError(t, err)
	assert.Equal(t, 200, h.Status())
	assert.Equal(t, "Fine  Thanks", string(h.Reason()))
	assert.Equal(t, http1.HTTP10, h.Version())
	assert.True(t, h.KeepAlive())
	h, _, err = http1.ParseResponseHead([]byte("HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n"), http1.Limits{})
	require.NoError(t, err)
	assert.Equal(t, "websocket", string(h.Upgrade()))
}
