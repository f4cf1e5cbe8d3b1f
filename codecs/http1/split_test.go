package http1_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/http1"
)

// browserHead is a typical browser navigation request: 15 field lines.
const browserHead = "GET /search?q=xgate+http1&lang=en HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"Connection: keep-alive\r\n" +
	"Cache-Control: max-age=0\r\n" +
	"sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n" +
	"sec-ch-ua-mobile: ?0\r\n" +
	"sec-ch-ua-platform: \"Linux\"\r\n" +
	"Upgrade-Insecure-Requests: 1\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n" +
	"Sec-Fetch-Site: same-origin\r\n" +
	"Sec-Fetch-Mode: navigate\r\n" +
	"Sec-Fetch-User: ?1\r\n" +
	"Sec-Fetch-Dest: document\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Accept-Language: en-US,en;q=0.9\r\n" +
	"\r\n"

const responseHead = "HTTP/1.1 200 OK\r\n" +
	"Date: Mon, 27 Jul 2025 12:28:53 GMT\r\n" +
	"Server: xgate-upstream\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Length: 1234\r\n" +
	"Cache-Control: private, max-age=0\r\n" +
	"Vary: Accept-Encoding\r\n" +
	"X-Request-Id: 7f1c2a9e-3b1d-4c55-9e0b-2b8f0c6d1e3a\r\n" +
	"\r\n"

// reqSnap is everything observable about a parsed request head.
type reqSnap struct {
	Method, Target, Path, Query, Host string
	Version                           http1.Version
	Form                              http1.TargetForm
	CL                                int64
	Chunked, KeepAlive, Expect        bool
	Fields                            []string
}

func snapReq(h *http1.RequestHead) reqSnap {
	s := reqSnap{string(h.Method()), string(h.Target()), string(h.Path()), string(h.Query()), string(h.Host()),
		h.Version(), h.Form(), h.ContentLength(), h.Chunked(), h.KeepAlive(), h.Expect100Continue(), nil}
	h.Range(func(name, value []byte) bool {
		s.Fields = append(s.Fields, string(name)+": "+string(value))
		return true
	})
	return s
}

func TestEveryPrefixIsIncomplete(t *testing.T) {
	for _, raw := range []string{browserHead, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", "GET / HTTP/1.0\r\n\r\n"} {
		for i := 0; i < len(raw); i++ {
			_, n, err := http1.ParseRequestHead([]byte(raw[:i]), http1.Limits{})
			require.ErrorIs(t, err, http1.ErrIncomplete, "prefix of %d bytes", i)
			require.Zero(t, n)
		}
	}
	for i := 0; i < len(responseHead); i++ {
		_, _, err := http1.ParseResponseHead([]byte(responseHead[:i]), http1.Limits{})
		require.ErrorIs(t, err, http1.ErrIncomplete, "response prefix of %d bytes", i)
	}
}

// TestSplitAtEveryByte feeds a head in two reads split at every byte, the
// way a connection reader accumulates: incomplete until the blank line, then
// the same head as parsed whole.
func TestSplitAtEveryByte(t *testing.T) {
	raw := browserHead + "trailing body bytes"
	whole, n, err := http1.ParseRequestHead([]byte(raw), http1.Limits{})
	require.NoError(t, err)
	require.Equal(t, len(browserHead), n)
	want := snapReq(&whole)
	for i := 1; i < len(raw); i++ {
		buf := make([]byte, 0, len(raw))
		buf = append(buf, raw[:i]...)
		h, n, err := http1.ParseRequestHead(buf, http1.Limits{})
		if i < len(browserHead) {
			require.ErrorIs(t, err, http1.ErrIncomplete, "split at %d", i)
			buf = append(buf, raw[i:]...)
			h, n, err = http1.ParseRequestHead(buf, http1.Limits{})
		}
		require.NoError(t, err, "split at %d", i)
		require.Equal(t, len(browserHead), n)
		require.Equal(t, want, snapReq(&h), "split at %d", i)
	}
}

// TestPipelined parses 1,000 requests from one buffer, in order, framing
// each body by Content-Length or chunked coding.
func TestPipelined(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 1000; i++ {
		body := fmt.Sprintf("body-%d", i)
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, "GET /r/%d HTTP/1.1\r\nHost: h\r\n\r\n", i)
		case 1:
			fmt.Fprintf(&b, "POST /r/%d HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s", i, len(body), body)
		case 2:
			fmt.Fprintf(&b, "PUT /r/%d HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n%x;ext=1\r\n%s\r\n0\r\nX-Sum: %d\r\n\r\n", i, len(body), body, i)
		}
	}
	buf := []byte(b.String())
	var h http1.RequestHead
	for i := 0; i < 1000; i++ {
		n, err := h.Parse(buf, http1.Limits{})
		require.NoError(t, err, "request %d", i)
		require.Equal(t, fmt.Sprintf("/r/%d", i), string(h.Path()))
		buf = buf[n:]
		var got []byte
		switch body := h.Body(); body.Kind {
		case http1.BodyNone:
			require.Equal(t, 0, i%3)
		case http1.BodyLength:
			d := http1.NewLengthDecoder(body.Length)
			data, n, err := d.Decode(buf)
			require.NoError(t, err)
			require.True(t, d.Done())
			got, buf = data, buf[n:]
		case http1.BodyChunked:
			d := http1.NewChunkedDecoder(http1.Request, http1.Limits{})
			for !d.Done() {
				data, n, err := d.Decode(buf)
				require.NoError(t, err, "request %d", i)
				got, buf = append(got, data...), buf[n:]
			}
			assert.Equal(t, fmt.Sprint(i), string(d.Trailers().Get("x-sum")))
		}
		if i%3 != 0 {
			require.Equal(t, fmt.Sprintf("body-%d", i), string(got))
		}
	}
	require.Empty(t, buf)
}
