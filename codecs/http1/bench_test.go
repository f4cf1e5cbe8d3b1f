package http1_test

import (
	"testing"

	"github.com/xgate/xgate/codecs/http1"
)

func BenchmarkParseRequestHead(b *testing.B) {
	buf := []byte(browserHead)
	var h http1.RequestHead
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Parse(buf, http1.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseResponseHead(b *testing.B) {
	buf := []byte(responseHead)
	var h http1.ResponseHead
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Parse(buf, http1.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChunkedDecode decodes a 64 KiB body sent as 16 chunks of 4 KiB
// with a trailer.
func BenchmarkChunkedDecode(b *testing.B) {
	var body []byte
	chunk := make([]byte, 4096)
	for i := 0; i < 16; i++ {
		body = append(body, "1000\r\n"...)
		body = append(body, chunk...)
		body = append(body, "\r\n"...)
	}
	body = append(body, "0\r\nX-Checksum: 1234\r\n\r\n"...)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		d := http1.NewChunkedDecoder(http1.Request, http1.Limits{})
		src := body
		for !d.Done() {
			_, n, err := d.Decode(src)
			if err != nil {
				b.Fatal(err)
			}
			src = src[n:]
		}
	}
}

// BenchmarkDecodeRequest decodes a typical browser request with a server
// session (X-Forwarded-For prepared) and answers it, so that the session's
// exchange queue stays empty.
func BenchmarkDecodeRequest(b *testing.B) {
	srv := newServer(withRemote("192.0.2.10:50000"))
	src := []byte(browserHead)
	resp := h2Response(0, "204", true, "")
	dst := make([]byte, 0, 256)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		f, _, err := srv.Decode(src)
		if err != nil {
			b.Fatal(err)
		}
		resp.id = f.StreamID()
		f.Release()
		if dst, err = srv.Encode(dst[:0], resp); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForwardExchange is the engine's hot path for HTTP/1.1 to
// HTTP/1.1: decode a browser request, encode it upstream (own bytes, hop
// fields dropped, X-Forwarded-* added), decode a 1 KiB response, encode it
// to the client.
func BenchmarkForwardExchange(b *testing.B) {
	e := newExchangeBench(browserHead, responseHead+string(make([]byte, 1234)))
	b.SetBytes(int64(len(e.req) + len(e.resp)))
	b.ReportAllocs()
	for b.Loop() {
		e.run(b)
	}
}

// BenchmarkEncodeFromHTTP2 encodes a request and a response built as
// HTTP/2 frames (pseudo-headers, lower-case fields, split cookies) to
// HTTP/1.1, with the client and server sessions' bookkeeping around them.
func BenchmarkEncodeFromHTTP2(b *testing.B) {
	req := h2Request(1, "GET", "www.example.com", "/search?q=xgate", true, "",
		"user-agent", "Mozilla/5.0", "accept", "text/html", "accept-encoding", "gzip, br",
		"cookie", "a=1", "cookie", "b=2", "x-forwarded-for", "192.0.2.10")
	resp := h2Response(1, "200", true, "hello", "content-type", "text/plain", "cache-control", "no-store")
	cli, srv := newClient(), newServer()
	get, noContent := []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), []byte("HTTP/1.1 204 No Content\r\n\r\n")
	dst := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = cli.Encode(dst[:0], req); err != nil {
			b.Fatal(err)
		}
		r, _, err := cli.Decode(noContent)
		if err != nil {
			b.Fatal(err)
		}
		r.Release()
		f, _, err := srv.Decode(get)
		if err != nil {
			b.Fatal(err)
		}
		resp.id = f.StreamID()
		f.Release()
		if dst, err = srv.Encode(dst[:0], resp); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStreamChunked decodes a 64 KiB chunked request body (16 chunks
// of 4 KiB) into data frames and re-encodes them as chunks.
func BenchmarkStreamChunked(b *testing.B) {
	var src []byte
	src = append(src, "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"...)
	chunk := make([]byte, 4096)
	for i := 0; i < 16; i++ {
		src = append(src, "1000\r\n"...)
		src = append(src, chunk...)
		src = append(src, "\r\n"...)
	}
	src = append(src, "0\r\nX-Checksum: 1234\r\n\r\n"...)
	srv, cli := newServer(), newClient()
	dst := make([]byte, 0, 128<<10)
	reply := []byte("HTTP/1.1 204 No Content\r\n\r\n")
	resp := h2Response(0, "204", true, "")
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		rest := src
		dst = dst[:0]
		for len(rest) > 0 {
			f, n, err := srv.Decode(rest)
			if err != nil {
				b.Fatal(err)
			}
			rest = rest[n:]
			if f == nil {
				continue
			}
			resp.id = f.StreamID()
			if dst, err = cli.Encode(dst, f); err != nil {
				b.Fatal(err)
			}
			f.Release()
		}
		r, _, err := cli.Decode(reply)
		if err != nil {
			b.Fatal(err)
		}
		r.Release()
		if _, err = srv.Encode(dst[:0], resp); err != nil {
			b.Fatal(err)
		}
	}
}
