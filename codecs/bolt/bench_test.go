package bolt_test

import (
	"testing"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xprotocol"
)

func benchDecode(b *testing.B, src []byte) {
	sess := bolt.Proto.NewSession(xprotocol.SessionOptions{})
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

// BenchmarkDecodeRequest: Decode + Release of a SOFARPC-like request
// (12 headers, 512-byte body).
func BenchmarkDecodeRequest(b *testing.B) { benchDecode(b, typicalRequest()) }

// BenchmarkDecodeResponse: Decode + Release of a 512-byte response.
func BenchmarkDecodeResponse(b *testing.B) { benchDecode(b, typicalResponse()) }

// BenchmarkDecodeRequestV2: the same request in Bolt v2 without a CRC32.
func BenchmarkDecodeRequestV2(b *testing.B) { benchDecode(b, typicalRequestV2(false)) }

// BenchmarkDecodeRequestV2CRC: the same request in Bolt v2 with a CRC32,
// which Decode verifies (one pass over the frame).
func BenchmarkDecodeRequestV2CRC(b *testing.B) { benchDecode(b, typicalRequestV2(true)) }

// BenchmarkDecodeResponseV2CRC: a 512-byte Bolt v2 response with a CRC32.
func BenchmarkDecodeResponseV2CRC(b *testing.B) { benchDecode(b, typicalResponseV2CRC()) }

// BenchmarkForward is the proxy's hot path: Decode, read the routing keys,
// renumber, Encode into a reused buffer, Release.
func BenchmarkForward(b *testing.B) {
	conformance.BenchForward(b, bolt.Proto.NewSession(xprotocol.SessionOptions{}), typicalRequest())
}

// BenchmarkForwardV2CRC is the hot path for a Bolt v2 request with a CRC32:
// Decode verifies it and SetStreamID recomputes it (two passes).
func BenchmarkForwardV2CRC(b *testing.B) {
	conformance.BenchForward(b, bolt.Proto.NewSession(xprotocol.SessionOptions{}), typicalRequestV2(true))
}

// BenchmarkEncodeEdited: Decode, Set a header, re-serializing Encode, Release.
func BenchmarkEncodeEdited(b *testing.B) { benchEncodeEdited(b, typicalRequest()) }

// BenchmarkEncodeEditedV2CRC: the same with a Bolt v2 CRC32 frame, whose
// re-serialization computes a new CRC32.
func BenchmarkEncodeEditedV2CRC(b *testing.B) { benchEncodeEdited(b, typicalRequestV2(true)) }

func benchEncodeEdited(b *testing.B, src []byte) {
	sess := bolt.Proto.NewSession(xprotocol.SessionOptions{})
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		f, _, err := sess.Decode(src)
		if err != nil {
			b.Fatal(err)
		}
		f.Header().Set("service", "com.example.Other:1.0")
		if dst, err = sess.Encode(dst[:0], f); err != nil {
			b.Fatal(err)
		}
		f.Release()
	}
}

// BenchmarkHeaderGet: an in-place lookup of the last of 12 headers.
func BenchmarkHeaderGet(b *testing.B) {
	f, _, err := bolt.Decode(typicalRequest(), 0)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Release()
	h := f.Header()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := h.Get("rpc_trace_context.sysPenAttrs"); !ok {
			b.Fatal("missing")
		}
	}
}

// BenchmarkMatch: protocol detection on the 5 bytes Match needs.
func BenchmarkMatch(b *testing.B) {
	p := typicalRequest()[:5]
	b.ReportAllocs()
	for b.Loop() {
		if bolt.Proto.Match(p) != xprotocol.MatchYes {
			b.Fatal("no match")
		}
	}
}
