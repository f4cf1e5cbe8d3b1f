package bolt_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/xprotocol"
)

// typicalHeaders are a SOFARPC-like call's dozen headers.
var typicalHeaders = []entry{
	{Key: "service", Value: "com.example.EchoService:1.0"},
	{Key: "sofa_head_target_service", Value: "com.example.EchoService:1.0"},
	{Key: "sofa_head_method_name", Value: "echo"},
	{Key: "sofa_head_target_app", Value: "echo-app"},
	{Key: "protocol", Value: "bolt"},
	{Key: "rpc_trace_context.sofaTraceId", Value: "0a0fe9d41488955146071100140705"},
	{Key: "rpc_trace_context.sofaRpcId", Value: "0.1"},
	{Key: "rpc_trace_context.sofaCallerApp", Value: "caller"},
	{Key: "rpc_trace_context.sofaCallerIp", Value: "10.15.233.212"},
	{Key: "rpc_trace_context.sofaCallerZone", Value: "gz00a"},
	{Key: "rpc_trace_context.sofaCallerIdc", Value: "idc1"},
	{Key: "rpc_trace_context.sysPenAttrs", Value: ""},
}

// typicalRequest is a SOFARPC-like call: class, a dozen headers and a
// small hessian2 body.
func typicalRequest() []byte {
	return wire{Type: 1, CmdCode: 1, Ver2: 1, ID: 12345, Codec: 1, Timeout: 3000,
		Class: sofaRequestClass, Headers: typicalHeaders, Content: make([]byte, 512)}.bytes()
}

// typicalRequestV2 is typicalRequest in Bolt v2, with or without a CRC32.
func typicalRequestV2(crc bool) []byte {
	w := wire{Proto: 2, Ver1: 1, Type: 1, CmdCode: 1, Ver2: 1, ID: 12345, Codec: 1, Timeout: 3000,
		Class: sofaRequestClass, Headers: typicalHeaders, Content: make([]byte, 512)}
	if crc {
		w.Ver1, w.Switch = 2, 1
	}
	return w.bytes()
}

// typicalResponseV2CRC is a 512-byte Bolt v2 response with a CRC32.
func typicalResponseV2CRC() []byte {
	return wire{Proto: 2, Ver1: 2, Switch: 1, Type: 0, CmdCode: 2, Ver2: 1, ID: 12345, Codec: 1, Status: 0,
		Class: "com.alipay.sofa.rpc.core.response.SofaResponse", Content: make([]byte, 512)}.bytes()
}

func typicalResponse() []byte {
	return wire{Type: 0, CmdCode: 2, Ver2: 1, ID: 12345, Codec: 1, Status: 0,
		Class: "com.alipay.sofa.rpc.core.response.SofaResponse", Content: make([]byte, 512)}.bytes()
}

func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("sync.Pool is randomized under -race; allocation counts are meaningless")
	}
}

// TestZeroAllocForwardPath: Decode, routing-key reads, SetStreamID, Encode
// into a reused buffer and Release allocate nothing in steady state, for
// Bolt v1 and for v2 with and without a CRC32 (verified on Decode,
// recomputed on SetStreamID).
func TestZeroAllocForwardPath(t *testing.T) {
	for name, src := range map[string][]byte{
		"v1": typicalRequest(), "v2": typicalRequestV2(false), "v2_crc": typicalRequestV2(true),
	} {
		t.Run(name, func(t *testing.T) { testZeroAllocForwardPath(t, src) })
	}
}

func testZeroAllocForwardPath(t *testing.T, src []byte) {
	skipUnderRace(t)
	sess := bolt.Proto.NewSession(xprotocol.SessionOptions{})
	dst := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(1000, func() {
		f, _, err := sess.Decode(src)
		if err != nil {
			t.Fatal(err)
		}
		_ = f.Key(xprotocol.KeyService)
		_ = f.Key(xprotocol.KeyMethod)
		_, _ = f.Header().Get("rpc_trace_context.sofaTraceId")
		f.Header().Range(func(_, _ []byte) bool { return true })
		_ = f.Timeout()
		f.SetStreamID(777)
		dst, err = sess.Encode(dst[:0], f)
		if err != nil {
			t.Fatal(err)
		}
		f.Release()
	})
	assert.Zero(t, allocs)
}

// TestZeroAllocDecodeResponse covers the response side.
func TestZeroAllocDecodeResponse(t *testing.T) {
	for name, src := range map[string][]byte{"v1": typicalResponse(), "v2_crc": typicalResponseV2CRC()} {
		t.Run(name, func(t *testing.T) { testZeroAllocDecodeResponse(t, src) })
	}
}

func testZeroAllocDecodeResponse(t *testing.T, src []byte) {
	skipUnderRace(t)
	allocs := testing.AllocsPerRun(1000, func() {
		f, _, err := bolt.Decode(src, 0)
		if err != nil {
			t.Fatal(err)
		}
		_ = f.Status()
		f.Release()
	})
	assert.Zero(t, allocs)
}

// TestZeroAllocMatchAndIncomplete: detection and short reads allocate nothing.
func TestZeroAllocMatchAndIncomplete(t *testing.T) {
	for _, src := range [][]byte{typicalRequest(), typicalRequestV2(true)} {
		for _, n := range []int{1, 4, 5, 64} {
			assert.Zero(t, testing.AllocsPerRun(100, func() { _ = bolt.Proto.Match(src[:n]) }))
		}
		assert.Zero(t, testing.AllocsPerRun(100, func() {
			_, _, err := bolt.Decode(src[:len(src)-1], 0)
			if err != xprotocol.ErrIncomplete {
				t.Fatal(err)
			}
		}))
	}
}

// TestZeroAllocHeaderEditSteadyState: once a pooled frame's edit buffer has
// grown, Set/Del and the re-serializing Encode (with a new CRC32 for a v2
// frame that has one) allocate nothing more.
func TestZeroAllocHeaderEditSteadyState(t *testing.T) {
	for name, src := range map[string][]byte{"v1": typicalRequest(), "v2_crc": typicalRequestV2(true)} {
		t.Run(name, func(t *testing.T) { testZeroAllocHeaderEdit(t, src) })
	}
}

func testZeroAllocHeaderEdit(t *testing.T, src []byte) {
	skipUnderRace(t)
	dst := make([]byte, 0, 8192)
	allocs := testing.AllocsPerRun(1000, func() {
		f, _, err := bolt.Decode(src, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Header().Set("service", "com.example.Other:1.0")
		f.Header().Del("rpc_trace_context.sysPenAttrs")
		dst, err = f.AppendBinary(dst[:0])
		if err != nil {
			t.Fatal(err)
		}
		f.Release()
	})
	assert.Zero(t, allocs)
}

// TestBuildAllocs: building a frame allocates nothing in steady state.
func TestBuildAllocs(t *testing.T) {
	skipUnderRace(t)
	headers := [][2]string{{"service", "s"}, {"sofa_head_method_name", "m"}}
	body := make([]byte, 256)
	allocs := testing.AllocsPerRun(1000, func() {
		bolt.NewRequest(1, sofaRequestClass, headers, body, time.Second).Release()
	})
	require.Zero(t, allocs)
	msg := bolt.Message{Proto: bolt.ProtoV2, CRC: true, Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 1,
		Class: sofaRequestClass, Headers: headers, Content: body, Timeout: time.Second}
	allocs = testing.AllocsPerRun(1000, func() {
		f, err := bolt.Build(msg)
		if err != nil {
			t.Fatal(err)
		}
		f.Release()
	})
	require.Zero(t, allocs, "Build of a v2 frame with a CRC32")
}
