package bolt_test

import (
	"strings"
	"testing"

	hessian "github.com/apache/dubbo-go-hessian2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/xprotocol"
)

func TestRegistered(t *testing.T) {
	p, ok := xprotocol.Lookup("bolt")
	require.True(t, ok)
	assert.Equal(t, bolt.Proto, p)
	assert.Equal(t, "bolt", p.Name())
	assert.Equal(t, xprotocol.PoolMultiplex, p.PoolMode())
	assert.Equal(t, uint64(1<<32-1), p.MaxStreamID())
}

func TestMatch(t *testing.T) {
	tests := []struct {
		in   []byte
		want xprotocol.MatchResult
	}{
		{nil, xprotocol.MatchNeedMore},
		{[]byte{}, xprotocol.MatchNeedMore},
		// Until type and cmdcode are both in, a valid-so-far prefix needs
		// more bytes (so the answer never flips as bytes arrive); an
		// invalid byte is refused at once.
		{[]byte{0x01}, xprotocol.MatchNeedMore},
		{[]byte{0x01, 0x00}, xprotocol.MatchNeedMore},
		{[]byte{0x01, 0x01}, xprotocol.MatchNeedMore},
		{[]byte{0x01, 0x02}, xprotocol.MatchNeedMore},
		{[]byte{0x01, 0x03}, xprotocol.MatchNo},
		{[]byte{0x01, 0x01, 0x00}, xprotocol.MatchNeedMore},
		{[]byte{0x01, 0x01, 0x01}, xprotocol.MatchNo},
		{[]byte{0x01, 0x01, 0x00, 0x00}, xprotocol.MatchYes},
		{[]byte{0x01, 0x01, 0x00, 0x01}, xprotocol.MatchYes},
		{[]byte{0x01, 0x00, 0x00, 0x02}, xprotocol.MatchYes},
		{[]byte{0x01, 0x01, 0x00, 0x03}, xprotocol.MatchNo},
		{[]byte{0x01, 0x01, 0x00, 0x01, 0xff, 0xff}, xprotocol.MatchYes},
		{[]byte{0x00}, xprotocol.MatchNo},
		{[]byte{0x02, 0x01}, xprotocol.MatchNo}, // Bolt v2: a later codec
		{[]byte{0xda, 0xbb}, xprotocol.MatchNo}, // Dubbo magic
		{[]byte("GET /"), xprotocol.MatchNo},
		{[]byte("PRI * HTTP/2.0"), xprotocol.MatchNo},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, bolt.Proto.Match(tc.in), "% x", tc.in)
	}
	for _, c := range goldenCases() {
		b := c.wire.bytes()
		assert.Equal(t, xprotocol.MatchYes, bolt.Proto.Match(b), c.name)
		// The answer is stable: every prefix says NeedMore or Yes, never No.
		for i := range 4 {
			assert.NotEqual(t, xprotocol.MatchNo, bolt.Proto.Match(b[:i]), "%s prefix %d", c.name, i)
		}
	}
}

func TestStatusMapping(t *testing.T) {
	want := map[bolt.RespStatus]xprotocol.Status{
		bolt.StatusSuccess:                 xprotocol.StatusOK,
		bolt.StatusError:                   xprotocol.StatusServerError,
		bolt.StatusServerException:         xprotocol.StatusServerError,
		bolt.StatusUnknown:                 xprotocol.StatusUnknown,
		bolt.StatusServerThreadpoolBusy:    xprotocol.StatusOverload,
		bolt.StatusErrorComm:               xprotocol.StatusUnavailable,
		bolt.StatusNoProcessor:             xprotocol.StatusNoRoute,
		bolt.StatusTimeout:                 xprotocol.StatusTimeout,
		bolt.StatusClientSendError:         xprotocol.StatusUnavailable,
		bolt.StatusCodecException:          xprotocol.StatusBadRequest,
		bolt.StatusConnectionClosed:        xprotocol.StatusUnavailable,
		bolt.StatusServerSerialException:   xprotocol.StatusServerError,
		bolt.StatusServerDeserialException: xprotocol.StatusBadRequest,
		0x0013:                             xprotocol.StatusUnknown,
		0x000a:                             xprotocol.StatusUnknown,
		0xffff:                             xprotocol.StatusUnknown,
	}
	require.Len(t, allRespStatuses, 13)
	for _, st := range allRespStatuses {
		require.Contains(t, want, st)
	}
	for st, g := range want {
		assert.Equal(t, g, st.Generic(), "%s", st)
		// A response carrying the code reports the same generic status.
		f := bolt.NewResponse(1, st, "", nil, nil)
		assert.Equal(t, g, f.Status(), "%s", st)
		f.Release()
	}
	// Wire values are the SOFA ones.
	codes := []uint16{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x10, 0x11, 0x12}
	for i, st := range allRespStatuses {
		assert.Equal(t, codes[i], uint16(st), "%s", st)
	}
	assert.Equal(t, "SERVER_DESERIAL_EXCEPTION", bolt.StatusServerDeserialException.String())
	assert.Equal(t, "RespStatus(0x13)", bolt.RespStatus(0x13).String())
}

func TestRespStatusFor(t *testing.T) {
	want := map[xprotocol.Status]bolt.RespStatus{
		xprotocol.StatusOK:          bolt.StatusSuccess,
		xprotocol.StatusNoRoute:     bolt.StatusNoProcessor,
		xprotocol.StatusUnavailable: bolt.StatusConnectionClosed,
		xprotocol.StatusTimeout:     bolt.StatusTimeout,
		xprotocol.StatusOverload:    bolt.StatusServerThreadpoolBusy,
		xprotocol.StatusBadRequest:  bolt.StatusCodecException,
		xprotocol.StatusServerError: bolt.StatusServerException,
		xprotocol.StatusUnknown:     bolt.StatusUnknown,
		xprotocol.Status(200):       bolt.StatusUnknown,
	}
	for g, st := range want {
		assert.Equal(t, st, bolt.RespStatusFor(g), "%s", g)
		// Mapping back gives the generic status again.
		if g <= xprotocol.StatusUnknown {
			assert.Equal(t, g, bolt.RespStatusFor(g).Generic(), "%s", g)
		}
	}
}

// TestErrorReply checks the reply for every generic status against the
// independent writer, for hessian2 and protobuf requests.
func TestErrorReply(t *testing.T) {
	statuses := []xprotocol.Status{
		xprotocol.StatusOK, xprotocol.StatusNoRoute, xprotocol.StatusUnavailable, xprotocol.StatusTimeout,
		xprotocol.StatusOverload, xprotocol.StatusBadRequest, xprotocol.StatusServerError, xprotocol.StatusUnknown,
	}
	for _, codec := range []uint8{1, 11} {
		reqWire := wire{Type: 1, CmdCode: 1, Ver2: 1, ID: 4242, Codec: codec, Timeout: 100,
			Class: sofaRequestClass, Headers: rpcHeaders, Content: []byte("x")}
		req := decodeWhole(t, reqWire.bytes())
		for _, st := range statuses {
			msg := "xgate: " + st.String()
			reply := bolt.Proto.ErrorReply(req, st, msg)
			require.NotNil(t, reply)
			bf := reply.(*bolt.Frame)
			want := wire{Type: 0, CmdCode: 2, Ver2: 1, ID: 4242, Codec: codec,
				Status: uint16(bolt.RespStatusFor(st)), Class: "java.lang.String", Content: hessianShortString(msg)}
			assert.Equal(t, want.bytes(), encode(t, bf), "codec %d %s", codec, st)
			assert.Equal(t, xprotocol.KindResponse, reply.Kind())
			assert.False(t, reply.Heartbeat())
			assert.Equal(t, st, reply.Status())

			decoded, err := hessian.NewDecoder(reply.Body()).Decode()
			require.NoError(t, err)
			assert.Equal(t, msg, decoded)
			reply.Release()
		}
		req.Release()
	}
}

// TestErrorReplyLongMessage: messages past hessian2's short forms still
// decode as the same java.lang.String.
func TestErrorReplyLongMessage(t *testing.T) {
	req := bolt.NewRequest(1, sofaRequestClass, nil, nil, 0)
	defer req.Release()
	for _, msg := range []string{"", "é unicode ✓", strings.Repeat("x", 31), strings.Repeat("y", 32), strings.Repeat("z", 70000)} {
		reply := bolt.Proto.ErrorReply(req, xprotocol.StatusServerError, msg)
		require.NotNil(t, reply)
		decoded, err := hessian.NewDecoder(reply.Body()).Decode()
		require.NoError(t, err)
		assert.Equal(t, msg, decoded)
		assert.Equal(t, bolt.StatusServerException, reply.(*bolt.Frame).RespStatus())
		reply.Release()
	}
}

func TestErrorReplyNoReply(t *testing.T) {
	oneway := bolt.NewOneway(1, sofaRequestClass, nil, nil)
	defer oneway.Release()
	assert.Nil(t, bolt.Proto.ErrorReply(oneway, xprotocol.StatusNoRoute, "x"))

	resp := bolt.NewResponse(1, bolt.StatusSuccess, "", nil, nil)
	defer resp.Release()
	assert.Nil(t, bolt.Proto.ErrorReply(resp, xprotocol.StatusNoRoute, "x"))
}

// TestErrorReplyHeartbeat: a heartbeat gets a heartbeat ack carrying the
// status, without content.
func TestErrorReplyHeartbeat(t *testing.T) {
	hb := bolt.NewHeartbeat(5)
	defer hb.Release()
	reply := bolt.Proto.ErrorReply(hb, xprotocol.StatusUnavailable, "upstream gone")
	require.NotNil(t, reply)
	defer reply.Release()
	want := wire{Type: 0, CmdCode: 0, Ver2: 1, ID: 5, Codec: 1, Status: 0x0010}
	assert.Equal(t, want.bytes(), encode(t, reply.(*bolt.Frame)))
	assert.True(t, reply.Heartbeat())
}

func TestHeartbeatShapes(t *testing.T) {
	hb := bolt.Proto.NewHeartbeat(1<<32 + 77)
	defer hb.Release()
	assert.Equal(t, wire{Type: 1, CmdCode: 0, Ver2: 1, ID: 77, Codec: 1}.bytes(), encode(t, hb.(*bolt.Frame)))
	assert.True(t, hb.Heartbeat())
	assert.Equal(t, xprotocol.KindRequest, hb.Kind())
	assert.Empty(t, hb.Body())
	assert.Zero(t, hb.Timeout())

	ack := bolt.Proto.HeartbeatReply(hb)
	defer ack.Release()
	assert.Equal(t, wire{Type: 0, CmdCode: 0, Ver2: 1, ID: 77, Codec: 1, Status: 0}.bytes(), encode(t, ack.(*bolt.Frame)))
	assert.True(t, ack.Heartbeat())
	assert.Equal(t, xprotocol.KindResponse, ack.Kind())
	assert.Equal(t, xprotocol.StatusOK, ack.Status())

	// A heartbeat in the protobuf codec is answered in it.
	pbHB := decodeWhole(t, wire{Type: 1, CmdCode: 0, Ver2: 1, ID: 3, Codec: 11}.bytes())
	defer pbHB.Release()
	pbAck := bolt.Proto.HeartbeatReply(pbHB)
	defer pbAck.Release()
	assert.Equal(t, wire{Type: 0, CmdCode: 0, Ver2: 1, ID: 3, Codec: 11}.bytes(), encode(t, pbAck.(*bolt.Frame)))
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name  string
		msg   bolt.Message
		field string
		class error
	}{
		{"type", bolt.Message{Type: 3, Code: bolt.CodeRequest}, "type", xprotocol.ErrMalformed},
		{"cmdcode", bolt.Message{Type: bolt.TypeRequest, Code: 3}, "cmdcode", xprotocol.ErrMalformed},
		{"class", bolt.Message{Type: bolt.TypeRequest, Code: bolt.CodeRequest, Class: strings.Repeat("c", 1<<15)}, "classLen", xprotocol.ErrFrameTooLarge},
		{"headers", bolt.Message{Type: bolt.TypeRequest, Code: bolt.CodeRequest,
			Headers: [][2]string{{"k", strings.Repeat("v", 1<<15-8)}}}, "headerLen", xprotocol.ErrFrameTooLarge},
	}
	for _, tc := range tests {
		f, err := bolt.Build(tc.msg)
		assert.Nil(t, f, tc.name)
		require.ErrorIs(t, err, tc.class, tc.name)
		var fe *xprotocol.FrameError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, tc.field, fe.Field, tc.name)
	}
	// The largest lengths that fit are accepted.
	f, err := bolt.Build(bolt.Message{Type: bolt.TypeRequest, Code: bolt.CodeRequest,
		Class: strings.Repeat("c", 1<<15-1), Headers: [][2]string{{"k", strings.Repeat("v", 1<<15-10)}}})
	require.NoError(t, err)
	g, n, err := bolt.Decode(encode(t, f), 0)
	require.NoError(t, err)
	assert.Equal(t, f.Size(), n)
	g.Release()
	f.Release()

	assert.Panics(t, func() { bolt.NewRequest(1, strings.Repeat("c", 1<<15), nil, nil, 0) })
}

// foreignFrame is a frame of another protocol.
type foreignFrame struct{ xprotocol.Frame }

func (foreignFrame) Protocol() string { return "dubbo" }

func TestEncodeForeignFrame(t *testing.T) {
	_, err := bolt.Proto.NewSession(xprotocol.SessionOptions{}).Encode(nil, foreignFrame{})
	require.ErrorIs(t, err, bolt.ErrNotBolt)
	assert.Contains(t, err.Error(), "dubbo")
}

func TestEnumStrings(t *testing.T) {
	assert.Equal(t, "REQUEST_ONEWAY", bolt.TypeOneway.String())
	assert.Equal(t, "CmdType(9)", bolt.CmdType(9).String())
	assert.Equal(t, "RPC_RESPONSE", bolt.CodeResponse.String())
	assert.Equal(t, "HEARTBEAT", bolt.CodeHeartbeat.String())
	assert.Equal(t, "CmdCode(9)", bolt.CmdCode(9).String())
	assert.Equal(t, "protobuf", bolt.CodecProtobuf.String())
	assert.Equal(t, "Codec(0)", bolt.Codec(0).String())
}
