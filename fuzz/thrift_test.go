package fuzz

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"

	athrift "github.com/apache/thrift/lib/go/thrift"

	"github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/conformance/thrift/gen-go/echo"
	"github.com/xgate/xgate/xprotocol"
)

// thriftFuzzMaxFrame is small enough that the fuzzer reaches the size limit.
const thriftFuzzMaxFrame = 1 << 16

// thriftLibConf is the library's configuration for writing seeds and for
// the differential: strict binary, the only binary encoding the codec reads.
var thriftLibConf = &athrift.TConfiguration{TBinaryStrictRead: athrift.BoolPtr(true)}

func thriftLibProtocol(v thrift.Variant, trans athrift.TTransport) (athrift.TProtocol, athrift.TTransport) {
	if v.Framed() {
		trans = athrift.NewTFramedTransportConf(trans, thriftLibConf)
	}
	if v.Compact() {
		return athrift.NewTCompactProtocolConf(trans, thriftLibConf), trans
	}
	return athrift.NewTBinaryProtocolConf(trans, thriftLibConf), trans
}

// thriftLibMessage writes one message with the Apache library.
func thriftLibMessage(t testing.TB, v thrift.Variant, name string, typ athrift.TMessageType, seqid int32, body athrift.TStruct, service string) []byte {
	ctx := context.Background()
	mem := athrift.NewTMemoryBuffer()
	p, trans := thriftLibProtocol(v, mem)
	if service != "" {
		p = athrift.NewTMultiplexedProtocol(p, service)
	}
	if err := p.WriteMessageBegin(ctx, name, typ, seqid); err != nil {
		t.Fatal(err)
	}
	if err := body.Write(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := trans.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), mem.Bytes()...)
}

// thriftSeeds returns library-written messages of one variant: calls with
// nested args, multiplexed and oneway calls, replies with results and
// declared exceptions, exceptions, and the codec's own error reply.
func thriftSeeds(t testing.TB, v thrift.Variant) [][]byte {
	flag := true
	item := &echo.Item{Name: "i", ID: -1, Values: []int32{1, -1}, Child: &echo.Item{Name: "child"}}
	b := &echo.Bundle{Flag: true, Tiny: -1, Small: 300, Medium: -70000, Large: 1 << 40, Ratio: 0.5, Text: "t",
		Blob: []byte{0, 0xff}, Items: []*echo.Item{item}, Tags: []string{"a", "b"},
		Series: map[string][]int64{"s": {1, 2}}, ByID: map[int32]*echo.Item{1: item}, Main: item,
		Grid: [][]bool{{true, false}}, Maybe: &flag}
	msg := "hello"
	seeds := [][]byte{
		thriftLibMessage(t, v, "echo", athrift.CALL, 1, &echo.EchoEchoArgs{Msg: "hi"}, ""),
		thriftLibMessage(t, v, "mirror", athrift.CALL, 1<<30, &echo.EchoMirrorArgs{B: b}, "Echo"),
		thriftLibMessage(t, v, "fire", athrift.ONEWAY, -7, &echo.EchoFireArgs{Msg: "f"}, "Echo"),
		thriftLibMessage(t, v, "echo", athrift.REPLY, 1, &echo.EchoEchoResult{Success: &msg}, ""),
		thriftLibMessage(t, v, "fail", athrift.REPLY, 2, &echo.EchoFailResult{Err: &echo.EchoError{Code: 1, Message: "e"}}, ""),
		thriftLibMessage(t, v, "nope", athrift.EXCEPTION, 3, athrift.NewTApplicationException(athrift.UNKNOWN_METHOD, "nope"), ""),
	}
	req, _, err := thrift.Decode(seeds[0], v, 0)
	if err != nil {
		t.Fatal(err)
	}
	reply := thrift.Proto.ErrorReply(req, xprotocol.StatusTimeout, "timeout")
	req.Release()
	wire, _ := reply.(*thrift.Frame).AppendBinary(nil)
	reply.Release()
	return append(seeds, wire)
}

// thriftDecodeSeeds are the library-written messages of every variant,
// each behind a server session's selector (0) and its client session's
// (the variant), cut in half and with a flipped bit, and all of a variant's
// messages in one stream; and three edge cases: a framed length at the
// limit, a list header claiming 2^31-1 elements, an overlong varint.
func thriftDecodeSeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, v := range thrift.AllVariants() {
		seeds := thriftSeeds(t, v)
		for _, s := range seeds {
			bad := append([]byte{0}, s...)
			bad[1+len(s)/3] ^= 0x40
			out = append(out, append([]byte{0}, s...), append([]byte{byte(v)}, s...), append([]byte{byte(v)}, s[:len(s)/2]...), bad)
		}
		out = append(out, append([]byte{byte(v)}, bytes.Join(seeds, nil)...))
	}
	return append(out,
		[]byte{0, 0x7f, 0xff, 0xff, 0xff, 0x80, 0x01, 0x00, 0x01},
		[]byte{1, 0x80, 0x01, 0x00, 0x01, 0, 0, 0, 1, 'm', 0, 0, 0, 1, 15, 0, 1, 8, 0x7f, 0xff, 0xff, 0xff, 1},
		[]byte{3, 0x82, 0x21, 0x01, 0x01, 'm', 0x19, 0xf9, 0xff, 0xff, 0xff, 0xff, 0x07})
}

// FuzzThriftDecode decodes arbitrary bytes as a stream of Thrift messages.
// The first byte picks the session: 0 a server session that detects the
// variant, 1..4 a client session told that variant. Decode must never
// panic; refusals must be the contract's typed errors; each message it
// accepts must use 0 < n <= len bytes, be claimed by Match, re-encode to its
// own bytes, decode again to the same fields, have every prefix incomplete,
// be renumbered and restored, and survive a service strip.
func FuzzThriftDecode(f *testing.F) {
	for _, s := range thriftDecodeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		opts := xprotocol.SessionOptions{Role: xprotocol.RoleServer, MaxFrameSize: thriftFuzzMaxFrame}
		if v := thrift.Variant(data[0] % 5); v != 0 {
			opts = xprotocol.SessionOptions{Role: xprotocol.RoleClient, Variant: uint8(v), MaxFrameSize: thriftFuzzMaxFrame}
		}
		sess := thrift.Proto.NewSession(opts)
		decodeStream(t, thrift.Name, sess, data[1:], func(fr xprotocol.Frame, raw []byte) {
			checkThriftFrame(t, sess, fr.(*thrift.Frame), raw)
		})
	})
}

// thriftFields is everything observable about a decoded message.
type thriftFields struct {
	Variant thrift.Variant
	Type    thrift.MessageType
	SeqID   int32
	Name    string
	Service string
	Method  string
	Body    string
	Kind    xprotocol.Kind
	Status  xprotocol.Status
	Size    int
}

func thriftFieldsOf(f *thrift.Frame) thriftFields {
	return thriftFields{f.Variant(), f.MessageType(), f.SeqID(), string(f.Name()),
		string(f.Key(xprotocol.KeyService)), string(f.Key(xprotocol.KeyMethod)), string(f.Body()),
		f.Kind(), f.Status(), f.Size()}
}

func checkThriftFrame(t *testing.T, sess xprotocol.Session, f *thrift.Frame, raw []byte) {
	t.Helper()
	v := f.Variant()
	want := thriftFieldsOf(f)
	if want.Size != len(raw) {
		t.Fatalf("Size %d, wire %d", want.Size, len(raw))
	}
	if thrift.Proto.Match(raw) != xprotocol.MatchYes {
		t.Fatalf("decoded %s message not matched: % x", v, raw[:min(len(raw), 8)])
	}
	for _, cut := range []int{len(raw) - 1, len(raw) / 2, 1} {
		if _, n, err := thrift.Decode(raw[:cut], v, thriftFuzzMaxFrame); !errors.Is(err, xprotocol.ErrIncomplete) || n != 0 {
			t.Fatalf("prefix of %d/%d bytes: n=%d err=%v", cut, len(raw), n, err)
		}
	}
	_, _, _ = f.ApplicationException()
	f.Header().Range(func(_, _ []byte) bool { return true })

	// Untouched: the original bytes, which decode to the same fields.
	enc, err := sess.Encode(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, raw) {
		t.Fatalf("untouched Encode differs:\n got % x\nwant % x", enc, raw)
	}
	if got := thriftRedecode(t, v, enc); got != want {
		t.Fatalf("re-decode differs:\n got %+v\nwant %+v", got, want)
	}

	// Renumbered: the new seqid reads back, nothing else changes, and the
	// old one restores the original bytes.
	newID := uint32(want.SeqID) ^ 0x5a5a5a5a
	f.SetStreamID(uint64(newID))
	enc, _ = f.AppendBinary(enc[:0])
	got := thriftRedecode(t, v, enc)
	if got.SeqID != int32(newID) {
		t.Fatalf("renumbered to %d, reads %d", int32(newID), got.SeqID)
	}
	got.SeqID, got.Size = want.SeqID, want.Size
	if got != want {
		t.Fatalf("renumbering changed more than the seqid:\n got %+v\nwant %+v", got, want)
	}
	f.SetStreamID(uint64(uint32(want.SeqID)))
	enc, _ = f.AppendBinary(enc[:0])
	if !thriftCanonicalSeqID(v, raw) {
		return // a padded varint is rewritten in canonical form
	}
	if !bytes.Equal(enc, raw) {
		t.Fatalf("restoring the seqid:\n got % x\nwant % x", enc, raw)
	}

	// A service strip leaves the method and body.
	f.Header().Del("service")
	enc, _ = f.AppendBinary(enc[:0])
	got = thriftRedecode(t, v, enc)
	if got.Name != want.Method || got.Body != want.Body || got.SeqID != want.SeqID {
		t.Fatalf("service strip: %+v from %+v", got, want)
	}
}

// thriftCanonicalSeqID reports whether a compact message's seqid varint is
// the shortest encoding (padded varints are legal; renumbering drops them).
func thriftCanonicalSeqID(v thrift.Variant, raw []byte) bool {
	if !v.Compact() {
		return true
	}
	at := 2
	if v.Framed() {
		at += 4
	}
	seq, n := binary.Uvarint(raw[at:])
	return n > 0 && n == len(binary.AppendUvarint(nil, uint64(uint32(seq)))) && seq == uint64(uint32(seq))
}

func thriftRedecode(t *testing.T, v thrift.Variant, b []byte) thriftFields {
	t.Helper()
	// Edits may take the frame past the fuzz limit; the default bounds it.
	f, n, err := thrift.Decode(b, v, 0)
	if err != nil || n != len(b) {
		t.Fatalf("re-decode of % x: n=%d err=%v", b[:min(len(b), 64)], n, err)
	}
	defer f.Release()
	return thriftFieldsOf(f)
}

// thriftHeaderSeeds are the library-written unframed messages, binary
// (selector 0) and compact (1), whole and one byte short.
func thriftHeaderSeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, v := range []thrift.Variant{thrift.BinaryUnframed, thrift.CompactUnframed} {
		sel := byte(0)
		if v.Compact() {
			sel = 1
		}
		for _, s := range thriftSeeds(t, v) {
			out = append(out, append([]byte{sel}, s...), append([]byte{sel}, s[:len(s)-1]...))
		}
	}
	return out
}

// FuzzThriftHeader is a differential test against the Apache library. The
// first byte picks binary (even) or compact (odd); the rest is read as an
// unframed message. Where the library's ReadMessageBegin accepts it with a
// defined message type (and, binary, a 0 in the version's unused byte, which
// the codec requires), the codec reads the same name, type and seqid; and
// the codec's walker ends the message exactly where the library's Skip of
// the args struct ends it — and fails exactly when Skip fails.
func FuzzThriftHeader(f *testing.F) {
	for _, s := range thriftHeaderSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		v := thrift.BinaryUnframed
		if data[0]&1 == 1 {
			v = thrift.CompactUnframed
		}
		msg := data[1:]
		ctx := context.Background()
		mem := athrift.NewTMemoryBufferLen(len(msg))
		_, _ = mem.Write(msg)
		p, _ := thriftLibProtocol(v, mem)
		name, typ, seqid, libErr := p.ReadMessageBegin(ctx)
		headerLen := len(msg) - mem.Len()

		// The header alone: a frame around the bytes the library read makes
		// the codec parse just the header.
		framed := binary.BigEndian.AppendUint32(nil, uint32(headerLen))
		framed = append(framed, msg[:headerLen]...)
		hf, _, err := thrift.Decode(framed, thrift.MakeVariant(v.Compact(), true), 0)
		ours := err == nil
		defined := typ >= athrift.CALL && typ <= athrift.ONEWAY && (v.Compact() || len(msg) < 3 || msg[2] == 0)
		switch {
		case libErr == nil && defined && !ours:
			t.Fatalf("library reads %q %d %d, codec refuses: %v", name, typ, seqid, err)
		case libErr == nil && defined:
			if string(hf.Name()) != name || int(hf.MessageType()) != int(typ) || hf.SeqID() != seqid {
				t.Fatalf("library %q/%d/%d, codec %q/%d/%d", name, typ, seqid, hf.Name(), hf.MessageType(), hf.SeqID())
			}
		case ours && (libErr != nil || !defined):
			t.Fatalf("codec accepts a header the library refuses (%v, type %d): % x", libErr, typ, framed)
		}
		if hf != nil {
			hf.Release()
		}
		if libErr != nil || !defined {
			return
		}

		// The whole message: the walker and the library's Skip agree.
		skipErr := athrift.SkipDefaultDepth(ctx, p, athrift.STRUCT)
		libLen := len(msg) - mem.Len()
		mf, n, err := thrift.Decode(msg, v, 0)
		switch {
		case skipErr == nil && err != nil:
			t.Fatalf("library skips %d bytes, codec: %v", libLen, err)
		case skipErr == nil && n != libLen:
			t.Fatalf("library skips to %d, codec to %d", libLen, n)
		case skipErr != nil && err == nil:
			t.Fatalf("codec walks %d bytes where the library fails: %v", n, skipErr)
		}
		if mf != nil {
			mf.Release()
		}
	})
}
