package thrift_test

import (
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	athrift "github.com/apache/thrift/lib/go/thrift"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/conformance/thrift/gen-go/echo"
	"github.com/xgate/xgate/xprotocol"
)

var update = flag.Bool("update", false, "rewrite testdata/*.hex from the Apache library's output")

func ptr[T any](v T) *T { return &v }

// bundle returns a Bundle exercising every type and container, with items
// nested depth levels deep through Item.child. Its maps have one entry
// unless multi is set (Go writes maps in random order, and pinned bytes
// must not vary).
func bundle(depth int, multi bool) *echo.Bundle {
	var chain *echo.Item
	for i := range depth {
		chain = &echo.Item{Name: fmt.Sprintf("level-%d", i), ID: int64(-i), Values: []int32{int32(i), -1 << 31}, Child: chain}
	}
	series := map[string][]int64{"s1": {1, -2, 3}}
	byID := map[int32]*echo.Item{-7: {Name: "minus", Child: &echo.Item{Name: "kid"}}}
	if multi {
		series["empty"] = []int64{}
		byID[7] = &echo.Item{Name: "seven"}
	}
	return &echo.Bundle{
		Flag: true, Tiny: -128, Small: -32768, Medium: 1<<31 - 1, Large: -1 << 63, Ratio: 3.25,
		Text: strings.Repeat("ü", 40), Blob: []byte{0, 1, 2, 0xff},
		Items:  []*echo.Item{{Name: "a", Values: []int32{}}, {Name: "b", Values: make([]int32, 20)}, chain},
		Tags:   []string{"x", "y", "z"},
		Series: series,
		ByID:   byID,
		Main:   chain,
		Grid:   [][]bool{{true, false}, {}, make([]bool, 16)},
		Maybe:  ptr(false),
	}
}

// goldenCase is one message the library writes and what the codec must see.
type goldenCase struct {
	name    string
	msg     libMsg
	kind    xprotocol.Kind
	service string
	method  string
	status  xprotocol.Status
	// read is a fresh struct of the body's type, for the library to read.
	read func() athrift.TStruct
}

func goldenCases() []goldenCase {
	appEx := func(t int32, msg string) athrift.TStruct {
		return athrift.NewTApplicationException(t, msg)
	}
	readAppEx := func() athrift.TStruct { return athrift.NewTApplicationException(0, "") }
	return []goldenCase{
		{name: "call_echo", msg: libMsg{name: "echo", typ: athrift.CALL, seqid: 1, body: &echo.EchoEchoArgs{Msg: "hello"}},
			kind: xprotocol.KindRequest, method: "echo", read: func() athrift.TStruct { return echo.NewEchoEchoArgs() }},
		{name: "call_add_negative_seqid", msg: libMsg{name: "add", typ: athrift.CALL, seqid: -5, body: &echo.EchoAddArgs{A: 1, B: -2}},
			kind: xprotocol.KindRequest, method: "add", read: func() athrift.TStruct { return echo.NewEchoAddArgs() }},
		{name: "call_ping_empty_args", msg: libMsg{name: "ping", typ: athrift.CALL, seqid: 1 << 30, body: &echo.EchoPingArgs{}},
			kind: xprotocol.KindRequest, method: "ping", read: func() athrift.TStruct { return echo.NewEchoPingArgs() }},
		{name: "call_mirror_nested", msg: libMsg{name: "mirror", typ: athrift.CALL, seqid: 300, body: &echo.EchoMirrorArgs{B: bundle(6, true)}},
			kind: xprotocol.KindRequest, method: "mirror", read: func() athrift.TStruct { return echo.NewEchoMirrorArgs() }},
		{name: "call_mirror_pinned", msg: libMsg{name: "mirror", typ: athrift.CALL, seqid: 301, body: &echo.EchoMirrorArgs{B: bundle(2, false)}},
			kind: xprotocol.KindRequest, method: "mirror", read: func() athrift.TStruct { return echo.NewEchoMirrorArgs() }},
		{name: "oneway_fire", msg: libMsg{name: "fire", typ: athrift.ONEWAY, seqid: 2, body: &echo.EchoFireArgs{Msg: "and forget"}},
			kind: xprotocol.KindOneway, method: "fire", read: func() athrift.TStruct { return echo.NewEchoFireArgs() }},
		{name: "call_multiplexed", msg: libMsg{name: "echo", typ: athrift.CALL, seqid: 3, body: &echo.EchoEchoArgs{Msg: "hi"}, service: "Echo"},
			kind: xprotocol.KindRequest, service: "Echo", method: "echo", read: func() athrift.TStruct { return echo.NewEchoEchoArgs() }},
		{name: "call_multiplexed_calc", msg: libMsg{name: "mul", typ: athrift.CALL, seqid: 4, body: &echo.CalcMulArgs{A: 6, B: 7}, service: "Calc"},
			kind: xprotocol.KindRequest, service: "Calc", method: "mul", read: func() athrift.TStruct { return echo.NewCalcMulArgs() }},
		{name: "oneway_multiplexed", msg: libMsg{name: "fire", typ: athrift.ONEWAY, seqid: 5, body: &echo.EchoFireArgs{Msg: "m"}, service: "Echo"},
			kind: xprotocol.KindOneway, service: "Echo", method: "fire", read: func() athrift.TStruct { return echo.NewEchoFireArgs() }},
		{name: "call_long_name", msg: libMsg{name: strings.Repeat("n", 300), typ: athrift.CALL, seqid: 6, body: &echo.EchoPingArgs{}},
			kind: xprotocol.KindRequest, method: strings.Repeat("n", 300), read: func() athrift.TStruct { return echo.NewEchoPingArgs() }},
		{name: "reply_echo", msg: libMsg{name: "echo", typ: athrift.REPLY, seqid: 1, body: &echo.EchoEchoResult{Success: ptr("hello")}},
			kind: xprotocol.KindResponse, method: "echo", read: func() athrift.TStruct { return echo.NewEchoEchoResult() }},
		{name: "reply_void", msg: libMsg{name: "ping", typ: athrift.REPLY, seqid: 1 << 30, body: &echo.EchoPingResult{}},
			kind: xprotocol.KindResponse, method: "ping", read: func() athrift.TStruct { return echo.NewEchoPingResult() }},
		{name: "reply_mirror_nested", msg: libMsg{name: "mirror", typ: athrift.REPLY, seqid: 300, body: &echo.EchoMirrorResult{Success: bundle(3, true)}},
			kind: xprotocol.KindResponse, method: "mirror", read: func() athrift.TStruct { return echo.NewEchoMirrorResult() }},
		{name: "reply_declared_exception", msg: libMsg{name: "fail", typ: athrift.REPLY, seqid: 8,
			body: &echo.EchoFailResult{Err: &echo.EchoError{Code: 7, Message: "boom"}}},
			kind: xprotocol.KindResponse, method: "fail", status: xprotocol.StatusOK,
			read: func() athrift.TStruct { return echo.NewEchoFailResult() }},
		{name: "exception_unknown_method", msg: libMsg{name: "nope", typ: athrift.EXCEPTION, seqid: 9, body: appEx(athrift.UNKNOWN_METHOD, "unknown method nope")},
			kind: xprotocol.KindResponse, method: "nope", status: xprotocol.StatusNoRoute, read: readAppEx},
		{name: "exception_internal_error", msg: libMsg{name: "echo", typ: athrift.EXCEPTION, seqid: 10, body: appEx(athrift.INTERNAL_ERROR, "handler failed")},
			kind: xprotocol.KindResponse, method: "echo", status: xprotocol.StatusServerError, read: readAppEx},
		{name: "exception_protocol_error", msg: libMsg{name: "echo", typ: athrift.EXCEPTION, seqid: 11, body: appEx(athrift.PROTOCOL_ERROR, "bad args")},
			kind: xprotocol.KindResponse, method: "echo", status: xprotocol.StatusBadRequest, read: readAppEx},
		{name: "exception_validation_failed", msg: libMsg{name: "echo", typ: athrift.EXCEPTION, seqid: 12, body: appEx(athrift.VALIDATION_FAILED, "")},
			kind: xprotocol.KindResponse, method: "echo", status: xprotocol.StatusBadRequest, read: readAppEx},
		{name: "exception_unknown_type", msg: libMsg{name: "echo", typ: athrift.EXCEPTION, seqid: 13, body: appEx(99, "odd")},
			kind: xprotocol.KindResponse, method: "echo", status: xprotocol.StatusUnknown, read: readAppEx},
	}
}

// TestGoldenLibraryMessages: every message the library writes, in every
// variant, decodes to what the library reads — name, type, seqid, and for
// unframed messages the exact end of the message — with the right kind,
// routing keys and status; the body is what follows the header, and the
// untouched frame encodes as the library's bytes.
func TestGoldenLibraryMessages(t *testing.T) {
	for _, v := range thrift.AllVariants() {
		for _, c := range goldenCases() {
			t.Run(v.String()+"/"+c.name, func(t *testing.T) {
				wire := libWrite(t, v, c.msg)
				lib, err := libRead(v, wire, c.read())
				require.NoError(t, err)
				require.Equal(t, len(wire), lib.n, "the library consumed the whole message")

				// A second message right behind: the codec must stop exactly
				// where the first ends.
				stream := append(append([]byte(nil), wire...), wire...)
				f, n := mustDecode(t, v, stream)
				defer f.Release()
				assert.Equal(t, lib.n, n, "bytes used, as the library's reader")
				assert.Equal(t, lib.name, string(f.Name()))
				assert.Equal(t, int(lib.typ), int(f.MessageType()))
				assert.Equal(t, lib.seqid, f.SeqID())
				assert.Equal(t, uint64(uint32(lib.seqid)), f.StreamID())
				assert.Equal(t, v, f.Variant())
				assert.Equal(t, c.kind, f.Kind())
				assert.Equal(t, c.service, string(f.Key(xprotocol.KeyService)))
				assert.Equal(t, c.method, string(f.Key(xprotocol.KeyMethod)))
				if c.service == "" {
					assert.Nil(t, f.Key(xprotocol.KeyService), "a plain name has no service")
				}
				assert.Equal(t, c.status, f.Status())
				assert.False(t, f.Heartbeat())
				assert.Zero(t, f.Timeout())
				assert.Equal(t, len(wire), f.Size())
				assert.Equal(t, string(wire[len(wire)-len(f.Body()):]), string(f.Body()))

				enc, err := thrift.Proto.NewSession(xprotocol.SessionOptions{}).Encode(nil, f)
				require.NoError(t, err)
				assert.Equal(t, wire, enc)

				// The body alone is the struct the library wrote.
				assertBodyIsStruct(t, v, f.Body(), c.read())
			})
		}
	}
}

// assertBodyIsStruct reads body as one struct of the variant's protocol
// with the library and checks it is all of body.
func assertBodyIsStruct(t *testing.T, v thrift.Variant, body []byte, into athrift.TStruct) {
	t.Helper()
	mem := athrift.NewTMemoryBufferLen(len(body))
	_, _ = mem.Write(body)
	p, _ := libProtocol(thrift.MakeVariant(v.Compact(), false), mem)
	require.NoError(t, into.Read(t.Context(), p))
	assert.Zero(t, mem.Len(), "the body is exactly one struct")
}

// TestGoldenExceptionFields: the TApplicationException the library writes
// parses to its type and message.
func TestGoldenExceptionFields(t *testing.T) {
	for _, v := range thrift.AllVariants() {
		wire := libWrite(t, v, libMsg{name: "m", typ: athrift.EXCEPTION, seqid: 1,
			body: athrift.NewTApplicationException(athrift.PROTOCOL_ERROR, "the message")})
		f, _ := mustDecode(t, v, wire)
		typ, msg, ok := f.ApplicationException()
		require.True(t, ok, v)
		assert.Equal(t, thrift.ExceptionProtocolError, typ, v)
		assert.Equal(t, "the message", string(msg), v)
		f.Release()
	}
}

// goldenFiles are the cases pinned in testdata: if the library ever writes
// other bytes for them, or the codec stops reading them, a test says so.
var goldenFiles = []string{"call_multiplexed", "call_mirror_pinned", "reply_declared_exception", "exception_unknown_method"}

// TestGoldenFiles compares the library's output with testdata/*.hex (go
// test -run TestGoldenFiles -update rewrites them) and decodes the files.
func TestGoldenFiles(t *testing.T) {
	cases := map[string]goldenCase{}
	for _, c := range goldenCases() {
		cases[c.name] = c
	}
	for _, v := range thrift.AllVariants() {
		for _, name := range goldenFiles {
			c := cases[name]
			path := filepath.Join("testdata", strings.ReplaceAll(v.String(), "/", "_")+"-"+name+".hex")
			wire := libWrite(t, v, c.msg)
			if *update {
				writeHex(t, path, fmt.Sprintf("%s %s, written by apache/thrift v0.25.0", v, name), wire)
			}
			golden := conformance.ReadHex(t, path)
			assert.Equal(t, hex.EncodeToString(golden), hex.EncodeToString(wire), "%s: the library's bytes changed", path)
			f, n := mustDecode(t, v, golden)
			assert.Equal(t, len(golden), n, path)
			assert.Equal(t, c.method, string(f.Key(xprotocol.KeyMethod)), path)
			assert.Equal(t, c.status, f.Status(), path)
			f.Release()
		}
	}
}

func writeHex(t testing.TB, path, comment string, b []byte) {
	t.Helper()
	var sb strings.Builder
	sb.WriteString("# " + comment + "\n")
	for len(b) > 0 {
		n := min(len(b), 16)
		sb.WriteString(hex.EncodeToString(b[:n]) + "\n")
		b = b[n:]
	}
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(sb.String()), 0o644))
}
