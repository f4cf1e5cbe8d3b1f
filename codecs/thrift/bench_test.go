package thrift_test

import (
	"context"
	"testing"

	athrift "github.com/apache/thrift/lib/go/thrift"

	"github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/conformance/thrift/gen-go/echo"
	"github.com/xgate/xgate/xprotocol"
)

func benchDecode(b *testing.B, v thrift.Variant) {
	src := typicalCall(b, v)
	sess := thrift.Proto.NewSession(xprotocol.SessionOptions{})
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		f, _, err := sess.Decode(src)
		if err != nil {
			b.Fatal(err)
		}
		f.Release()
	}
}

// BenchmarkDecodeFramedBinaryCall: Decode + Release of a ~400-byte call
// (header parse only; the frame length says where it ends).
func BenchmarkDecodeFramedBinaryCall(b *testing.B) { benchDecode(b, thrift.BinaryFramed) }

// BenchmarkDecodeFramedCompactCall: the same in compact.
func BenchmarkDecodeFramedCompactCall(b *testing.B) { benchDecode(b, thrift.CompactFramed) }

// BenchmarkDecodeUnframedBinaryCall: the walker finds the end of the call.
func BenchmarkDecodeUnframedBinaryCall(b *testing.B) { benchDecode(b, thrift.BinaryUnframed) }

// BenchmarkDecodeUnframedCompactCall: the walker, compact.
func BenchmarkDecodeUnframedCompactCall(b *testing.B) { benchDecode(b, thrift.CompactUnframed) }

// BenchmarkLibrarySkipUnframedBinaryCall is the reference the walker
// replaces: the Apache library reading the header and skipping the args of
// the same call from a reused memory buffer.
func BenchmarkLibrarySkipUnframedBinaryCall(b *testing.B) {
	src := typicalCall(b, thrift.BinaryUnframed)
	mem := athrift.NewTMemoryBufferLen(len(src))
	p, _ := libProtocol(thrift.BinaryUnframed, mem)
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		mem.Reset()
		_, _ = mem.Write(src)
		if _, _, _, err := p.ReadMessageBegin(ctx); err != nil {
			b.Fatal(err)
		}
		if err := athrift.SkipDefaultDepth(ctx, p, athrift.STRUCT); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForward is the proxy's hot path: Decode, read the routing keys,
// renumber, Encode into a reused buffer, Release. Compact ids alternate
// between 1- and 5-byte varints, so every renumbering resizes the seqid.
func BenchmarkForward(b *testing.B) {
	for _, v := range thrift.AllVariants() {
		b.Run(v.String(), func(b *testing.B) {
			conformance.BenchForward(b, thrift.Proto.NewSession(xprotocol.SessionOptions{}), typicalCall(b, v), 7, 1<<30)
		})
	}
}

// BenchmarkMatch: detection on a framed binary prefix (8 bytes).
func BenchmarkMatch(b *testing.B) {
	p := typicalCall(b, thrift.BinaryFramed)[:8]
	b.ReportAllocs()
	for b.Loop() {
		if thrift.Proto.Match(p) != xprotocol.MatchYes {
			b.Fatal("no match")
		}
	}
}

// typicalReply is the reply to typicalCall: the same nested struct as the
// result's success value.
func typicalReply(t testing.TB, v thrift.Variant) []byte {
	return libWrite(t, v, libMsg{name: "mirror", typ: athrift.REPLY, seqid: 12345,
		body: &echo.EchoMirrorResult{Success: bundle(2, false)}})
}

// BenchmarkDecodeReply: an upstream (client-role) session decodes and
// releases the library-written reply to the typical call, per variant.
func BenchmarkDecodeReply(b *testing.B) {
	for _, v := range thrift.AllVariants() {
		b.Run(v.String(), func(b *testing.B) {
			src := typicalReply(b, v)
			sess := thrift.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleClient, Variant: uint8(v)})
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				f, _, err := sess.Decode(src)
				if err != nil {
					b.Fatal(err)
				}
				f.Release()
			}
		})
	}
}

// BenchmarkEncode: a decoded call written out again, unchanged, into a
// reused buffer (what the gateway does when no id needs rewriting).
func BenchmarkEncode(b *testing.B) {
	for _, v := range thrift.AllVariants() {
		b.Run(v.String(), func(b *testing.B) {
			src := typicalCall(b, v)
			sess := thrift.Proto.NewSession(xprotocol.SessionOptions{})
			f, _, err := sess.Decode(src)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Release()
			dst := make([]byte, 0, 2*len(src))
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if dst, err = sess.Encode(dst[:0], f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
