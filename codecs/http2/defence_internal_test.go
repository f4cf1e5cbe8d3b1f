package http2

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	"github.com/xgate/xgate/xprotocol"
)

func requireConnError(t *testing.T, p *peer, err error, code http2.ErrCode) {
	t.Helper()
	require.Error(t, err)
	var fe *xprotocol.FrameError
	require.True(t, errors.As(err, &fe), "error %T is not a FrameError", err)
	got, ok := goAwayCode(p.output())
	require.True(t, ok, "no GOAWAY queued before the error")
	assert.Equal(t, code, got)
	assert.True(t, p.s.ShouldClose())
}

// TestRapidReset (CVE-2023-44487): streams opened and reset before they
// were answered, beyond rapidResetLimit per rapidResetWindow, end the
// connection with ENHANCE_YOUR_CALM; the same churn spread over time, or
// resets of answered streams, do not.
func TestRapidReset(t *testing.T) {
	t.Run("burst", func(t *testing.T) {
		p := newPeer(t, xprotocol.RoleServer, xprotocol.SessionOptions{})
		now := time.Unix(1000, 0)
		p.s.now = func() time.Time { return now }
		var err error
		for i := uint32(0); i <= rapidResetLimit && err == nil; i++ {
			id := 2*i + 1
			p.headers(id, false)
			_ = p.fr.WriteRSTStream(id, http2.ErrCodeCancel)
			var fs []xprotocol.Frame
			fs, err = p.feed()
			releaseAll(fs)
		}
		requireConnError(t, p, err, http2.ErrCodeEnhanceYourCalm)
	})
	t.Run("spread", func(t *testing.T) {
		p := newPeer(t, xprotocol.RoleServer, xprotocol.SessionOptions{})
		now := time.Unix(1000, 0)
		p.s.now = func() time.Time { return now }
		for i := uint32(0); i < 2000; i++ {
			now = now.Add(2 * rapidResetWindow / rapidResetLimit)
			p.headers(2*i+1, false)
			_ = p.fr.WriteRSTStream(2*i+1, http2.ErrCodeCancel)
			releaseAll(p.mustFeed())
		}
	})
	t.Run("answered", func(t *testing.T) {
		p := newPeer(t, xprotocol.RoleServer, xprotocol.SessionOptions{})
		p.s.now = func() time.Time { return time.Unix(1000, 0) }
		for i := uint32(0); i < 1000; i++ {
			id := 2*i + 1
			p.headers(id, false)
			releaseAll(p.mustFeed())
			resp := NewResponse(uint64(id), [][2]string{{":status", "200"}}, nil, false)
			_, err := p.s.Encode(nil, resp)
			resp.Release()
			require.NoError(t, err)
			_ = p.fr.WriteRSTStream(id, http2.ErrCodeCancel)
			releaseAll(p.mustFeed())
		}
	})
}

// TestContinuationFlood (CVE-2024-27316 family): a header block that never
// ends is bounded in CONTINUATION count and in bytes.
func TestContinuationFlood(t *testing.T) {
	t.Run("count", func(t *testing.T) {
		p := newPeer(t, xprotocol.RoleServer, xprotocol.SessionOptions{})
		_ = p.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: p.block(getReq...)})
		for range maxContinuations + 1 {
			_ = p.fr.WriteContinuation(1, false, nil)
		}
		_, err := p.feed()
		requireConnError(t, p, err, http2.ErrCodeEnhanceYourCalm)
	})
	t.Run("bytes", func(t *testing.T) {
		p := newPeer(t, xprotocol.RoleServer, xprotocol.SessionOptions{MaxHeaderBytes: 8 << 10})
		_ = p.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: p.block(getReq...)})
		chunk := bytes.Repeat([]byte{0x40}, 16000)
		for range 4 {
			_ = p.fr.WriteContinuation(1, false, chunk)
		}
		_, err := p.feed()
		requireConnError(t, p, err, http2.ErrCodeEnhanceYourCalm)
		assert.LessOrEqual(t, len(p.s.block), 8<<10+blockSlack)
	})
}

// TestHPACKBomb: a small block that expands past MaxHeaderBytes through
// the dynamic table gets a 431 and the connection lives on; a single
// string longer than the limit, or a table larger than our
// SETTINGS_HEADER_TABLE_SIZE, is a COMPRESSION_ERROR.
func TestHPACKBomb(t *testing.T) {
	t.Run("expansion", func(t *testing.T) {
		p := newPeer(t, xprotocol.RoleServer, xprotocol.SessionOptions{})
		fields := append([]string(nil), getReq...)
		for range 40 {
			fields = append(fields, "x-bomb", strings.Repeat("b", 3000))
		}
		p.headers(1, true, fields...)
		require.Less(t, p.in.Len(), 5000, "the block is small on the wire")
		fs := p.mustFeed()
		assert.Empty(t, fs, "the oversized request is not handed on")
		var status string
		for _, f := range p.output() {
			if h, ok := f.(*http2.HeadersFrame); ok {
				assert.True(t, h.StreamEnded())
				status = string(h.HeaderBlockFragment())
			}
		}
		assert.NotEmpty(t, status, "431 response sent")
		p.headers(3, true)
		fs = p.mustFeed()
		require.Len(t, fs, 1, "the connection goes on")
		releaseAll(fs)
	})
	t.Run("long-string", func(t *testing.T) {
		p := newPeer(t, xprotocol.RoleServer, xprotocol.SessionOptions{MaxHeaderBytes: 4096})
		p.headers(1, true, append(append([]string(nil), getReq...), "x-long", strings.Repeat("z", 5000))...)
		_, err := p.feed()
		requireConnError(t, p, err, http2.ErrCodeCompression)
	})
	t.Run("table-size", func(t *testing.T) {
		p := newPeer(t, xprotocol.RoleServer, xprotocol.SessionOptions{})
		block := append([]byte{0x3f, 0xe1, 0x7f}, p.block(getReq...)...) // size update to 16384
		_ = p.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block, EndStream: true, EndHeaders: true})
		_, err := p.feed()
		requireConnError(t, p, err, http2.ErrCodeCompression)
	})
}

// TestControlFlood: SETTINGS and PING frames whose acknowledgements pile
// up unflushed end the connection; flushed ones do not.
func TestControlFlood(t *testing.T) {
	for name, write := range map[string]func(fr *http2.Framer){
		"ping":     func(fr *http2.Framer) { _ = fr.WritePing(false, [8]byte{1}) },
		"settings": func(fr *http2.Framer) { _ = fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 20000}) },
	} {
		t.Run(name, func(t *testing.T) {
			p := newPeer(t, xprotocol.RoleServer, xprotocol.SessionOptions{})
			for range maxQueuedControl {
				write(p.fr)
			}
			p.mustFeed()
			out := p.s.AppendPending(nil)
			assert.LessOrEqual(t, len(out), maxQueuedControl*17, "pending output bounded")
			for range maxQueuedControl + 1 {
				write(p.fr)
			}
			_, err := p.feed()
			requireConnError(t, p, err, http2.ErrCodeEnhanceYourCalm)
		})
	}
}

// TestZeroWindowStall: a peer that grants no window gets no DATA; Held
// reports exactly what was given, trailers wait behind it, and window
// updates release precisely what they allow.
func TestZeroWindowStall(t *testing.T) {
	p := newPeer(t, xprotocol.RoleServer, xprotocol.SessionOptions{})
	_ = p.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0})
	p.headers(1, true)
	fs := p.mustFeed()
	require.Len(t, fs, 1)
	releaseAll(fs)
	p.output()

	var out []byte
	enc := func(f *Frame) {
		var err error
		out, err = p.s.Encode(out, f)
		f.Release()
		require.NoError(t, err)
	}
	enc(NewResponse(1, [][2]string{{":status", "200"}}, nil, false))
	for range 10 {
		enc(NewData(1, make([]byte, 10000), nil, false))
	}
	enc(NewData(1, nil, [][2]string{{"grpc-status", "0"}}, true))
	for _, f := range parseFrames(t, out) {
		assert.IsType(t, &http2.HeadersFrame{}, f, "only the head is written")
	}
	assert.Equal(t, 100000, p.s.Held())
	assert.False(t, p.s.ShouldClose())

	_ = p.fr.WriteWindowUpdate(1, 25000)
	p.mustFeed()
	var sent int
	for _, f := range p.output() {
		d, ok := f.(*dataCopy)
		require.True(t, ok, "only DATA is released")
		sent += len(d.data)
		assert.False(t, d.StreamEnded())
	}
	assert.Equal(t, 25000, sent)
	assert.Equal(t, 75000, p.s.Held())

	_ = p.fr.WriteWindowUpdate(1, 1<<20)
	p.mustFeed()
	assert.Equal(t, 75000-(defaultWindow-25000), p.s.Held(), "the connection window holds the rest")
	p.output()
	_ = p.fr.WriteWindowUpdate(0, 1<<20)
	p.mustFeed()
	fsOut := p.output()
	last := fsOut[len(fsOut)-1]
	require.IsType(t, &http2.HeadersFrame{}, last, "trailers follow the last DATA")
	assert.True(t, last.(*http2.HeadersFrame).StreamEnded())
	assert.Zero(t, p.s.Held())
	assert.Empty(t, p.s.streams, "the stream is finished")
}

// TestMaxStreams: streams beyond SessionOptions.MaxStreams are refused.
func TestMaxStreams(t *testing.T) {
	p := newPeer(t, xprotocol.RoleServer, xprotocol.SessionOptions{MaxStreams: 2})
	for _, id := range []uint32{1, 3, 5} {
		p.headers(id, false)
	}
	fs := p.mustFeed()
	assert.Len(t, fs, 2)
	releaseAll(fs)
	assert.Equal(t, map[uint32]http2.ErrCode{5: http2.ErrCodeRefusedStream}, rstCodes(p.output()))
}

// TestClientIDsExhausted: the last odd wire id is used, then Encode
// refuses and the session closes once its streams finish.
func TestClientIDsExhausted(t *testing.T) {
	p := newPeer(t, xprotocol.RoleClient, xprotocol.SessionOptions{})
	p.s.nextWireID = maxStreamID
	req := NewRequest(9, [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "x"}}, nil, true)
	defer req.Release()
	out, err := p.s.Encode(nil, req)
	require.NoError(t, err)
	h := parseFrames(t, out)[len(parseFrames(t, out))-1].(*http2.HeadersFrame)
	assert.EqualValues(t, maxStreamID, h.StreamID)
	req.SetStreamID(10)
	_, err = p.s.Encode(nil, req)
	assert.ErrorIs(t, err, ErrStreamIDsExhausted)
	assert.False(t, p.s.ShouldClose(), "the last stream is in flight")
	p.headers(maxStreamID, true, ":status", "204")
	fs := p.mustFeed()
	require.Len(t, fs, 1)
	assert.EqualValues(t, 9, fs[0].StreamID(), "the wire id maps back to the engine's")
	releaseAll(fs)
	assert.True(t, p.s.ShouldClose())
}
