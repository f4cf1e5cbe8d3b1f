package http1test

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Case is one raw request for the differential tests.
type Case struct {
	Name string
	Raw  string
}

// Smuggling returns the hand-written cases: request smuggling vectors and
// the edge cases of RFC 9112 that parsers disagree on.
func Smuggling() []Case {
	const h = "Host: example.com\r\n"
	return []Case{
		{"plain", "GET / HTTP/1.1\r\n" + h + "\r\n"},
		{"cl-te", "POST / HTTP/1.1\r\n" + h + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX"},
		{"te-cl", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\nX"},
		{"cl-cl-differ", "POST / HTTP/1.1\r\n" + h + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab"},
		{"cl-cl-same", "POST / HTTP/1.1\r\n" + h + "Content-Length: 2\r\nContent-Length: 2\r\n\r\nab"},
		{"cl-cl-zero-pad", "POST / HTTP/1.1\r\n" + h + "Content-Length: 2\r\nContent-Length: 02\r\n\r\nab"},
		{"cl-list", "POST / HTTP/1.1\r\n" + h + "Content-Length: 2, 2\r\n\r\nab"},
		{"cl-negative", "POST / HTTP/1.1\r\n" + h + "Content-Length: -1\r\n\r\n"},
		{"cl-plus", "POST / HTTP/1.1\r\n" + h + "Content-Length: +1\r\n\r\na"},
		{"cl-hex", "POST / HTTP/1.1\r\n" + h + "Content-Length: 0x1\r\n\r\na"},
		{"cl-empty", "POST / HTTP/1.1\r\n" + h + "Content-Length: \r\n\r\n"},
		{"cl-overflow", "POST / HTTP/1.1\r\n" + h + "Content-Length: 99999999999999999999\r\n\r\n"},
		{"cl-max", "POST / HTTP/1.1\r\n" + h + "Content-Length: 9223372036854775807\r\n\r\n"},
		{"cl-max+1", "POST / HTTP/1.1\r\n" + h + "Content-Length: 9223372036854775808\r\n\r\n"},
		{"cl-space-inside", "POST / HTTP/1.1\r\n" + h + "Content-Length: 1 2\r\n\r\n"},
		{"te-chunked-upper", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n"},
		{"te-gzip-chunked", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"},
		{"te-chunked-gzip", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"},
		{"te-gzip", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip\r\n\r\n"},
		{"te-identity", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: identity\r\n\r\n"},
		{"te-unknown", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n"},
		{"te-twice", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"},
		{"te-two-lines", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
		{"te-empty-element", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: , chunked\r\n\r\n0\r\n\r\n"},
		{"te-param", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n"},
		{"te-http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
		{"te-http10-cl", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"},
		{"te-vertical-tab", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: \vchunked\r\n\r\n0\r\n\r\n"},
		{"te-space-before-colon", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n"},
		{"obs-fold", "GET / HTTP/1.1\r\n" + h + "X-A: a\r\n b\r\n\r\n"},
		{"obs-fold-te", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip\r\n ,chunked\r\n\r\n0\r\n\r\n"},
		{"ws-before-first-field", "GET / HTTP/1.1\r\n " + h + "\r\n"},
		{"bare-lf-all", "GET / HTTP/1.1\n" + "Host: example.com\n\n"},
		{"bare-lf-one", "GET / HTTP/1.1\r\nHost: example.com\nX: y\r\n\r\n"},
		{"bare-lf-end", "GET / HTTP/1.1\r\n" + h + "\n"},
		{"bare-cr-value", "GET / HTTP/1.1\r\n" + h + "X: a\rb\r\n\r\n"},
		{"bare-cr-line", "GET / HTTP/1.1\r\n" + h + "X: a\r\r\n\r\n"},
		{"bare-cr-request-line", "GET / HTTP/1.1\r\r\n" + h + "\r\n"},
		{"nul-value", "GET / HTTP/1.1\r\n" + h + "X: a\x00b\r\n\r\n"},
		{"del-value", "GET / HTTP/1.1\r\n" + h + "X: a\x7fb\r\n\r\n"},
		{"obs-text-value", "GET / HTTP/1.1\r\n" + h + "X: caf\xc3\xa9\r\n\r\n"},
		{"htab-value", "GET / HTTP/1.1\r\n" + h + "X: a\tb\r\n\r\n"},
		{"empty-value", "GET / HTTP/1.1\r\n" + h + "X:\r\n\r\n"},
		{"empty-name", "GET / HTTP/1.1\r\n" + h + ": v\r\n\r\n"},
		{"name-space", "GET / HTTP/1.1\r\n" + h + "X Y: v\r\n\r\n"},
		{"name-nonascii", "GET / HTTP/1.1\r\n" + h + "\xc3\xa9: v\r\n\r\n"},
		{"space-before-colon", "GET / HTTP/1.1\r\n" + h + "X : v\r\n\r\n"},
		{"no-colon", "GET / HTTP/1.1\r\n" + h + "X\r\n\r\n"},
		{"no-host-11", "GET / HTTP/1.1\r\n\r\n"},
		{"no-host-10", "GET / HTTP/1.0\r\n\r\n"},
		{"two-hosts", "GET / HTTP/1.1\r\n" + h + h + "\r\n"},
		{"empty-host", "GET / HTTP/1.1\r\nHost:\r\n\r\n"},
		{"host-port", "GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"},
		{"host-empty-port", "GET / HTTP/1.1\r\nHost: example.com:\r\n\r\n"},
		{"host-ipv6", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"},
		{"host-userinfo", "GET / HTTP/1.1\r\nHost: u@example.com\r\n\r\n"},
		{"host-space", "GET / HTTP/1.1\r\nHost: exa mple.com\r\n\r\n"},
		{"host-pct", "GET / HTTP/1.1\r\nHost: ex%41mple.com\r\n\r\n"},
		{"host-slash", "GET / HTTP/1.1\r\nHost: example.com/x\r\n\r\n"},
		{"absolute", "GET http://example.com/a?b HTTP/1.1\r\n" + h + "\r\n"},
		{"absolute-no-path", "GET http://example.com HTTP/1.1\r\n" + h + "\r\n"},
		{"absolute-https-port", "GET https://example.com:8443/ HTTP/1.1\r\n" + h + "\r\n"},
		{"absolute-userinfo", "GET http://u:p@example.com/ HTTP/1.1\r\n" + h + "\r\n"},
		{"absolute-ftp", "GET ftp://example.com/ HTTP/1.1\r\n" + h + "\r\n"},
		{"absolute-ipv6", "GET http://[2001:db8::1]:80/ HTTP/1.1\r\n" + h + "\r\n"},
		{"absolute-no-host-header", "GET http://example.com/ HTTP/1.1\r\n\r\n"},
		{"connect", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"},
		{"connect-no-port", "CONNECT example.com HTTP/1.1\r\nHost: example.com\r\n\r\n"},
		{"connect-no-host", "CONNECT example.com:443 HTTP/1.1\r\n\r\n"},
		{"connect-origin", "CONNECT /rpc HTTP/1.1\r\n" + h + "\r\n"},
		{"authority-get", "GET example.com:443 HTTP/1.1\r\n" + h + "\r\n"},
		{"options-star", "OPTIONS * HTTP/1.1\r\n" + h + "\r\n"},
		{"get-star", "GET * HTTP/1.1\r\n" + h + "\r\n"},
		{"pri", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"},
		{"target-fragment", "GET /a#b HTTP/1.1\r\n" + h + "\r\n"},
		{"target-bad-pct", "GET /%zz HTTP/1.1\r\n" + h + "\r\n"},
		{"target-bad-pct-query", "GET /?a=%zz HTTP/1.1\r\n" + h + "\r\n"},
		{"target-nonascii", "GET /caf\xc3\xa9 HTTP/1.1\r\n" + h + "\r\n"},
		{"target-ctl", "GET /a\x01b HTTP/1.1\r\n" + h + "\r\n"},
		{"target-del", "GET /a\x7fb HTTP/1.1\r\n" + h + "\r\n"},
		{"target-braces", "GET /a{b}|c^d HTTP/1.1\r\n" + h + "\r\n"},
		{"target-double-slash", "GET //a/b HTTP/1.1\r\n" + h + "\r\n"},
		{"target-relative", "GET a/b HTTP/1.1\r\n" + h + "\r\n"},
		{"double-space", "GET  / HTTP/1.1\r\n" + h + "\r\n"},
		{"tab-separator", "GET\t/ HTTP/1.1\r\n" + h + "\r\n"},
		{"trailing-space", "GET / HTTP/1.1 \r\n" + h + "\r\n"},
		{"http12", "GET / HTTP/1.2\r\n" + h + "\r\n"},
		{"http20", "GET / HTTP/2.0\r\n" + h + "\r\n"},
		{"http09", "GET / HTTP/0.9\r\n" + h + "\r\n"},
		{"http-lower", "GET / http/1.1\r\n" + h + "\r\n"},
		{"http-11-no-dot", "GET / HTTP/11\r\n" + h + "\r\n"},
		{"method-lower", "get / HTTP/1.1\r\n" + h + "\r\n"},
		{"method-bad", "G@T / HTTP/1.1\r\n" + h + "\r\n"},
		{"method-empty", " / HTTP/1.1\r\n" + h + "\r\n"},
		{"leading-crlf", "\r\nGET / HTTP/1.1\r\n" + h + "\r\n"},
		{"expect-100", "POST / HTTP/1.1\r\n" + h + "Expect: 100-continue\r\nContent-Length: 1\r\n\r\na"},
		{"upgrade", "GET / HTTP/1.1\r\n" + h + "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n"},
	}
}

// Generated returns n pseudo-random raw requests from seed: combinations of
// methods, targets, versions, field names and values with tricky bytes,
// Content-Length and Transfer-Encoding combinations, folded lines and bare
// CR or LF line endings, each with a body matching what it declares.
func Generated(seed uint64, n int) []Case {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	methods := []string{"GET", "GET", "POST", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "CONNECT", "PATCH", "get", "M-SEARCH", "G@T", "GE T", "", "PRI"}
	targets := []string{"/", "/", "/a/b?c=d&e", "/%41%2f", "/%zz", "/%4", "/?%zz", "*", "http://example.com/x", "HTTP://example.com",
		"https://example.com:443/p?q", "http://u@example.com/", "http://example.com:/", "http://:80/", "http://[::1]/",
		"http://[::1%25eth0]/", "http://[zz]/", "example.com:443", "example.com", "/a#f", "/a b", "/caf\xc3\xa9", "//x", "/a\x00",
		"/a\tb", "", "/\x7f", "/a;b=c", "/~user/%7E", "/a?b?c", "/[x]", "/a\\b", "/\"q\"", "/<>"}
	versions := []string{"HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/1.2", "HTTP/2.0", "HTTP/0.9", "http/1.1", "HTTP/1.10", "HTTP/1", "HTTP/1.1 ", "HTTP/a.b"}
	hosts := []string{"example.com", "example.com", "example.com:8080", "", "[::1]", "[::1]:80", "a b", "ex%41.com", "u@h", "h:", ":80", "h:x", "[::1", "\xc3\xa9.com", "h/p", "1.2.3.4", "x_y.local", "a.b-c"}
	names := []string{"X-A", "Accept", "User-Agent", "X A", "X-A ", "", "X\x00", "\xc3\xa9", "x:y", "X\t", "Content-Type", "X-\x7f", "{x}", "a.b", "Cookie", "Expect"}
	values := []string{"v", " v ", "", "a,b", "v\x00", "v\x7f", "v\x01", "\xff\xfe", "a\rb", "\t", "a\tb", "100-continue", "\"q\"", "x\x0bz", "close", "keep-alive"}
	cls := []string{"0", "3", "03", "-1", "+3", "3, 3", "", "abc", "99999999999999999999", " 3", "3 ", "0x3"}
	tes := []string{"chunked", "chunked", "Chunked", "gzip, chunked", "chunked, gzip", "identity", "gzip", "chunked;a=b", " chunked", "chunked, chunked", "x, chunked", ",chunked", "chunked,", "deflate"}
	eols := []string{"\r\n", "\r\n", "\r\n", "\r\n", "\r\n", "\r\n", "\n", "\r", "\r\r\n"}
	eol := func() string {
		if r.IntN(12) == 0 {
			return pick(eols)
		}
		return "\r\n"
	}
	out := make([]Case, 0, n)
	for i := 0; i < n; i++ {
		var b strings.Builder
		sp := " "
		if r.IntN(30) == 0 {
			sp = pick([]string{"  ", "\t", ""})
		}
		b.WriteString(pick(methods) + sp + pick(targets) + " " + pick(versions) + eol())
		var lines []string
		switch r.IntN(8) {
		case 0: // no Host
		case 1:
			lines = append(lines, "Host: "+pick(hosts), "Host: "+pick(hosts))
		default:
			lines = append(lines, "Host: "+pick(hosts))
		}
		for k := r.IntN(4); k > 0; k-- {
			name, v := pick(names), pick(values)
			if name == "Expect" {
				v = "100-continue" // see NetHTTPAccepts: unknown expectations are a reply, not parsing
			}
			lines = append(lines, name+":"+pick([]string{" ", "", "\t", "  "})+v)
		}
		body := ""
		ncl, nte := 0, 0
		switch r.IntN(6) {
		case 0, 1:
		case 2:
			ncl = 1
		case 3:
			nte = 1
		case 4:
			ncl, nte = 1, 1
		case 5:
			ncl, nte = r.IntN(3), r.IntN(3)
		}
		for k := 0; k < ncl; k++ {
			lines = append(lines, "Content-Length: "+pick(cls))
		}
		for k := 0; k < nte; k++ {
			lines = append(lines, "Transfer-Encoding: "+pick(tes))
		}
		if ncl > 0 {
			body = "abc"
		}
		if nte > 0 {
			body = "3\r\nabc\r\n0\r\n\r\n"
		}
		r.Shuffle(len(lines), func(a, c int) { lines[a], lines[c] = lines[c], lines[a] })
		for _, l := range lines {
			b.WriteString(l)
			if r.IntN(25) == 0 {
				b.WriteString(eol() + pick([]string{" ", "\t"}) + "folded")
			}
			b.WriteString(eol())
		}
		b.WriteString(eol())
		b.WriteString(body)
		out = append(out, Case{Name: fmt.Sprintf("gen-%d-%d", seed, i), Raw: b.String()})
	}
	return out
}
