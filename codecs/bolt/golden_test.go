package bolt_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xprotocol"
)

const sofaRequestClass = "com.alipay.sofa.rpc.core.request.SofaRequest"

// goldenCase is one frame of the golden table: its independent wire form and,
// where the public API can produce it, how.
type goldenCase struct {
	name string
	wire wire
	// msg builds the same bytes through bolt.Build; nil when Build cannot
	// (null header strings, codec 0).
	msg *bolt.Message
	// ctor builds the same bytes through a constructor, when one fits.
	ctor func() *bolt.Frame
}

var rpcHeaders = []entry{
	{Key: "service", Value: "com.example.EchoService:1.0"},
	{Key: "sofa_head_method_name", Value: "echo"},
}

func pairsOf(es []entry) [][2]string {
	out := make([][2]string, len(es))
	for i, e := range es {
		out[i] = [2]string{e.Key, e.Value}
	}
	return out
}

func goldenCases() []goldenCase {
	content := []byte{0x4f, 0xbc, 0x63, 0x6f, 0x6d, 0x2e, 0x61, 0x6c, 0x69, 0x70, 0x61, 0x79} // opaque payload
	cases := []goldenCase{
		{
			name: "request",
			wire: wire{Type: 1, CmdCode: 1, Ver2: 1, ID: 1, Codec: 1, Timeout: 3000,
				Class: sofaRequestClass, Headers: rpcHeaders, Content: content},
			msg: &bolt.Message{Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 1, Timeout: 3 * time.Second,
				Class: sofaRequestClass, Headers: pairsOf(rpcHeaders), Content: content},
			ctor: func() *bolt.Frame {
				return bolt.NewRequest(1, sofaRequestClass, pairsOf(rpcHeaders), content, 3*time.Second)
			},
		},
		{
			name: "request_protobuf_max_id",
			wire: wire{Type: 1, CmdCode: 1, Ver2: 1, ID: 0xffffffff, Codec: 11, Timeout: 0x7fffffff,
				Class: "com.example.Req", Headers: []entry{{Key: "sofa_head_target_service", Value: "com.example.Pb:1.0"}}, Content: []byte{0x0a, 0x01, 0x78}},
			msg: &bolt.Message{Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 0xffffffff, Codec: bolt.CodecProtobuf,
				Timeout: 1 << 62, Class: "com.example.Req",
				Headers: [][2]string{{"sofa_head_target_service", "com.example.Pb:1.0"}}, Content: []byte{0x0a, 0x01, 0x78}},
		},
		{
			name: "request_unknown_codec_negative_timeout",
			wire: wire{Type: 1, CmdCode: 1, Ver2: 7, ID: 42, Codec: 0x63, Timeout: -1, Class: "x", Content: []byte("y")},
			msg: &bolt.Message{Type: bolt.TypeRequest, Code: bolt.CodeRequest, Ver2: 7, ID: 42, Codec: 0x63,
				Timeout: -time.Millisecond, Class: "x", Content: []byte("y")},
		},
		{
			name: "request_codec0",
			wire: wire{Type: 1, CmdCode: 1, Ver2: 0, ID: 3, Codec: 0, Timeout: 10},
		},
		{
			name: "oneway",
			wire: wire{Type: 2, CmdCode: 1, Ver2: 1, ID: 9, Codec: 1, Timeout: 0,
				Class: sofaRequestClass, Headers: rpcHeaders, Content: content},
			ctor: func() *bolt.Frame { return bolt.NewOneway(9, sofaRequestClass, pairsOf(rpcHeaders), content) },
		},
		{
			name: "request_empty_header_map",
			wire: wire{Type: 1, CmdCode: 1, Ver2: 1, ID: 5, Codec: 1, Timeout: 1000,
				Class: sofaRequestClass, Content: content},
			ctor: func() *bolt.Frame { return bolt.NewRequest(5, sofaRequestClass, nil, content, time.Second) },
		},
		{
			name: "request_header_null_value",
			wire: wire{Type: 1, CmdCode: 1, Ver2: 1, ID: 6, Codec: 1, Timeout: 1000, Class: sofaRequestClass,
				Headers: []entry{
					{Key: "sofa_head_target_app", NullValue: true},
					{Key: "service", Value: "com.example.EchoService:1.0"},
					{NullKey: true, Value: "orphan"},
					{Key: "", Value: ""},
				}},
		},
		{
			name: "request_duplicate_header",
			wire: wire{Type: 1, CmdCode: 1, Ver2: 1, ID: 8, Codec: 1, Timeout: 1000,
				Headers: []entry{{Key: "service", Value: "first"}, {Key: "x", Value: "y"}, {Key: "service", Value: "last"}}},
			msg: &bolt.Message{Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 8, Timeout: time.Second,
				Headers: [][2]string{{"service", "first"}, {"x", "y"}, {"service", "last"}}},
		},
		{
			name: "response_success",
			wire: wire{Type: 0, CmdCode: 2, Ver2: 1, ID: 1, Codec: 1, Status: 0,
				Class: "com.alipay.sofa.rpc.core.response.SofaResponse", Headers: []entry{{Key: "k", Value: "v"}}, Content: content},
			ctor: func() *bolt.Frame {
				return bolt.NewResponse(1, bolt.StatusSuccess, "com.alipay.sofa.rpc.core.response.SofaResponse",
					[][2]string{{"k", "v"}}, content)
			},
		},
		{
			name: "response_unknown_status",
			wire: wire{Type: 0, CmdCode: 2, Ver2: 1, ID: 77, Codec: 1, Status: 0x0100},
			msg:  &bolt.Message{Type: bolt.TypeResponse, Code: bolt.CodeResponse, ID: 77, Status: 0x0100},
		},
		{
			name: "heartbeat",
			wire: wire{Type: 1, CmdCode: 0, Ver2: 1, ID: 100, Codec: 1},
			ctor: func() *bolt.Frame { return bolt.NewHeartbeat(100) },
		},
		{
			name: "heartbeat_ack",
			wire: wire{Type: 0, CmdCode: 0, Ver2: 1, ID: 100, Codec: 1, Status: 0},
			ctor: func() *bolt.Frame { return bolt.NewHeartbeatAck(100, bolt.CodecHessian2) },
		},
	}
	cases = append(cases, goldenCasesV2(content)...)
	for _, st := range allRespStatuses {
		if st == bolt.StatusSuccess {
			continue
		}
		msg := fmt.Sprintf("failed with %s", st)
		body := hessianShortString(msg)
		cases = append(cases, goldenCase{
			name: "response_" + strings.ToLower(st.String()),
			wire: wire{Type: 0, CmdCode: 2, Ver2: 1, ID: 1000 + uint32(st), Codec: 1, Status: uint16(st),
				Class: "java.lang.String", Content: body},
			ctor: func() *bolt.Frame { return bolt.NewResponse(1000+uint32(st), st, "java.lang.String", nil, body) },
		})
	}
	return cases
}

// goldenCasesV2 are Bolt v2 frames, with and without a CRC32, including the
// switch/ver1 combinations where SOFA writes no CRC32 despite a set bit.
func goldenCasesV2(content []byte) []goldenCase {
	const responseClass = "com.alipay.sofa.rpc.core.response.SofaResponse"
	return []goldenCase{
		{
			name: "v2_request",
			wire: wire{Proto: 2, Ver1: 1, Type: 1, CmdCode: 1, Ver2: 1, ID: 1, Codec: 1, Timeout: 3000,
				Class: sofaRequestClass, Headers: rpcHeaders, Content: content},
			msg: &bolt.Message{Proto: bolt.ProtoV2, Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 1,
				Timeout: 3 * time.Second, Class: sofaRequestClass, Headers: pairsOf(rpcHeaders), Content: content},
		},
		{
			name: "v2_request_crc",
			wire: wire{Proto: 2, Ver1: 2, Switch: 1, Type: 1, CmdCode: 1, Ver2: 1, ID: 1, Codec: 1, Timeout: 3000,
				Class: sofaRequestClass, Headers: rpcHeaders, Content: content},
			msg: &bolt.Message{Proto: bolt.ProtoV2, CRC: true, Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 1,
				Timeout: 3 * time.Second, Class: sofaRequestClass, Headers: pairsOf(rpcHeaders), Content: content},
		},
		{
			name: "v2_request_protobuf_max_id_crc",
			wire: wire{Proto: 2, Ver1: 2, Switch: 1, Type: 1, CmdCode: 1, Ver2: 1, ID: 0xffffffff, Codec: 11,
				Timeout: 0x7fffffff, Class: "com.example.Req",
				Headers: []entry{{Key: "sofa_head_target_service", Value: "com.example.Pb:1.0"}}, Content: []byte{0x0a, 0x01, 0x78}},
			msg: &bolt.Message{Proto: bolt.ProtoV2, Ver1: bolt.ProtocolVersion2, Switch: bolt.SwitchCRC,
				Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 0xffffffff, Codec: bolt.CodecProtobuf,
				Timeout: 1 << 62, Class: "com.example.Req",
				Headers: [][2]string{{"sofa_head_target_service", "com.example.Pb:1.0"}}, Content: []byte{0x0a, 0x01, 0x78}},
		},
		{
			name: "v2_request_header_null_value_crc",
			wire: wire{Proto: 2, Ver1: 2, Switch: 1, Type: 1, CmdCode: 1, Ver2: 1, ID: 6, Codec: 1, Timeout: 1000,
				Class: sofaRequestClass, Headers: []entry{
					{Key: "sofa_head_target_app", NullValue: true},
					{Key: "service", Value: "com.example.EchoService:1.0"},
					{NullKey: true, Value: "orphan"},
				}},
		},
		{
			name: "v2_oneway",
			wire: wire{Proto: 2, Ver1: 1, Type: 2, CmdCode: 1, Ver2: 1, ID: 9, Codec: 1,
				Class: sofaRequestClass, Headers: rpcHeaders, Content: content},
			msg: &bolt.Message{Proto: bolt.ProtoV2, Type: bolt.TypeOneway, Code: bolt.CodeRequest, ID: 9,
				Class: sofaRequestClass, Headers: pairsOf(rpcHeaders), Content: content},
		},
		{
			name: "v2_oneway_crc",
			wire: wire{Proto: 2, Ver1: 2, Switch: 1, Type: 2, CmdCode: 1, Ver2: 1, ID: 9, Codec: 1,
				Class: sofaRequestClass, Headers: rpcHeaders, Content: content},
			msg: &bolt.Message{Proto: bolt.ProtoV2, CRC: true, Type: bolt.TypeOneway, Code: bolt.CodeRequest, ID: 9,
				Class: sofaRequestClass, Headers: pairsOf(rpcHeaders), Content: content},
		},
		{
			name: "v2_response",
			wire: wire{Proto: 2, Ver1: 1, Type: 0, CmdCode: 2, Ver2: 1, ID: 1, Codec: 1,
				Class: responseClass, Headers: []entry{{Key: "k", Value: "v"}}, Content: content},
			msg: &bolt.Message{Proto: bolt.ProtoV2, Type: bolt.TypeResponse, Code: bolt.CodeResponse, ID: 1,
				Class: responseClass, Headers: [][2]string{{"k", "v"}}, Content: content},
		},
		{
			name: "v2_response_crc",
			wire: wire{Proto: 2, Ver1: 2, Switch: 1, Type: 0, CmdCode: 2, Ver2: 1, ID: 1, Codec: 1,
				Class: responseClass, Headers: []entry{{Key: "k", Value: "v"}}, Content: content},
			msg: &bolt.Message{Proto: bolt.ProtoV2, CRC: true, Type: bolt.TypeResponse, Code: bolt.CodeResponse, ID: 1,
				Class: responseClass, Headers: [][2]string{{"k", "v"}}, Content: content},
		},
		{
			name: "v2_response_unknown_status_crc",
			wire: wire{Proto: 2, Ver1: 2, Switch: 1, Type: 0, CmdCode: 2, Ver2: 1, ID: 77, Codec: 1, Status: 0x0100},
			msg: &bolt.Message{Proto: bolt.ProtoV2, CRC: true, Type: bolt.TypeResponse, Code: bolt.CodeResponse,
				ID: 77, Status: 0x0100},
		},
		{
			name: "v2_heartbeat",
			wire: wire{Proto: 2, Ver1: 1, Type: 1, CmdCode: 0, Ver2: 1, ID: 100, Codec: 1},
			msg:  &bolt.Message{Proto: bolt.ProtoV2, Type: bolt.TypeRequest, Code: bolt.CodeHeartbeat, ID: 100},
		},
		{
			name: "v2_heartbeat_crc",
			wire: wire{Proto: 2, Ver1: 2, Switch: 1, Type: 1, CmdCode: 0, Ver2: 1, ID: 100, Codec: 1},
			msg:  &bolt.Message{Proto: bolt.ProtoV2, CRC: true, Type: bolt.TypeRequest, Code: bolt.CodeHeartbeat, ID: 100},
		},
		{
			name: "v2_heartbeat_ack",
			wire: wire{Proto: 2, Ver1: 1, Type: 0, CmdCode: 0, Ver2: 1, ID: 100, Codec: 1},
			msg:  &bolt.Message{Proto: bolt.ProtoV2, Type: bolt.TypeResponse, Code: bolt.CodeHeartbeat, ID: 100},
		},
		{
			name: "v2_heartbeat_ack_crc",
			wire: wire{Proto: 2, Ver1: 2, Switch: 1, Type: 0, CmdCode: 0, Ver2: 1, ID: 100, Codec: 1},
			msg:  &bolt.Message{Proto: bolt.ProtoV2, CRC: true, Type: bolt.TypeResponse, Code: bolt.CodeHeartbeat, ID: 100},
		},
		{
			// ver1 2 without the switch bit: no CRC32.
			name: "v2_ver1_2_crc_off",
			wire: wire{Proto: 2, Ver1: 2, Switch: 0, Type: 1, CmdCode: 1, Ver2: 1, ID: 12, Codec: 1, Timeout: 10,
				Class: "c", Content: []byte("x")},
			msg: &bolt.Message{Proto: bolt.ProtoV2, Ver1: bolt.ProtocolVersion2, Type: bolt.TypeRequest,
				Code: bolt.CodeRequest, ID: 12, Timeout: 10 * time.Millisecond, Class: "c", Content: []byte("x")},
		},
		{
			// The switch bit under ver1 1: SOFA writes and expects no CRC32.
			name: "v2_ver1_1_switch_crc_bit_no_crc",
			wire: wire{Proto: 2, Ver1: 1, Switch: 1, Type: 1, CmdCode: 1, Ver2: 1, ID: 13, Codec: 1, Timeout: 10,
				Class: "c", Content: []byte("x")},
			msg: &bolt.Message{Proto: bolt.ProtoV2, Ver1: bolt.ProtocolVersion1, Switch: bolt.SwitchCRC,
				Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 13, Timeout: 10 * time.Millisecond,
				Class: "c", Content: []byte("x")},
		},
		{
			// Unknown switch bits ride along with the CRC bit.
			name: "v2_switch_other_bits_crc",
			wire: wire{Proto: 2, Ver1: 2, Switch: 0x7f, Type: 1, CmdCode: 1, Ver2: 1, ID: 14, Codec: 1, Timeout: 10,
				Content: []byte("x")},
			msg: &bolt.Message{Proto: bolt.ProtoV2, Switch: 0x7e, CRC: true, Type: bolt.TypeRequest,
				Code: bolt.CodeRequest, ID: 14, Timeout: 10 * time.Millisecond, Content: []byte("x")},
		},
		{
			name: "v2_switch_high_bits_no_crc",
			wire: wire{Proto: 2, Ver1: 2, Switch: 0xfe, Type: 0, CmdCode: 2, Ver2: 7, ID: 15, Codec: 0x63, Status: 2},
			msg: &bolt.Message{Proto: bolt.ProtoV2, Ver1: bolt.ProtocolVersion2, Switch: 0xfe, Type: bolt.TypeResponse,
				Code: bolt.CodeResponse, Ver2: 7, ID: 15, Codec: 0x63, Status: bolt.StatusServerException},
		},
	}
}

var allRespStatuses = []bolt.RespStatus{
	bolt.StatusSuccess, bolt.StatusError, bolt.StatusServerException, bolt.StatusUnknown,
	bolt.StatusServerThreadpoolBusy, bolt.StatusErrorComm, bolt.StatusNoProcessor, bolt.StatusTimeout,
	bolt.StatusClientSendError, bolt.StatusCodecException, bolt.StatusConnectionClosed,
	bolt.StatusServerSerialException, bolt.StatusServerDeserialException,
}

// headersOf collects a frame's header view in wire order.
func headersOf(f *bolt.Frame) [][2]string {
	out := [][2]string{}
	f.Header().Range(func(k, v []byte) bool {
		out = append(out, [2]string{string(k), string(v)})
		return true
	})
	return out
}

// assertFrame checks every field of f against the wire description w.
func assertFrame(t *testing.T, w wire, f *bolt.Frame) {
	t.Helper()
	assert.Equal(t, "bolt", f.Protocol())
	if w.v2() {
		assert.Equal(t, byte(2), f.Version(), "proto")
		assert.Equal(t, w.Ver1, f.Ver1(), "ver1")
		assert.Equal(t, w.Switch, f.Switch(), "switch")
	} else {
		assert.Equal(t, byte(1), f.Version(), "proto")
		assert.Zero(t, f.Ver1(), "a v1 frame has no ver1")
		assert.Zero(t, f.Switch(), "a v1 frame has no switch")
	}
	assert.Equal(t, w.crc(), f.CRCEnabled(), "crc32")
	assert.Equal(t, bolt.CmdType(w.Type), f.CmdType(), "type")
	assert.Equal(t, bolt.CmdCode(w.CmdCode), f.CmdCode(), "cmdcode")
	assert.Equal(t, w.Ver2, f.Ver2(), "ver2")
	assert.Equal(t, w.ID, f.RequestID(), "requestId")
	assert.Equal(t, uint64(w.ID), f.StreamID())
	assert.Equal(t, bolt.Codec(w.Codec), f.Codec(), "codec")
	assert.Equal(t, w.Class, string(f.ClassName()), "class")
	assert.Equal(t, string(w.Content), string(f.Content()), "content")
	assert.Equal(t, string(w.Content), string(f.Body()))
	assert.Equal(t, w.pairs(), headersOf(f), "header")
	assert.Equal(t, len(w.bytes()), f.Size())
	assert.Equal(t, w.CmdCode == 0, f.Heartbeat())

	switch w.Type {
	case 0:
		assert.Equal(t, xprotocol.KindResponse, f.Kind())
		assert.Equal(t, bolt.RespStatus(w.Status), f.RespStatus(), "respStatus")
		assert.Equal(t, bolt.RespStatus(w.Status).Generic(), f.Status())
		assert.Zero(t, f.Timeout())
		assert.Zero(t, f.TimeoutMillis())
	default:
		if w.Type == 1 {
			assert.Equal(t, xprotocol.KindRequest, f.Kind())
		} else {
			assert.Equal(t, xprotocol.KindOneway, f.Kind())
		}
		assert.Equal(t, w.Timeout, f.TimeoutMillis(), "timeout")
		want := time.Duration(0)
		if w.Timeout > 0 {
			want = time.Duration(w.Timeout) * time.Millisecond
		}
		assert.Equal(t, want, f.Timeout())
		assert.Equal(t, xprotocol.StatusOK, f.Status())
	}

	for _, key := range []string{"service", "sofa_head_target_service", "sofa_head_method_name", "absent", ""} {
		wv, wok := w.lookup(key)
		gv, gok := f.Header().Get(key)
		assert.Equal(t, wok, gok, "Get(%q) presence", key)
		assert.Equal(t, wv, string(gv), "Get(%q)", key)
	}
	service, ok := w.lookup("service")
	if !ok || service == "" {
		service, _ = w.lookup("sofa_head_target_service")
	}
	method, _ := w.lookup("sofa_head_method_name")
	assert.Equal(t, service, string(f.Key(xprotocol.KeyService)), "KeyService")
	assert.Equal(t, method, string(f.Key(xprotocol.KeyMethod)), "KeyMethod")
	assert.Nil(t, f.Key(xprotocol.KeyPath))
	assert.Nil(t, f.Key(xprotocol.KeyHost))
}

func decodeWhole(t *testing.T, b []byte) *bolt.Frame {
	t.Helper()
	f, n, err := bolt.Decode(b, 0)
	require.NoError(t, err)
	require.Equal(t, len(b), n)
	return f
}

func encode(t *testing.T, f *bolt.Frame) []byte {
	t.Helper()
	out, err := bolt.Proto.NewSession(xprotocol.SessionOptions{}).Encode(nil, f)
	require.NoError(t, err)
	return out
}

// TestGoldenDecode decodes every golden frame and checks each field.
func TestGoldenDecode(t *testing.T) {
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			b := c.wire.bytes()
			f := decodeWhole(t, b)
			defer f.Release()
			assertFrame(t, c.wire, f)
			assert.Equal(t, b, encode(t, f), "Encode of an untouched frame")
		})
	}
}

// TestGoldenBuild checks that Build and the constructors write exactly what
// the independent writer writes.
func TestGoldenBuild(t *testing.T) {
	for _, c := range goldenCases() {
		if c.msg == nil && c.ctor == nil {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			want := c.wire.bytes()
			if c.msg != nil {
				f, err := bolt.Build(*c.msg)
				require.NoError(t, err)
				assert.Equal(t, want, encode(t, f), "Build")
				assertFrame(t, c.wire, f)
				f.Release()
			}
			if c.ctor != nil {
				f := c.ctor()
				assert.Equal(t, want, encode(t, f), "constructor")
				assertFrame(t, c.wire, f)
				f.Release()
			}
		})
	}
}

// sofaRPCHeaderMap is a header map as SOFARPC (Java) sends it, with a null
// value for sofa_head_target_app; the bytes are the fixture of sofa-bolt-node's
// test/simple_map_serializer.test.js ("should decode null ok").
var sofaRPCHeaderMap = []entry{
	{Key: "sofa_head_target_service", Value: "com.alipay.sofa.rpc.protobuf.ProtoService:1.0"},
	{Key: "rpc_trace_context.sofaRpcId", Value: "0"},
	{Key: "rpc_trace_context.sofaTraceId", Value: "1e270df81528491901197105726852"},
	{Key: "rpc_trace_context.sofaCallerIdc", Value: ""},
	{Key: "rpc_trace_context.sofaCallerIp", Value: ""},
	{Key: "rpc_trace_context.sofaPenAttrs", Value: ""},
	{Key: "rpc_trace_context.sofaCallerZone", Value: ""},
	{Key: "sofa_head_target_app", NullValue: true},
	{Key: "protocol", Value: "bolt"},
	{Key: "service", Value: "com.alipay.sofa.rpc.protobuf.ProtoService:1.0"},
	{Key: "rpc_trace_context.sysPenAttrs", Value: ""},
	{Key: "rpc_trace_context.sofaCallerApp", Value: ""},
	{Key: "sofa_head_method_name", Value: "echoObj"},
}

// goldenFiles maps each file under testdata/ to the frame it must hold.
var goldenFiles = map[string]wire{
	"request.hex": {Type: 1, CmdCode: 1, Ver2: 1, ID: 1, Codec: 1, Timeout: 3000,
		Class: sofaRequestClass, Headers: rpcHeaders, Content: []byte("hi")},
	"response_no_processor.hex": {Type: 0, CmdCode: 2, Ver2: 1, ID: 1, Codec: 1, Status: 0x0006,
		Class: "java.lang.String", Content: hessianShortString("no route")},
	"heartbeat.hex":     {Type: 1, CmdCode: 0, Ver2: 1, ID: 2, Codec: 1},
	"heartbeat_ack.hex": {Type: 0, CmdCode: 0, Ver2: 1, ID: 2, Codec: 1},
	"request_sofarpc_headers.hex": {Type: 1, CmdCode: 1, Ver2: 1, ID: 0x0100, Codec: 11, Timeout: 3000,
		Headers: sofaRPCHeaderMap},
	"request_v2_crc.hex": {Proto: 2, Ver1: 2, Switch: 1, Type: 1, CmdCode: 1, Ver2: 1, ID: 1, Codec: 1, Timeout: 3000,
		Class: sofaRequestClass, Headers: rpcHeaders, Content: []byte("hi")},
	"response_v2_crc_no_processor.hex": {Proto: 2, Ver1: 2, Switch: 1, Type: 0, CmdCode: 2, Ver2: 1, ID: 1, Codec: 1,
		Status: 0x0006, Class: "java.lang.String", Content: hessianShortString("no route")},
	"heartbeat_v2.hex":         {Proto: 2, Ver1: 1, Type: 1, CmdCode: 0, Ver2: 1, ID: 2, Codec: 1},
	"heartbeat_ack_v2_crc.hex": {Proto: 2, Ver1: 2, Switch: 1, Type: 0, CmdCode: 0, Ver2: 1, ID: 2, Codec: 1},
}

// TestGoldenFiles checks the committed hex vectors against the independent
// writer and the decoder.
func TestGoldenFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.hex"))
	require.NoError(t, err)
	require.Len(t, files, len(goldenFiles), "every golden file has an entry in goldenFiles")
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			w, ok := goldenFiles[name]
			require.True(t, ok, "no expectation for %s", name)
			b := conformance.ReadHex(t, path)
			assert.Equal(t, w.bytes(), b, "independent writer vs golden file")
			f := decodeWhole(t, b)
			defer f.Release()
			assertFrame(t, w, f)
			assert.Equal(t, b, encode(t, f))
		})
	}
}

// TestGoldenErrorReplyFile checks ErrorReply against committed vectors, in
// Bolt v1 and in Bolt v2 with a CRC32.
func TestGoldenErrorReplyFile(t *testing.T) {
	for req, resp := range map[string]string{
		"request.hex":        "response_no_processor.hex",
		"request_v2_crc.hex": "response_v2_crc_no_processor.hex",
	} {
		t.Run(req, func(t *testing.T) {
			f := decodeWhole(t, conformance.ReadHex(t, filepath.Join("testdata", req)))
			defer f.Release()
			reply := bolt.Proto.ErrorReply(f, xprotocol.StatusNoRoute, "no route")
			require.NotNil(t, reply)
			defer reply.Release()
			assert.Equal(t, conformance.ReadHex(t, filepath.Join("testdata", resp)), encode(t, reply.(*bolt.Frame)))
		})
	}
}

// TestGoldenHeartbeatReplyFile: the v2 heartbeat with a CRC32 is answered
// with the committed v2 ack, CRC32 included.
func TestGoldenHeartbeatReplyFile(t *testing.T) {
	hb := decodeWhole(t, wire{Proto: 2, Ver1: 2, Switch: 1, Type: 1, CmdCode: 0, Ver2: 1, ID: 2, Codec: 1}.bytes())
	defer hb.Release()
	ack := bolt.Proto.HeartbeatReply(hb)
	defer ack.Release()
	assert.Equal(t, conformance.ReadHex(t, filepath.Join("testdata", "heartbeat_ack_v2_crc.hex")), encode(t, ack.(*bolt.Frame)))
}

// TestGoldenSofaRPCHeaderMap checks the sofa-bolt-node fixture bytes match
// the independent writer (so the writer's null encoding is SOFA's).
func TestGoldenSofaRPCHeaderMap(t *testing.T) {
	const fixture = "00000018736f66615f686561645f7461726765745f736572766963650000002d636f6d2e616c697061792e736f66612e7270632e70726f746f6275662e50726f746f536572766963653a312e300000001b7270635f74726163655f636f6e746578742e736f6661527063496400000001300000001d7270635f74726163655f636f6e746578742e736f6661547261636549640000001e3165323730646638313532383439313930313139373130353732363835320000001f7270635f74726163655f636f6e746578742e736f666143616c6c6572496463000000000000001e7270635f74726163655f636f6e746578742e736f666143616c6c65724970000000000000001e7270635f74726163655f636f6e746578742e736f666150656e417474727300000000000000207270635f74726163655f636f6e746578742e736f666143616c6c65725a6f6e650000000000000014736f66615f686561645f7461726765745f617070ffffffff0000000870726f746f636f6c00000004626f6c7400000007736572766963650000002d636f6d2e616c697061792e736f66612e7270632e70726f746f6275662e50726f746f536572766963653a312e300000001d7270635f74726163655f636f6e746578742e73797350656e4174747273000000000000001f7270635f74726163655f636f6e746578742e736f666143616c6c65724170700000000000000015736f66615f686561645f6d6574686f645f6e616d65000000076563686f4f626a"
	want, err := hex.DecodeString(fixture)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(want, headerMap(sofaRPCHeaderMap)))
}
