// Package mosn benchmarks MOSN's own Bolt and Dubbo codecs (mosn.io/mosn
// v1.3.0, the newest version the module proxy serves here: v1.4.0, v1.5.0
// and v1.6.0 answer 403 "not available") on the same typical frames as
// codecs/bolt and codecs/dubbo's benchmarks, so the two can be compared
// side by side. It is a separate module so that MOSN's dependency tree
// never enters the gateway's go.mod.
//
// testdata/*.hex were written with the main module's bolt.Build (the
// SOFARPC-like request of codecs/bolt's benchmarks: 12 headers, 512-byte
// content, 3 s timeout) and dubbo-go's hessian2 codec (the echo(String)
// call of codecs/dubbo's benchmarks: 128-byte argument, group, version,
// timeout and two extra attachments).
package mosn

import (
	"context"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"mosn.io/api"
	"mosn.io/mosn/pkg/protocol/xprotocol/bolt"
	"mosn.io/mosn/pkg/protocol/xprotocol/dubbo"
	"mosn.io/pkg/buffer"
)

func frame(tb testing.TB, name string) []byte {
	tb.Helper()
	h, err := os.ReadFile("testdata/" + name + ".hex")
	if err != nil {
		tb.Fatal(err)
	}
	b, err := hex.DecodeString(strings.TrimSpace(string(h)))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// decodeOnce decodes src with proto from a reused IoBuffer, as MOSN's
// connection read loop hands it its read buffer.
func decodeOnce(tb testing.TB, proto api.XProtocol, buf api.IoBuffer, src []byte) api.XFrame {
	buf.Reset()
	if _, err := buf.Write(src); err != nil {
		tb.Fatal(err)
	}
	v, err := proto.Decode(context.Background(), buf)
	if err != nil || v == nil {
		tb.Fatalf("decode: %v (%v)", err, v)
	}
	return v.(api.XFrame)
}

// TestFramesDecode checks that MOSN reads the frames and their routing
// keys as the gateway's codecs do.
func TestFramesDecode(t *testing.T) {
	buf := buffer.NewIoBuffer(4096)
	b := decodeOnce(t, (&bolt.XCodec{}).NewXProtocol(context.Background()), buf, frame(t, "bolt_request"))
	if v, _ := b.GetHeader().Get("service"); v != "com.example.EchoService:1.0" || b.GetRequestId() != 12345 {
		t.Fatalf("bolt request: service %q id %d", v, b.GetRequestId())
	}
	d := decodeOnce(t, (&dubbo.XCodec{}).NewXProtocol(context.Background()), buf, frame(t, "dubbo_request"))
	if v, _ := d.GetHeader().Get("service"); v != "com.example.EchoService" || d.GetRequestId() != 12345 {
		t.Fatalf("dubbo request: service %q id %d", v, d.GetRequestId())
	}
	if v, _ := d.GetHeader().Get("method"); v != "echo" {
		t.Fatalf("dubbo request: method %q", v)
	}
}

func benchDecode(b *testing.B, proto api.XProtocol, src []byte) {
	buf := buffer.NewIoBuffer(4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		decodeOnce(b, proto, buf, src)
	}
}

// benchForward is MOSN's proxy path for one request: decode, read the
// routing key, set a new request id, encode for the upstream.
func benchForward(b *testing.B, proto api.XProtocol, src []byte, key string) {
	buf := buffer.NewIoBuffer(4096)
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		f := decodeOnce(b, proto, buf, src)
		if v, ok := f.GetHeader().Get(key); !ok || v == "" {
			b.Fatal("no routing key")
		}
		f.SetRequestId(777)
		out, err := proto.Encode(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		_ = buffer.PutIoBuffer(out)
	}
}

func boltProto() api.XProtocol  { return (&bolt.XCodec{}).NewXProtocol(context.Background()) }
func dubboProto() api.XProtocol { return (&dubbo.XCodec{}).NewXProtocol(context.Background()) }

// BenchmarkBoltDecodeRequest: MOSN's Bolt decode of the typical request.
func BenchmarkBoltDecodeRequest(b *testing.B) { benchDecode(b, boltProto(), frame(b, "bolt_request")) }

// BenchmarkBoltDecodeResponse: MOSN's Bolt decode of a 512-byte response.
func BenchmarkBoltDecodeResponse(b *testing.B) {
	benchDecode(b, boltProto(), frame(b, "bolt_response"))
}

// BenchmarkBoltForward: decode, "service" header, SetRequestId, Encode.
func BenchmarkBoltForward(b *testing.B) {
	benchForward(b, boltProto(), frame(b, "bolt_request"), "service")
}

// BenchmarkDubboDecodeRequest: MOSN's Dubbo decode of the typical request
// (it reads the service, method and attachments into a header map).
func BenchmarkDubboDecodeRequest(b *testing.B) {
	benchDecode(b, dubboProto(), frame(b, "dubbo_request"))
}

// BenchmarkDubboDecodeResponse: MOSN's Dubbo decode of the typical response.
func BenchmarkDubboDecodeResponse(b *testing.B) {
	benchDecode(b, dubboProto(), frame(b, "dubbo_response"))
}

// BenchmarkDubboForward: decode, "service" header, SetRequestId, Encode.
func BenchmarkDubboForward(b *testing.B) {
	benchForward(b, dubboProto(), frame(b, "dubbo_request"), "service")
}
