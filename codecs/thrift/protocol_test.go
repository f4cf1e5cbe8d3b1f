package thrift_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	athrift "github.com/apache/thrift/lib/go/thrift"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/conformance/thrift/gen-go/echo"
	"github.com/xgate/xgate/xprotocol"
)

var allStatuses = []xprotocol.Status{xprotocol.StatusNoRoute, xprotocol.StatusUnavailable, xprotocol.StatusTimeout,
	xprotocol.StatusOverload, xprotocol.StatusBadRequest, xprotocol.StatusServerError, xprotocol.StatusUnknown}

// TestErrorReplyReadByLibrary: in every variant, for plain and multiplexed
// calls and every status, the library reads the error reply as an EXCEPTION
// with the call's seqid and method name, whose TApplicationException has
// the mapped type and the message — and the generated client's receive path
// (which checks the name) returns it as the call's error. The codec reads
// the reply's status back exactly.
func TestErrorReplyReadByLibrary(t *testing.T) {
	ctx := context.Background()
	for _, v := range thrift.AllVariants() {
		for _, service := range []string{"", "Echo"} {
			wire := libWrite(t, v, libMsg{name: "echo", typ: athrift.CALL, seqid: 77, body: &echo.EchoEchoArgs{Msg: "m"}, service: service})
			req, _ := mustDecode(t, v, wire)
			for _, st := range allStatuses {
				msg := fmt.Sprintf("xgate: %s for echo", st)
				reply := thrift.Proto.ErrorReply(req, st, msg)
				require.NotNil(t, reply)
				enc, err := thrift.Proto.NewSession(xprotocol.SessionOptions{}).Encode(nil, reply)
				require.NoError(t, err)
				reply.Release()

				ex := athrift.NewTApplicationException(0, "")
				lib, err := libRead(v, enc, ex)
				require.NoError(t, err, "%s %s", v, st)
				assert.Equal(t, "echo", lib.name, "the bare method name, as a multiplexing server replies")
				assert.Equal(t, athrift.EXCEPTION, lib.typ)
				assert.Equal(t, int32(77), lib.seqid)
				assert.Equal(t, len(enc), lib.n)
				assert.Equal(t, int32(thrift.ExceptionTypeFor(st)), ex.TypeId(), "%s %s", v, st)
				assert.Equal(t, msg, ex.Error())

				// What a generated client's Recv makes of it.
				mem := athrift.NewTMemoryBufferLen(len(enc))
				_, _ = mem.Write(enc)
				iprot, _ := libProtocol(v, mem)
				err = athrift.NewTStandardClient(iprot, iprot).Recv(ctx, iprot, 77, "echo", echo.NewEchoEchoResult())
				var tae athrift.TApplicationException
				require.True(t, errors.As(err, &tae), "%s %s: %v", v, st, err)
				assert.Equal(t, int32(thrift.ExceptionTypeFor(st)), tae.TypeId())

				back, n := mustDecode(t, v, enc)
				assert.Equal(t, len(enc), n)
				assert.Equal(t, st, back.Status(), "%s %s: the gateway field keeps the status", v, st)
				assert.Equal(t, xprotocol.KindResponse, back.Kind())
				assert.Equal(t, uint64(77), back.StreamID())
				typ, m, ok := back.ApplicationException()
				assert.True(t, ok)
				assert.Equal(t, thrift.ExceptionTypeFor(st), typ)
				assert.Equal(t, msg, string(m))
				back.Release()
			}
			req.Release()
		}
	}
}

// TestErrorReplyNone: oneway calls, replies and foreign frames get none.
func TestErrorReplyNone(t *testing.T) {
	for _, m := range []libMsg{
		{name: "fire", typ: athrift.ONEWAY, seqid: 1, body: &echo.EchoFireArgs{}},
		{name: "echo", typ: athrift.REPLY, seqid: 1, body: &echo.EchoEchoResult{Success: ptr("x")}},
		{name: "echo", typ: athrift.EXCEPTION, seqid: 1, body: athrift.NewTApplicationException(1, "x")},
	} {
		f, _ := mustDecode(t, thrift.BinaryFramed, libWrite(t, thrift.BinaryFramed, m))
		assert.Nil(t, thrift.Proto.ErrorReply(f, xprotocol.StatusTimeout, "x"), m.typ)
		f.Release()
	}
	assert.Nil(t, thrift.Proto.ErrorReply(foreignFrame{}, xprotocol.StatusTimeout, "x"))
}

// TestStatusMapping pins both directions of the exception type mapping and
// that, without the gateway field, timeout, overload and unavailable read
// back as server_error (what a non-Xgate peer sees).
func TestStatusMapping(t *testing.T) {
	wantType := map[xprotocol.Status]thrift.ExceptionType{
		xprotocol.StatusNoRoute:     thrift.ExceptionUnknownMethod,
		xprotocol.StatusUnavailable: thrift.ExceptionInternalError,
		xprotocol.StatusTimeout:     thrift.ExceptionInternalError,
		xprotocol.StatusOverload:    thrift.ExceptionInternalError,
		xprotocol.StatusBadRequest:  thrift.ExceptionProtocolError,
		xprotocol.StatusServerError: thrift.ExceptionInternalError,
		xprotocol.StatusUnknown:     thrift.ExceptionUnknown,
	}
	for st, typ := range wantType {
		assert.Equal(t, typ, thrift.ExceptionTypeFor(st), st)
	}
	wantStatus := map[thrift.ExceptionType]xprotocol.Status{
		thrift.ExceptionUnknown:               xprotocol.StatusUnknown,
		thrift.ExceptionUnknownMethod:         xprotocol.StatusNoRoute,
		thrift.ExceptionInvalidMessageType:    xprotocol.StatusBadRequest,
		thrift.ExceptionWrongMethodName:       xprotocol.StatusBadRequest,
		thrift.ExceptionBadSequenceID:         xprotocol.StatusBadRequest,
		thrift.ExceptionMissingResult:         xprotocol.StatusServerError,
		thrift.ExceptionInternalError:         xprotocol.StatusServerError,
		thrift.ExceptionProtocolError:         xprotocol.StatusBadRequest,
		thrift.ExceptionInvalidTransform:      xprotocol.StatusBadRequest,
		thrift.ExceptionInvalidProtocol:       xprotocol.StatusBadRequest,
		thrift.ExceptionUnsupportedClientType: xprotocol.StatusBadRequest,
		thrift.ExceptionValidationFailed:      xprotocol.StatusBadRequest,
		12:                                    xprotocol.StatusUnknown,
		-1:                                    xprotocol.StatusUnknown,
	}
	for typ, st := range wantStatus {
		assert.Equal(t, st, typ.Generic(), typ)
	}
	assert.Equal(t, "INTERNAL_ERROR", thrift.ExceptionInternalError.String())
	assert.Equal(t, "ExceptionType(42)", thrift.ExceptionType(42).String())

	// A standard peer's exception carries only the type.
	for _, st := range []xprotocol.Status{xprotocol.StatusTimeout, xprotocol.StatusOverload, xprotocol.StatusUnavailable} {
		wire := libWrite(t, thrift.CompactFramed, libMsg{name: "echo", typ: athrift.EXCEPTION, seqid: 1,
			body: athrift.NewTApplicationException(int32(thrift.ExceptionTypeFor(st)), "x")})
		f, _ := mustDecode(t, thrift.CompactFramed, wire)
		assert.Equal(t, xprotocol.StatusServerError, f.Status(), st)
		f.Release()
	}
}

// TestNoHeartbeat: Thrift has none.
func TestNoHeartbeat(t *testing.T) {
	assert.Nil(t, thrift.Proto.NewHeartbeat(1))
	f, _ := mustDecode(t, thrift.BinaryFramed, libWrite(t, thrift.BinaryFramed,
		libMsg{name: "ping", typ: athrift.CALL, seqid: 1, body: &echo.EchoPingArgs{}}))
	assert.Nil(t, thrift.Proto.HeartbeatReply(f))
	assert.False(t, f.Heartbeat())
	f.Release()
}

// TestVariantsAndPoolModes pins the variant encoding and pool modes.
func TestVariantsAndPoolModes(t *testing.T) {
	for i, v := range thrift.AllVariants() {
		assert.Equal(t, thrift.Variant(i+1), v)
		assert.Equal(t, v, thrift.MakeVariant(v.Compact(), v.Framed()))
		assert.True(t, v.Valid())
	}
	assert.Equal(t, thrift.Variant(1), thrift.MakeVariant(false, false))
	assert.Equal(t, thrift.Variant(2), thrift.MakeVariant(false, true))
	assert.Equal(t, thrift.Variant(3), thrift.MakeVariant(true, false))
	assert.Equal(t, thrift.Variant(4), thrift.MakeVariant(true, true))
	assert.False(t, thrift.Variant(0).Valid())
	assert.False(t, thrift.Variant(5).Valid())
	assert.Equal(t, "compact/framed", thrift.CompactFramed.String())

	var vs xprotocol.Variants = thrift.Proto
	assert.Equal(t, xprotocol.PoolMultiplex, vs.VariantPoolMode(uint8(thrift.BinaryFramed)))
	assert.Equal(t, xprotocol.PoolMultiplex, vs.VariantPoolMode(uint8(thrift.CompactFramed)))
	assert.Equal(t, xprotocol.PoolPingPong, vs.VariantPoolMode(uint8(thrift.BinaryUnframed)))
	assert.Equal(t, xprotocol.PoolPingPong, vs.VariantPoolMode(uint8(thrift.CompactUnframed)))
	assert.Equal(t, xprotocol.PoolPingPong, vs.VariantPoolMode(0))
	assert.Equal(t, xprotocol.PoolPingPong, thrift.Proto.PoolMode())
	assert.Equal(t, uint64(1<<31-1), thrift.Proto.MaxStreamID())

	for _, v := range thrift.AllVariants() {
		f, _ := mustDecode(t, v, libWrite(t, v, libMsg{name: "ping", typ: athrift.CALL, seqid: 1, body: &echo.EchoPingArgs{}}))
		assert.Equal(t, uint8(v), vs.FrameVariant(f))
		assert.Equal(t, xprotocol.PoolModeOf(thrift.Proto, uint8(v)), vs.VariantPoolMode(uint8(v)))
		f.Release()
	}
	assert.Zero(t, vs.FrameVariant(foreignFrame{}))

	p, ok := xprotocol.Lookup("thrift")
	require.True(t, ok, "registered in init")
	assert.Equal(t, thrift.Proto, p)
}

// foreignFrame is another protocol's frame.
type foreignFrame struct{ xprotocol.Frame }

func (foreignFrame) Protocol() string         { return "other" }
func (foreignFrame) Kind() xprotocol.Kind     { return xprotocol.KindRequest }
func (foreignFrame) StreamID() uint64         { return 1 }
func (foreignFrame) Status() xprotocol.Status { return xprotocol.StatusOK }
