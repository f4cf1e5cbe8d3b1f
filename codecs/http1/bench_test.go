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
