package main

import (
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/dubbo"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xprotocol"
)

// The benchmarks here run the gateway's codecs on the very bytes that
// bench/mosn runs MOSN's codecs on (bench/mosn/testdata), for a
// side-by-side table in BENCHMARKS.md.

func sameFrame(tb testing.TB, name string) []byte {
	tb.Helper()
	h, err := os.ReadFile("../../../bench/mosn/testdata/" + name + ".hex")
	if err != nil {
		tb.Fatal(err)
	}
	b, err := hex.DecodeString(strings.TrimSpace(string(h)))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func benchSameDecode(b *testing.B, p xprotocol.Protocol, src []byte) {
	sess := p.NewSession(xprotocol.SessionOptions{})
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		f, _, err := sess.Decode(src)
		if err != nil {
			b.Fatal(err)
		}
		_ = f.Key(xprotocol.KeyService)
		f.Release()
	}
}

// TestSameFramesDecode: the gateway's codecs read the shared frames.
func TestSameFramesDecode(t *testing.T) {
	for _, tc := range []struct {
		p       xprotocol.Protocol
		name    string
		service string
	}{{bolt.Proto, "bolt_request", "com.example.EchoService:1.0"}, {dubbo.Proto, "dubbo_request", "com.example.EchoService"}} {
		f, _, err := tc.p.NewSession(xprotocol.SessionOptions{}).Decode(sameFrame(t, tc.name))
		if err != nil {
			t.Fatal(err)
		}
		if got := string(f.Key(xprotocol.KeyService)); got != tc.service || f.StreamID() != 12345 {
			t.Fatalf("%s: service %q id %d", tc.name, got, f.StreamID())
		}
		f.Release()
	}
}

// BenchmarkBoltDecodeRequest: Decode + service key + Release (compare
// bench/mosn BenchmarkBoltDecodeRequest).
func BenchmarkBoltDecodeRequest(b *testing.B) {
	benchSameDecode(b, bolt.Proto, sameFrame(b, "bolt_request"))
}

// BenchmarkBoltDecodeResponse: Decode + Release of the response.
func BenchmarkBoltDecodeResponse(b *testing.B) {
	benchSameDecode(b, bolt.Proto, sameFrame(b, "bolt_response"))
}

// BenchmarkBoltForward: Decode, keys, SetStreamID, Encode, Release.
func BenchmarkBoltForward(b *testing.B) {
	conformance.BenchForward(b, bolt.Proto.NewSession(xprotocol.SessionOptions{}), sameFrame(b, "bolt_request"))
}

// BenchmarkDubboDecodeRequest: Decode + service key + Release.
func BenchmarkDubboDecodeRequest(b *testing.B) {
	benchSameDecode(b, dubbo.Proto, sameFrame(b, "dubbo_request"))
}

// BenchmarkDubboDecodeResponse: Decode + Release of the response.
func BenchmarkDubboDecodeResponse(b *testing.B) {
	benchSameDecode(b, dubbo.Proto, sameFrame(b, "dubbo_response"))
}

// BenchmarkDubboForward: Decode, keys, SetStreamID, Encode, Release.
func BenchmarkDubboForward(b *testing.B) {
	conformance.BenchForward(b, dubbo.Proto.NewSession(xprotocol.SessionOptions{}), sameFrame(b, "dubbo_request"))
}
