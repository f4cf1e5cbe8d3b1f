package dubbo_test

import (
	"strings"
	"testing"

	dh "dubbo.apache.org/dubbo-go/v3/protocol/dubbo/hessian2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/dubbo"
	"github.com/xgate/xgate/xprotocol"
)

// typicalRequest is what a dubbo-go consumer sends for echo(String) with a
// 128-byte payload: path, interface, version, group and timeout
// attachments plus a trace id.
func typicalRequest(t testing.TB) []byte {
	return libRequest(t, dh.PackageRequest_TwoWay, 12345, typicalService, []any{strings.Repeat("p", 128)},
		map[string]any{"traceId": "0a0fe9d41488955146071100140705", "spanId": "0.1"})
}

// typicalResponse is an OK response with a 128-byte value and attachments.
func typicalResponse(t testing.TB) []byte {
	return libResponse(t, 12345, dh.Response_OK, false,
		dh.NewResponse(strings.Repeat("p", 128), nil, map[string]any{"dubbo": "2.0.2", "server": "s1"}))
}

func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceEnabled {
		t.Skip("sync.Pool is randomized under -race; allocation counts are meaningless")
	}
}

// TestZeroAllocForwardPath: Decode, routing keys, SetStreamID, Encode into
// a reused buffer and Release allocate nothing in steady state.
func TestZeroAllocForwardPath(t *testing.T) {
	skipUnderRace(t)
	sess := dubbo.Proto.NewSession(xprotocol.SessionOptions{})
	src := typicalRequest(t)
	dst := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(1000, func() {
		f, _, err := sess.Decode(src)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Key(xprotocol.KeyService)) == 0 || len(f.Key(xprotocol.KeyMethod)) == 0 {
			t.Fatal("no keys")
		}
		_, _ = f.Header().Get("method")
		f.SetStreamID(777)
		if dst, err = sess.Encode(dst[:0], f); err != nil {
			t.Fatal(err)
		}
		f.Release()
	})
	assert.Zero(t, allocs)
}

// TestZeroAllocAttachments: string attachments, Range and Timeout are read
// in place too.
func TestZeroAllocAttachments(t *testing.T) {
	skipUnderRace(t)
	src := typicalRequest(t)
	allocs := testing.AllocsPerRun(1000, func() {
		f, _, err := dubbo.Decode(src, 0)
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := f.Header().Get("group"); !ok || string(v) != "gz" {
			t.Fatal("group")
		}
		_, _ = f.Header().Get("version")
		_, _ = f.Header().Get("traceId")
		f.Header().Range(func(_, _ []byte) bool { return true })
		if f.Timeout() == 0 {
			t.Fatal("timeout")
		}
		f.Release()
	})
	assert.Zero(t, allocs)
}

// TestZeroAllocResponse: the response side, type and attachments included.
func TestZeroAllocResponse(t *testing.T) {
	skipUnderRace(t)
	src := typicalResponse(t)
	allocs := testing.AllocsPerRun(1000, func() {
		f, _, err := dubbo.Decode(src, 0)
		if err != nil {
			t.Fatal(err)
		}
		_ = f.Status()
		_, _ = f.ResponseType()
		_, _ = f.Header().Get("server")
		f.Release()
	})
	assert.Zero(t, allocs)
}

// TestZeroAllocEditSteadyState: once a pooled frame's edit buffer has
// grown, adding an attachment and the re-serializing Encode allocate
// nothing more.
func TestZeroAllocEditSteadyState(t *testing.T) {
	skipUnderRace(t)
	src := typicalRequest(t)
	dst := make([]byte, 0, 8192)
	allocs := testing.AllocsPerRun(1000, func() {
		f, _, err := dubbo.Decode(src, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Header().Set("x-trace", "abc")
		f.Header().Del("spanId")
		if dst, err = f.AppendBinary(dst[:0]); err != nil {
			t.Fatal(err)
		}
		f.Release()
	})
	assert.Zero(t, allocs)
}

// TestZeroAllocReplies: the gateway's own frames and detection.
func TestZeroAllocReplies(t *testing.T) {
	skipUnderRace(t)
	req, _, err := dubbo.Decode(typicalRequest(t), 0)
	require.NoError(t, err)
	defer req.Release()
	assert.Zero(t, testing.AllocsPerRun(1000, func() {
		dubbo.Proto.ErrorReply(req, xprotocol.StatusNoRoute, "no route to com.example.EchoService").Release()
		dubbo.Proto.NewHeartbeat(1).Release()
		dubbo.Proto.HeartbeatReply(req).Release()
	}))
	src := typicalRequest(t)
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = dubbo.Proto.Match(src[:3]) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if _, _, err := dubbo.Decode(src[:len(src)-1], 0); err != xprotocol.ErrIncomplete {
			t.Fatal(err)
		}
	}))
}
