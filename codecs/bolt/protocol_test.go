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
		// Bolt v1: until type, cmdcode and ver2 are all in, a valid-so-far
		// prefix needs more bytes (so the answer never flips as bytes
		// arrive); an invalid byte is refused at once.
		{[]byte{0x01}, xprotocol.MatchNeedMore},
		{[]byte{0x01, 0x00}, xprotocol.MatchNeedMore},
		{[]byte{0x01, 0x01}, xprotocol.MatchNeedMore},
		{[]byte{0x01, 0x02}, xprotocol.MatchNeedMore},
		{[]byte{0x01, 0x03}, xprotocol.MatchNo},
		{[]byte{0x01, 0x01, 0x00}, xprotocol.MatchNeedMore},
		{[]byte{0x01, 0x01, 0x01}, xprotocol.MatchNo},
		{[]byte{0x01, 0x01, 0x00, 0x00}, xprotocol.MatchNeedMore},
		{[]byte{0x01, 0x01, 0x00, 0x01}, xprotocol.MatchNeedMore},
		{[]byte{0x01, 0x00, 0x00, 0x02}, xprotocol.MatchNeedMore},
		{[]byte{0x01, 0x01, 0x00, 0x03}, xprotocol.MatchNo},
		{[]byte{0x01, 0x01, 0x00, 0x00, 0x01}, xprotocol.MatchYes},
		{[]byte{0x01, 0x01, 0x00, 0x01, 0x01}, xprotocol.MatchYes},
		{[]byte{0x01, 0x00, 0x00, 0x02, 0x01}, xprotocol.MatchYes},
		{[]byte{0x01, 0x02, 0x00, 0x01, 0x01, 0xff, 0xff}, xprotocol.MatchYes},
		// ver2 other than 1: not claimed at detection (Decode accepts it).
		{[]byte{0x01, 0x01, 0x00, 0x01, 0x00}, xprotocol.MatchNo},
		{[]byte{0x01, 0x01, 0x00, 0x01, 0x07}, xprotocol.MatchNo},
		{[]byte{0x01, 0x01, 0x00, 0x01, 0xff, 0xff}, xprotocol.MatchNo},
		// Bolt v2: ver1, type and cmdcode.
		{[]byte{0x02}, xprotocol.MatchNeedMore},
		{[]byte{0x02, 0x00}, xprotocol.MatchNo},
		{[]byte{0x02, 0x01}, xprotocol.MatchNeedMore},
		{[]byte{0x02, 0x02}, xprotocol.MatchNeedMore},
		{[]byte{0x02, 0x03}, xprotocol.MatchNo},
		{[]byte{0x02, 0xff}, xprotocol.MatchNo},
		{[]byte{0x02, 0x01, 0x03}, xprotocol.MatchNo},
		{[]byte{0x02, 0x02, 0x00}, xprotocol.MatchNeedMore},
		{[]byte{0x02, 0x01, 0x01, 0x01}, xprotocol.MatchNo},
		{[]byte{0x02, 0x01, 0x01, 0x00}, xprotocol.MatchNeedMore},
		{[]byte{0x02, 0x01, 0x01, 0x00, 0x03}, xprotocol.MatchNo},
		{[]byte{0x02, 0x01, 0x01, 0x00, 0x01}, xprotocol.MatchYes},
		{[]byte{0x02, 0x02, 0x00, 0x00, 0x00}, xprotocol.MatchYes},
		{[]byte{0x02, 0x02, 0x02, 0x00, 0x01, 0x09, 0xff}, xprotocol.MatchYes}, // ver2 is not checked in v2
		// Framed Thrift: a positive length, then 0x80 0x01 (binary) or 0x82
		// (compact) at byte 4.
		{[]byte{0x01, 0x00, 0x00, 0x10, 0x80, 0x01, 0x00, 0x01}, xprotocol.MatchNo},
		{[]byte{0x01, 0x01, 0x00, 0x01, 0x80, 0x01, 0x00, 0x01}, xprotocol.MatchNo},
		{[]byte{0x01, 0x00, 0x00, 0x02, 0x82, 0x21, 0x00, 0x04}, xprotocol.MatchNo},
		{[]byte{0x02, 0x00, 0x00, 0x10, 0x82, 0x21, 0x01, 0x04}, xprotocol.MatchNo},
		{[]byte{0x02, 0x01, 0x01, 0x00, 0x80, 0x01, 0x00, 0x01}, xprotocol.MatchNo},
		{[]byte{0x02, 0x02, 0x00, 0x00, 0x82, 0x21, 0x00, 0x04}, xprotocol.MatchNo},
		{[]byte{0x00}, xprotocol.MatchNo},
		{[]byte{0x03, 0x01}, xprotocol.MatchNo},
		{[]byte{0xda, 0xbb}, xprotocol.MatchNo},             // Dubbo magic
		{[]byte{0x80, 0x01, 0x00, 0x01}, xprotocol.MatchNo}, // unframed Thrift binary
		{[]byte("GET /"), xprotocol.MatchNo},
		{[]byte("PRI * HTTP/2.0"), xprotocol.MatchNo},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, bolt.Proto.Match(tc.in), "% x", tc.in)
	}
	for _, c := range goldenCases() {
		b := c.wire.bytes()
		want := xprotocol.MatchYes
		if !c.wire.v2() && c.wire.Ver2 != 1 {
			want = xprotocol.MatchNo // decodable, but not claimed at detection
		}
		assert.Equal(t, want, bolt.Proto.Match(b), c.name)
		// The answer is stable: every prefix says NeedMore until the 5th
		// byte decides, then the same answer.
		for i := range b {
			got := bolt.Proto.Match(b[:i])
			if i < 5 {
				assert.Equal(t, xprotocol.MatchNeedMore, got, "%s prefix %d", c.name, i)
			} else {
				assert.Equal(t, want, got, "%s prefix %d", c.name, i)
			}
		}
	}
}

// TestMatchMonotone: over every 5-byte Bolt-like start built from bytes that
// sit on a field boundary, Match never changes its mind as bytes arrive.
func TestMatchMonotone(t *testing.T) {
	vals := []byte{0x00, 0x01, 0x02, 0x03, 0x7f, 0x80, 0x82, 0xff}
	for _, p0 := range []byte{0x01, 0x02} {
		for _, b1 := range vals {
			for _, b2 := range vals {
				for _, b3 := range vals {
					for _, b4 := range vals {
						in := []byte{p0, b1, b2, b3, b4, 0x01}
						decided := xprotocol.MatchNeedMore
						for i := 0; i <= len(in); i++ {
							r := bolt.Proto.Match(in[:i])
							if decided != xprotocol.MatchNeedMore && r != decided {
								t.Fatalf("% x: prefix %d says %v after %v", in, i, r, decided)
							}
							decided = r
						}
						if decided == xprotocol.MatchNeedMore {
							t.Fatalf("% x: undecided after 6 bytes", in)
						}
					}
				}
			}
		}
	}
}

// TestMatchDisjointFromFramedThrift: no framed Thrift start (a positive
// 4-byte length, then 0x80 0x01 or 0x82) is claimed, whatever the length.
// Bolt reads bytes 0 to 4 only, so every length whose first byte is a Bolt
// proto byte and whose third byte could be a cmdcode high byte is tried.
func TestMatchDisjointFromFramedThrift(t *testing.T) {
	in := make([]byte, 6)
	for _, p0 := range []byte{0x01, 0x02} {
		for b1 := range 256 {
			for _, b2 := range []byte{0x00, 0x01, 0x80} {
				for b3 := range 256 {
					for _, marker := range [][2]byte{{0x80, 0x01}, {0x82, 0x21}, {0x82, 0x41}} {
						in[0], in[1], in[2], in[3], in[4], in[5] = p0, byte(b1), b2, byte(b3), marker[0], marker[1]
						if bolt.Proto.Match(in) != xprotocol.MatchNo {
							t.Fatalf("framed Thrift start % x is not refused", in)
						}
					}
				}
			}
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

// replyLayouts are the request layouts a reply must echo: Bolt v1, and v2
// without a CRC32, with one, and with other switch bits set.
var replyLayouts = []struct {
	name               string
	proto, ver1, swtch uint8
}{
	{"v1", 0, 0, 0},
	{"v2", 2, 1, 0},
	{"v2_crc", 2, 2, 1},
	{"v2_crc_other_bits", 2, 2, 0x43},
	{"v2_ver1_1_switch_bit", 2, 1, 1},
}

// TestErrorReply checks the reply for every generic status against the
// independent writer, for hessian2 and protobuf requests in every layout:
// a Bolt v2 request is answered in v2 with its ver1 and switch byte.
func TestErrorReply(t *testing.T) {
	statuses := []xprotocol.Status{
		xprotocol.StatusOK, xprotocol.StatusNoRoute, xprotocol.StatusUnavailable, xprotocol.StatusTimeout,
		xprotocol.StatusOverload, xprotocol.StatusBadRequest, xprotocol.StatusServerError, xprotocol.StatusUnknown,
	}
	for _, lay := range replyLayouts {
		for _, codec := range []uint8{1, 11} {
			testErrorReply(t, lay.name, wire{Proto: lay.proto, Ver1: lay.ver1, Switch: lay.swtch,
				Type: 1, CmdCode: 1, Ver2: 1, ID: 4242, Codec: codec, Timeout: 100,
				Class: sofaRequestClass, Headers: rpcHeaders, Content: []byte("x")}, statuses)
		}
	}
}

func testErrorReply(t *testing.T, name string, reqWire wire, statuses []xprotocol.Status) {
	t.Helper()
	req := decodeWhole(t, reqWire.bytes())
	defer req.Release()
	for _, st := range statuses {
		msg := "xgate: " + st.String()
		reply := bolt.Proto.ErrorReply(req, st, msg)
		require.NotNil(t, reply)
		bf := reply.(*bolt.Frame)
		want := wire{Proto: reqWire.Proto, Ver1: reqWire.Ver1, Switch: reqWire.Switch,
			Type: 0, CmdCode: 2, Ver2: 1, ID: 4242, Codec: reqWire.Codec,
			Status: uint16(bolt.RespStatusFor(st)), Class: "java.lang.String", Content: hessianShortString(msg)}
		got := encode(t, bf)
		assert.Equal(t, want.bytes(), got, "%s codec %d %s", name, reqWire.Codec, st)
		assert.Equal(t, reqWire.crc(), bf.CRCEnabled(), "%s: CRC32 as the request", name)
		back := decodeWhole(t, got) // a CRC32 reply passes the check
		back.Release()
		assert.Equal(t, xprotocol.KindResponse, reply.Kind())
		assert.False(t, reply.Heartbeat())
		assert.Equal(t, st, reply.Status())

		decoded, err := hessian.NewDecoder(reply.Body()).Decode()
		require.NoError(t, err)
		assert.Equal(t, msg, decoded)
		reply.Release()
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
// status, without content, in the heartbeat's layout.
func TestErrorReplyHeartbeat(t *testing.T) {
	for _, lay := range replyLayouts {
		hb := decodeWhole(t, wire{Proto: lay.proto, Ver1: lay.ver1, Switch: lay.swtch,
			Type: 1, CmdCode: 0, Ver2: 1, ID: 5, Codec: 1}.bytes())
		reply := bolt.Proto.ErrorReply(hb, xprotocol.StatusUnavailable, "upstream gone")
		require.NotNil(t, reply)
		want := wire{Proto: lay.proto, Ver1: lay.ver1, Switch: lay.swtch,
			Type: 0, CmdCode: 0, Ver2: 1, ID: 5, Codec: 1, Status: 0x0010}
		assert.Equal(t, want.bytes(), encode(t, reply.(*bolt.Frame)), lay.name)
		assert.True(t, reply.Heartbeat())
		reply.Release()
		hb.Release()
	}
}

// TestHeartbeatReplyV2: a Bolt v2 heartbeat is acknowledged in v2 with its
// ver1, switch byte and codec, so with a CRC32 when it had one.
func TestHeartbeatReplyV2(t *testing.T) {
	for _, lay := range replyLayouts {
		for _, codec := range []uint8{1, 11} {
			hb := decodeWhole(t, wire{Proto: lay.proto, Ver1: lay.ver1, Switch: lay.swtch,
				Type: 1, CmdCode: 0, Ver2: 1, ID: 3, Codec: codec}.bytes())
			ack := bolt.Proto.HeartbeatReply(hb)
			want := wire{Proto: lay.proto, Ver1: lay.ver1, Switch: lay.swtch,
				Type: 0, CmdCode: 0, Ver2: 1, ID: 3, Codec: codec}
			got := encode(t, ack.(*bolt.Frame))
			assert.Equal(t, want.bytes(), got, "%s codec %d", lay.name, codec)
			assert.Equal(t, want.crc(), ack.(*bolt.Frame).CRCEnabled(), lay.name)
			assert.Equal(t, xprotocol.StatusOK, ack.Status())
			back := decodeWhole(t, got)
			assert.True(t, back.Heartbeat())
			back.Release()
			ack.Release()
			hb.Release()
		}
	}
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
		{"proto 3", bolt.Message{Proto: 3, Type: bolt.TypeRequest, Code: bolt.CodeRequest}, "proto", xprotocol.ErrMalformed},
		{"v1 with CRC", bolt.Message{CRC: true, Type: bolt.TypeRequest, Code: bolt.CodeRequest}, "crc32", xprotocol.ErrMalformed},
		{"explicit v1 with CRC", bolt.Message{Proto: bolt.ProtoV1, CRC: true, Type: bolt.TypeRequest, Code: bolt.CodeRequest},
			"crc32", xprotocol.ErrMalformed},
		{"v2 ver1 1 with CRC", bolt.Message{Proto: bolt.ProtoV2, Ver1: bolt.ProtocolVersion1, CRC: true,
			Type: bolt.TypeRequest, Code: bolt.CodeRequest}, "crc32", xprotocol.ErrMalformed},
		{"v2 ver1 3", bolt.Message{Proto: bolt.ProtoV2, Ver1: 3, Type: bolt.TypeRequest, Code: bolt.CodeRequest},
			"ver1", xprotocol.ErrMalformed},
		{"v2 type", bolt.Message{Proto: bolt.ProtoV2, Type: 3, Code: bolt.CodeRequest}, "type", xprotocol.ErrMalformed},
		{"v2 class", bolt.Message{Proto: bolt.ProtoV2, CRC: true, Type: bolt.TypeRequest, Code: bolt.CodeRequest,
			Class: strings.Repeat("c", 1<<15)}, "classLen", xprotocol.ErrFrameTooLarge},
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

	// Ver1 and Switch mean nothing in Bolt v1 and are not written.
	f, err = bolt.Build(bolt.Message{Ver1: 2, Switch: 0xff, Type: bolt.TypeRequest, Code: bolt.CodeHeartbeat, ID: 1})
	require.NoError(t, err)
	assert.Equal(t, wire{Type: 1, CmdCode: 0, Ver2: 1, ID: 1, Codec: 1}.bytes(), encode(t, f))
	assert.Zero(t, f.Ver1())
	assert.Zero(t, f.Switch())
	f.Release()
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
