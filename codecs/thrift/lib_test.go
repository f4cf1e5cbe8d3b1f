package thrift_test

import (
	"context"
	"testing"

	athrift "github.com/apache/thrift/lib/go/thrift"

	"github.com/xgate/xgate/codecs/thrift"
)

// The Apache library is the independent peer of these tests: it writes the
// golden messages and reads back what the codec writes.

// libConf makes the library's binary reader strict, the only binary
// encoding the codec speaks (its writer is strict by default).
var libConf = &athrift.TConfiguration{TBinaryStrictRead: athrift.BoolPtr(true)}

// libProtocol returns the library's protocol of variant v over trans, and
// the transport to flush (the framed one when v is framed).
func libProtocol(v thrift.Variant, trans athrift.TTransport) (athrift.TProtocol, athrift.TTransport) {
	if v.Framed() {
		trans = athrift.NewTFramedTransportConf(trans, libConf)
	}
	if v.Compact() {
		return athrift.NewTCompactProtocolConf(trans, libConf), trans
	}
	return athrift.NewTBinaryProtocolConf(trans, libConf), trans
}

// libMsg is a message for the library to write.
type libMsg struct {
	name    string
	typ     athrift.TMessageType
	seqid   int32
	body    athrift.TStruct
	service string // non-empty: written through a TMultiplexedProtocol
}

// libWrite returns the bytes the library writes for m in variant v.
func libWrite(t testing.TB, v thrift.Variant, m libMsg) []byte {
	t.Helper()
	ctx := context.Background()
	mem := athrift.NewTMemoryBufferLen(256)
	p, trans := libProtocol(v, mem)
	if m.service != "" {
		p = athrift.NewTMultiplexedProtocol(p, m.service)
	}
	if err := p.WriteMessageBegin(ctx, m.name, m.typ, m.seqid); err != nil {
		t.Fatal(err)
	}
	if err := m.body.Write(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteMessageEnd(ctx); err != nil {
		t.Fatal(err)
	}
	if err := trans.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), mem.Bytes()...)
}

// libHeader is what the library reads of a message.
type libHeader struct {
	name  string
	typ   athrift.TMessageType
	seqid int32
	n     int // bytes consumed: header and body (and frame length)
}

// libRead reads one message from wire with the library: its header, then
// its struct into body, or skipped (at the library's default depth) when
// body is nil.
func libRead(v thrift.Variant, wire []byte, body athrift.TStruct) (libHeader, error) {
	ctx := context.Background()
	mem := athrift.NewTMemoryBufferLen(len(wire))
	_, _ = mem.Write(wire)
	p, _ := libProtocol(v, mem)
	var h libHeader
	var err error
	if h.name, h.typ, h.seqid, err = p.ReadMessageBegin(ctx); err != nil {
		return h, err
	}
	if body != nil {
		err = body.Read(ctx, p)
	} else {
		err = athrift.SkipDefaultDepth(ctx, p, athrift.STRUCT)
	}
	if err != nil {
		return h, err
	}
	if err := p.ReadMessageEnd(ctx); err != nil {
		return h, err
	}
	// A framed transport reads its whole frame at once, so this counts the
	// frame for framed variants and exactly the message otherwise.
	h.n = len(wire) - mem.Len()
	return h, nil
}

// mustDecode decodes one message of variant v from the front of wire.
func mustDecode(t testing.TB, v thrift.Variant, wire []byte) (*thrift.Frame, int) {
	t.Helper()
	f, n, err := thrift.Decode(wire, v, 0)
	if err != nil {
		t.Fatalf("%s: decode % x: %v", v, wire[:min(len(wire), 32)], err)
	}
	return f, n
}

// wireOf returns a frame's bytes and releases it.
func wireOf(t testing.TB, f *thrift.Frame) []byte {
	t.Helper()
	b, err := f.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Release()
	return b
}
