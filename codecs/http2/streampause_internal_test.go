package http2

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	"github.com/xgate/xgate/xprotocol"
)

// streamUpdates sums the WINDOW_UPDATE increments per stream in fs.
func streamUpdates(fs []http2.Frame) map[uint32]uint32 {
	m := map[uint32]uint32{}
	for _, f := range fs {
		if w, ok := f.(*http2.WindowUpdateFrame); ok {
			m[w.StreamID] += w.Increment
		}
	}
	return m
}

// TestPauseStream: a paused response stream gets no window back however
// much it consumes (the connection still does); resuming grants what was
// consumed meanwhile, and the stream is granted as usual again.
func TestPauseStream(t *testing.T) {
	p := newPeer(t, xprotocol.RoleClient, xprotocol.SessionOptions{})
	req := NewRequest(7, [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "x"}}, nil, true)
	out, err := p.s.Encode(nil, req)
	req.Release()
	require.NoError(t, err)
	id := parseFrames(t, out)[len(parseFrames(t, out))-1].(*http2.HeadersFrame).StreamID
	p.headers(id, false, ":status", "200")
	releaseAll(p.mustFeed())

	p.s.PauseStream(7)
	chunk := make([]byte, 16<<10)
	for range (Window / 2) / len(chunk) * 3 / 2 { // 1.5 half-windows
		require.NoError(t, p.fr.WriteData(id, false, chunk))
	}
	releaseAll(p.mustFeed())
	ups := streamUpdates(p.output())
	assert.Zero(t, ups[id], "no window for a paused stream")
	assert.Positive(t, ups[0], "the connection window is still granted")

	p.s.ResumeStream(7)
	ups = streamUpdates(p.output())
	assert.EqualValues(t, Window/2*3/2, ups[id], "resuming grants what was consumed")

	for range (Window / 2) / len(chunk) {
		require.NoError(t, p.fr.WriteData(id, false, chunk))
	}
	releaseAll(p.mustFeed())
	assert.EqualValues(t, Window/2, streamUpdates(p.output())[id], "granted as usual again")

	p.s.PauseStream(99) // unknown: ignored
	p.s.ResumeStream(99)
	assert.Empty(t, p.output())
}
