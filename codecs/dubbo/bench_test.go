package dubbo_test

import (
	"bufio"
	"bytes"
	"testing"

	dh "dubbo.apache.org/dubbo-go/v3/protocol/dubbo/hessian2"

	"github.com/xgate/xgate/codecs/dubbo"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xprotocol"
)

// The frames are typicalRequest and typicalResponse: a dubbo-go consumer's
// echo(String) call with a 128-byte payload and seven attachments (the
// payload size of the MOSN measurements in FIELD-NOTES.md), 298 bytes on
// the wire.
//
// MOSN v1.6's Dubbo codec decodes a request in 1254 ns with 24 allocs
// (5457 ns / 91 allocs with attachments) on the reference 2-core machine.
// Here (2-core AMD EPYC, go test -bench . -benchmem):
//
//	DecodeHeader      35 ns/op   0 allocs  Decode + Release
//	DecodeRouteKeys   98 ns/op   0 allocs  + service and method (5 strings)
//	Forward          104 ns/op   0 allocs  + SetStreamID, Encode    (12x MOSN)
//	AttachmentGet    498 ns/op   0 allocs  + "group" (skips the argument)
//	Attachments     1433 ns/op   0 allocs  + 3 Gets, Range, Timeout  (3.8x MOSN)
//	EncodeEdited     820 ns/op   0 allocs  + Set, Del, re-serialize
//	ErrorReply       170 ns/op   0 allocs
//	LibraryDecode   4227 ns/op  77 allocs  dubbo-go's own codec, full decode
//
// Numbers vary by machine; compare the ratios.

func benchFrame(b *testing.B, src []byte, fn func(f *dubbo.Frame)) {
	sess := dubbo.Proto.NewSession(xprotocol.SessionOptions{})
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		f, _, err := sess.Decode(src)
		if err != nil {
			b.Fatal(err)
		}
		fn(f.(*dubbo.Frame))
		f.Release()
	}
}

// BenchmarkDecodeHeader: Decode + Release of a typical request (header only).
func BenchmarkDecodeHeader(b *testing.B) { benchFrame(b, typicalRequest(b), func(*dubbo.Frame) {}) }

// BenchmarkDecodeResponse: Decode + Status + Release of a typical response.
func BenchmarkDecodeResponse(b *testing.B) {
	benchFrame(b, typicalResponse(b), func(f *dubbo.Frame) { _ = f.Status() })
}

// BenchmarkDecodeRouteKeys: Decode, the service and method keys, Release.
func BenchmarkDecodeRouteKeys(b *testing.B) {
	benchFrame(b, typicalRequest(b), func(f *dubbo.Frame) {
		if f.Key(xprotocol.KeyService) == nil || f.Key(xprotocol.KeyMethod) == nil {
			b.Fatal("no keys")
		}
	})
}

// BenchmarkForward is the proxy's hot path: Decode, read the routing keys,
// renumber, Encode into a reused buffer, Release.
func BenchmarkForward(b *testing.B) {
	conformance.BenchForward(b, dubbo.Proto.NewSession(xprotocol.SessionOptions{}), typicalRequest(b))
}

// BenchmarkAttachmentGet: Decode and one attachment (walks past the argument).
func BenchmarkAttachmentGet(b *testing.B) {
	benchFrame(b, typicalRequest(b), func(f *dubbo.Frame) {
		if _, ok := f.Header().Get("group"); !ok {
			b.Fatal("no group")
		}
	})
}

// BenchmarkAttachments: Decode, three attachments, Range over all headers
// and Timeout.
func BenchmarkAttachments(b *testing.B) {
	benchFrame(b, typicalRequest(b), func(f *dubbo.Frame) {
		h := f.Header()
		_, _ = h.Get("group")
		_, _ = h.Get("version")
		_, _ = h.Get("traceId")
		h.Range(func(_, _ []byte) bool { return true })
		_ = f.Timeout()
	})
}

// BenchmarkEncodeEdited: Decode, add and remove an attachment, the
// re-serializing Encode, Release.
func BenchmarkEncodeEdited(b *testing.B) {
	dst := make([]byte, 0, 4096)
	benchFrame(b, typicalRequest(b), func(f *dubbo.Frame) {
		f.Header().Set("x-trace", "abc")
		f.Header().Del("spanId")
		var err error
		if dst, err = f.AppendBinary(dst[:0]); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkLibraryDecode is the reference point: dubbo-go's own codec
// reading the same request in full (header, leading strings, argument,
// attachments), as a gateway decoding with it would.
func BenchmarkLibraryDecode(b *testing.B) {
	src := typicalRequest(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		c := dh.NewHessianCodec(bufio.NewReaderSize(bytes.NewReader(src), len(src)))
		var h dh.DubboHeader
		if err := c.ReadHeader(&h); err != nil {
			b.Fatal(err)
		}
		if err := c.ReadBody(make([]any, 7)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkErrorReply: building a no-route reply.
func BenchmarkErrorReply(b *testing.B) {
	req, _, err := dubbo.Decode(typicalRequest(b), 0)
	if err != nil {
		b.Fatal(err)
	}
	defer req.Release()
	b.ReportAllocs()
	for b.Loop() {
		dubbo.Proto.ErrorReply(req, xprotocol.StatusNoRoute, "no route to com.example.EchoService").Release()
	}
}

// BenchmarkMatch: protocol detection on a 3-byte prefix.
func BenchmarkMatch(b *testing.B) {
	p := typicalRequest(b)[:3]
	b.ReportAllocs()
	for b.Loop() {
		if dubbo.Proto.Match(p) != xprotocol.MatchYes {
			b.Fatal("no match")
		}
	}
}
