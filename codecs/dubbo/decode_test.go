package dubbo_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	dh "dubbo.apache.org/dubbo-go/v3/protocol/dubbo/hessian2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/xgate/xgate/codecs/all"
	"github.com/xgate/xgate/codecs/dubbo"
	"github.com/xgate/xgate/xprotocol"
)

// header16 builds a raw header.
func header16(flag, status byte, id uint64, bodyLen uint32) []byte {
	b := []byte{0xda, 0xbb, flag, status}
	b = binary.BigEndian.AppendUint64(b, id)
	return binary.BigEndian.AppendUint32(b, bodyLen)
}

// TestOversizeFromHeader: a body length over the limit is refused from the
// 16 header bytes alone, before any body byte, with the typed error.
func TestOversizeFromHeader(t *testing.T) {
	for _, c := range []struct {
		name    string
		bodyLen uint32
		limit   int
	}{
		{"2GiB", 1 << 31, 0},
		{"2GiB-1", 1<<31 - 1, 0},
		{"4GiB-1", 1<<32 - 1, 0},
		{"default+1", xprotocol.DefaultMaxFrameSize - dubbo.HeaderLen + 1, 0},
		{"configured+1", 1024 - dubbo.HeaderLen + 1, 1024},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, n, err := dubbo.Decode(header16(0xc2, 0, 1, c.bodyLen), c.limit)
			require.Error(t, err)
			assert.Nil(t, f)
			assert.Zero(t, n)
			assert.ErrorIs(t, err, xprotocol.ErrFrameTooLarge)
			var fe *xprotocol.FrameError
			require.True(t, errors.As(err, &fe))
			assert.Equal(t, "dubbo", fe.Protocol)
			assert.Equal(t, "bodyLength", fe.Field)
			assert.Equal(t, "too_large", xprotocol.ErrorKind(err))
		})
	}
	// Exactly at the limit: incomplete until the body is there, then fine.
	hdr := header16(0xc2, 0, 1, 1024-dubbo.HeaderLen)
	_, _, err := dubbo.Decode(hdr, 1024)
	assert.ErrorIs(t, err, xprotocol.ErrIncomplete)
	f, n, err := dubbo.Decode(append(hdr, make([]byte, 1024-dubbo.HeaderLen)...), 1024)
	require.NoError(t, err)
	assert.Equal(t, 1024, n)
	f.Release()
	// Through a session, the limit comes from SessionOptions.
	sess := dubbo.Proto.NewSession(xprotocol.SessionOptions{MaxFrameSize: 64})
	_, _, err = sess.Decode(header16(0xc2, 0, 1, 49))
	assert.ErrorIs(t, err, xprotocol.ErrFrameTooLarge)
}

// TestMalformed: each broken rule is refused as soon as its bytes are seen,
// naming the field.
func TestMalformed(t *testing.T) {
	for _, c := range []struct {
		name  string
		in    []byte
		field string
	}{
		{"first magic byte", []byte{0xdb}, "magic"},
		{"second magic byte", []byte{0xda, 0xbc}, "magic"},
		{"bolt bytes", []byte{0x01, 0x01, 0x00, 0x01}, "magic"},
		{"http", []byte("GET / HTTP/1.1\r\n"), "magic"},
		{"serialization 0 request", []byte{0xda, 0xbb, 0xc0}, "flag"},
		{"serialization 0 response", []byte{0xda, 0xbb, 0x00, 0x14}, "flag"},
		// Only reachable with a limit over 2 GiB: the length is a Java int.
		{"negative body length", header16(0xc2, 0, 1, 0xffffffff), "bodyLength"},
		{"body length 2 GiB", header16(0xc2, 0, 1, 1<<31), "bodyLength"},
	} {
		t.Run(c.name, func(t *testing.T) {
			limit := 0
			if c.field == "bodyLength" {
				limit = 1 << 33
			}
			f, n, err := dubbo.Decode(c.in, limit)
			require.Error(t, err)
			assert.Nil(t, f)
			assert.Zero(t, n)
			assert.ErrorIs(t, err, xprotocol.ErrMalformed)
			var fe *xprotocol.FrameError
			require.True(t, errors.As(err, &fe))
			assert.Equal(t, c.field, fe.Field, "%v", err)
		})
	}
}

// TestHeaderOnlyDecode: Decode accepts any body - the body is read on
// demand - and a body the reader cannot parse shows up as missing keys and
// a BodyErr, while the frame still forwards byte for byte.
func TestHeaderOnlyDecode(t *testing.T) {
	for _, c := range []struct {
		name  string
		body  []byte
		field string
	}{
		{"empty body", nil, "dubbo"},
		{"int where the version goes", []byte{0x91}, "dubbo"},
		{"truncated path", []byte{0x05, '2', '.', '0', '.', '2', 0x10, 'c', 'o'}, "path"},
		{"bad utf-8", []byte{0x01, 0x80}, "dubbo"},
		{"argument truncated", append(appendStrings("2.0.2", "p", "", "m", "I"), 'I', 0, 0), "arguments"},
		{"attachments not a map", append(appendStrings("2.0.2", "p", "", "m", ""), 0x91), "attachments"},
		{"unterminated attachments", append(appendStrings("2.0.2", "p", "", "m", ""), 'H', 0x01, 'k', 0x01, 'v'), "attachments"},
		{"too deep", append(appendStrings("2.0.2", "p", "", "m", "Ljava/util/List;"), bytes.Repeat([]byte{'W'}, 200)...), "arguments"},
		{"object of undefined class", append(appendStrings("2.0.2", "p", "", "m", "Ljava/lang/Object;"), 0x60), "arguments"},
	} {
		t.Run(c.name, func(t *testing.T) {
			wire := append(header16(0xc2, 0, 5, uint32(len(c.body))), c.body...)
			f := decode(t, wire)
			defer f.Release()
			assert.Equal(t, xprotocol.KindRequest, f.Kind())
			err := f.BodyErr()
			require.Error(t, err)
			assert.ErrorIs(t, err, xprotocol.ErrMalformed)
			var fe *xprotocol.FrameError
			require.True(t, errors.As(err, &fe))
			assert.Equal(t, c.field, fe.Field, "%v", err)
			_, ok := f.Header().Get("group")
			assert.False(t, ok)
			assert.Zero(t, f.Timeout())
			f.Header().Set("x-trace", "ignored")
			assert.Equal(t, wire, encode(t, f), "an unreadable body is forwarded untouched")
		})
	}
}

// appendStrings writes Hessian2 strings (all shorter than 32 chars).
func appendStrings(ss ...string) []byte {
	var b []byte
	for _, s := range ss {
		b = append(append(b, byte(len(s))), s...)
	}
	return b
}

// TestOtherSerialization: a frame in another serialization is framed,
// renumbered and forwarded, with no keys, an empty header and no edits.
func TestOtherSerialization(t *testing.T) {
	body := []byte(`"2.0.2"` + "\n" + `"com.example.Svc"` + "\n") // fastjson-like
	wire := append(header16(0xc0|6, 0, 12, uint32(len(body))), body...)
	f := decode(t, wire)
	defer f.Release()
	assert.Equal(t, dubbo.Serialization(6), f.Serialization())
	assert.Equal(t, "fastjson", f.Serialization().String())
	assert.Equal(t, xprotocol.KindRequest, f.Kind())
	assert.Nil(t, f.Key(xprotocol.KeyService))
	assert.Nil(t, f.Key(xprotocol.KeyMethod))
	assert.Empty(t, headers(f))
	assert.NoError(t, f.BodyErr())
	f.Header().Set("x-trace", "t")
	f.Header().Del("path")
	assert.Equal(t, wire, encode(t, f))
	f.SetStreamID(99)
	got := encode(t, f)
	assert.Equal(t, uint64(99), binary.BigEndian.Uint64(got[4:12]))

	// Its error reply is Hessian2, which every Dubbo client reads.
	reply := dubbo.Proto.ErrorReply(f, xprotocol.StatusNoRoute, "no route")
	lf := libDecode(t, encode(t, reply))
	reply.Release()
	assert.Equal(t, byte(2), lf.Header.SerialID)
	assert.Equal(t, "java exception:no route", lf.Exception.Error())
}

// TestEvents: a heartbeat is an event with a null payload; a Hessian2
// event with a string payload (the read-only notice) is not.
func TestEvents(t *testing.T) {
	readonly := append(header16(0x80|0x20|2, 0, 4, 2), 0x01, 'R')
	f := decode(t, readonly)
	assert.True(t, f.Event())
	assert.False(t, f.Heartbeat())
	assert.Equal(t, xprotocol.KindOneway, f.Kind())
	assert.Nil(t, dubbo.Proto.ErrorReply(f, xprotocol.StatusNoRoute, "x"), "a oneway takes no reply")
	f.Release()

	empty := header16(0xe2, 0, 4, 0)
	f = decode(t, empty)
	assert.True(t, f.Heartbeat(), "an event without a payload is a heartbeat")
	assert.Nil(t, f.Key(xprotocol.KeyService))
	f.Release()

	kryo := append(header16(0xe0|8, 0, 4, 1), 0x00)
	f = decode(t, kryo)
	assert.True(t, f.Heartbeat())
	reply := dubbo.Proto.HeartbeatReply(f)
	f.Release()
	lf := libDecode(t, encode(t, reply))
	reply.Release()
	assert.Equal(t, byte(2), lf.Header.SerialID)
	assert.Equal(t, dh.PackageHeartbeat|dh.PackageResponse, lf.Header.Type)
}

// TestPipeline decodes 1,000 frames of mixed kinds and sizes from one
// buffer, then the same stream cut at random places.
func TestPipeline(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var stream []byte
	type want struct {
		id      uint64
		kind    xprotocol.Kind
		service string
	}
	var wants []want
	for i := range 1000 {
		id := uint64(i + 1)
		switch i % 4 {
		case 0, 1:
			svc := fmt.Sprintf("com.example.Svc%d", rng.IntN(50))
			args := []any{string(bytes.Repeat([]byte{'a'}, rng.IntN(3000)))}
			stream = append(stream, libRequest(t, dh.PackageRequest_TwoWay, int64(id),
				dh.Service{Path: svc, Method: "echo", Group: "g"}, args, nil)...)
			wants = append(wants, want{id, xprotocol.KindRequest, svc})
		case 2:
			stream = append(stream, libResponse(t, int64(id), dh.Response_OK, false,
				dh.NewResponse(int64(i), nil, map[string]any{"dubbo": "2.0.2"}))...)
			wants = append(wants, want{id, xprotocol.KindResponse, ""})
		default:
			hb := dubbo.NewHeartbeat(id)
			stream = append(stream, encode(t, hb)...)
			hb.Release()
			wants = append(wants, want{id, xprotocol.KindRequest, ""})
		}
	}
	check := func(t *testing.T, f xprotocol.Frame, w want) {
		t.Helper()
		require.Equal(t, w.id, f.StreamID())
		require.Equal(t, w.kind, f.Kind())
		require.Equal(t, w.service, string(f.Key(xprotocol.KeyService)))
	}

	t.Run("one-buffer", func(t *testing.T) {
		sess := dubbo.Proto.NewSession(xprotocol.SessionOptions{})
		rest := stream
		for _, w := range wants {
			f, n, err := sess.Decode(rest)
			require.NoError(t, err)
			check(t, f, w)
			f.Release()
			rest = rest[n:]
		}
		assert.Empty(t, rest)
	})
	t.Run("random-reads", func(t *testing.T) {
		sess := dubbo.Proto.NewSession(xprotocol.SessionOptions{})
		var buf []byte
		next := 0
		for off := 0; off < len(stream); {
			n := min(1+rng.IntN(700), len(stream)-off)
			buf = append(buf, stream[off:off+n]...)
			off += n
			for {
				f, used, err := sess.Decode(buf)
				if errors.Is(err, xprotocol.ErrIncomplete) {
					break
				}
				require.NoError(t, err)
				check(t, f, wants[next])
				f.Release()
				next++
				buf = buf[used:]
			}
		}
		assert.Equal(t, len(wants), next)
		assert.Empty(t, buf)
	})
}

// TestMatch: the matcher claims client first bytes only, decides within 3
// bytes, and never changes its mind as bytes arrive.
func TestMatch(t *testing.T) {
	p := dubbo.Proto
	for _, c := range []struct {
		in   []byte
		want xprotocol.MatchResult
	}{
		{nil, xprotocol.MatchNeedMore},
		{[]byte{0xda}, xprotocol.MatchNeedMore},
		{[]byte{0xda, 0xbb}, xprotocol.MatchNeedMore},
		{[]byte{0xda, 0xbb, 0xc2}, xprotocol.MatchYes},
		{[]byte{0xda, 0xbb, 0x82}, xprotocol.MatchYes},
		{[]byte{0xda, 0xbb, 0xe2}, xprotocol.MatchYes},
		{[]byte{0xda, 0xbb, 0xc6}, xprotocol.MatchYes},
		{[]byte{0xda, 0xbb, 0x02}, xprotocol.MatchNo}, // a response: servers do not speak first
		{[]byte{0xda, 0xbb, 0xc0}, xprotocol.MatchNo}, // serialization 0
		{[]byte{0xda, 0xbc}, xprotocol.MatchNo},
		{[]byte{0xdb}, xprotocol.MatchNo},
		{[]byte{0x01, 0x01, 0x00, 0x01}, xprotocol.MatchNo}, // bolt v1
		{[]byte{0x02}, xprotocol.MatchNo},                   // bolt v2
		{[]byte{0x80, 0x01, 0x00, 0x01}, xprotocol.MatchNo}, // thrift binary
		{[]byte{0x82, 0x21}, xprotocol.MatchNo},             // thrift compact
		{[]byte{0x00, 0x00, 0x00, 0x14, 0x80, 0x01}, xprotocol.MatchNo},
		{[]byte("GET / HTTP/1.1"), xprotocol.MatchNo},
		{[]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), xprotocol.MatchNo},
	} {
		assert.Equal(t, c.want, p.Match(c.in), "% x", c.in)
	}
	// Monotone: over random inputs, the first definite answer holds for
	// every longer prefix.
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		in := make([]byte, rng.IntN(6))
		for i := range in {
			in[i] = byte(rng.IntN(256))
		}
		if rng.IntN(2) == 0 && len(in) > 1 {
			in[0], in[1] = 0xda, 0xbb
		}
		first := xprotocol.MatchNeedMore
		for i := 0; i <= len(in); i++ {
			r := p.Match(in[:i])
			if first == xprotocol.MatchNeedMore {
				first = r
			} else if r != first {
				t.Fatalf("% x: %v at %d bytes after %v", in, r, i, first)
			}
		}
	}
	// No other registered protocol claims a Dubbo request.
	wire := libRequest(t, dh.PackageRequest_TwoWay, 1, typicalService, []any{"x"}, nil)
	for _, other := range xprotocol.List() {
		if other.Name() == dubbo.Name {
			continue
		}
		for i := 0; i <= 16; i++ {
			assert.NotEqual(t, xprotocol.MatchYes, other.Match(wire[:i]), "%s claims a dubbo prefix of %d bytes", other.Name(), i)
		}
	}
	got, ok := xprotocol.Lookup("dubbo")
	require.True(t, ok)
	assert.Equal(t, dubbo.Proto, got)
}

// TestStreamID: ids use all 63 bits and are patched in place.
func TestStreamID(t *testing.T) {
	assert.Equal(t, uint64(1<<63-1), dubbo.Proto.MaxStreamID())
	assert.Equal(t, xprotocol.PoolMultiplex, dubbo.Proto.PoolMode())
	wire := libRequest(t, dh.PackageRequest_TwoWay, 1, typicalService, []any{"x"}, nil)
	f := decode(t, wire)
	defer f.Release()
	_ = f.Key(xprotocol.KeyService) // a parsed body does not stop in-place forwarding
	f.SetStreamID(1<<63 - 1)
	got := encode(t, f)
	assert.Equal(t, wire[:4], got[:4])
	assert.Equal(t, []byte{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, got[4:12])
	assert.Equal(t, wire[12:], got[12:])
	assert.Equal(t, int64(1<<63-1), libDecode(t, got).Header.ID)
}

// TestErrorReplyShapes: replies only to two-way requests; statuses map both
// ways.
func TestErrorReplyShapes(t *testing.T) {
	oneway := decode(t, libRequest(t, dh.PackageRequest, 1, typicalService, []any{"x"}, nil))
	defer oneway.Release()
	assert.Nil(t, dubbo.Proto.ErrorReply(oneway, xprotocol.StatusNoRoute, "x"))
	resp := decode(t, libResponse(t, 1, dh.Response_OK, false, dh.NewResponse("v", nil, nil)))
	defer resp.Release()
	assert.Nil(t, dubbo.Proto.ErrorReply(resp, xprotocol.StatusNoRoute, "x"))

	for st := xprotocol.StatusOK; st <= xprotocol.StatusUnknown; st++ {
		assert.Equal(t, st, dubbo.RespStatusFor(st).Generic(), "%s round trip", st)
	}
	for s, want := range map[dubbo.RespStatus]xprotocol.Status{
		20: xprotocol.StatusOK, 30: xprotocol.StatusTimeout, 31: xprotocol.StatusTimeout,
		35: xprotocol.StatusUnavailable, 40: xprotocol.StatusBadRequest, 50: xprotocol.StatusServerError,
		60: xprotocol.StatusNoRoute, 70: xprotocol.StatusServerError, 80: xprotocol.StatusServerError,
		90: xprotocol.StatusUnknown, 100: xprotocol.StatusOverload, 0: xprotocol.StatusUnknown, 255: xprotocol.StatusUnknown,
	} {
		assert.Equal(t, want, s.Generic(), "%s", s)
	}
	assert.Equal(t, "SERVER_THREADPOOL_EXHAUSTED_ERROR", dubbo.StatusServerThreadpoolExhausted.String())
	assert.Equal(t, "RespStatus(7)", dubbo.RespStatus(7).String())
}

// TestSessionEncodeRejectsOtherProtocols.
func TestSessionEncodeRejectsOtherProtocols(t *testing.T) {
	var other xprotocol.Frame = fakeFrame{}
	_, err := dubbo.Proto.NewSession(xprotocol.SessionOptions{}).Encode(nil, other)
	assert.ErrorIs(t, err, dubbo.ErrNotDubbo)
}

type fakeFrame struct{ xprotocol.Frame }

func (fakeFrame) Protocol() string { return "fake" }
