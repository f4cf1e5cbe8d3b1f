package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	xhttp2 "golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/xgate/xgate/codecs/http2"
	"github.com/xgate/xgate/xprotocol"
)

// The HTTP/2 frame differential (FuzzHTTP2Frames) reads the same frames
// with x/net/http2's Framer (ReadMetaHeaders set, so header blocks are
// HPACK-decoded and checked as x/net's server sees them; SETTINGS values
// checked with Setting.Valid, as x/net's server does) and with a server
// session of codecs/http2, whose frame parser is internal: its decisions
// are read from what it returns and from what it writes (RST_STREAM,
// GOAWAY, PING and SETTINGS acknowledgements, 431 answers), itself parsed
// with a second Framer.
//
// Both sides must agree, frame by frame (a header block counts as one), on
// accept, stream error or connection error and on the error code; where
// both accept, on the frame's fields. A disagreement fails unless it is one
// of the deliberate differences in h2Deliberate, each documented there and
// in docs/fuzzing.md. At the end, a response on an open stream shows that
// the codec took the values x/net read: SETTINGS_MAX_FRAME_SIZE,
// SETTINGS_HEADER_TABLE_SIZE, SETTINGS_INITIAL_WINDOW_SIZE and the
// WINDOW_UPDATE increments (h2CheckSend).

// h2Verdict is one side's decision on a frame or header block.
type h2Verdict uint8

const (
	h2Accept  h2Verdict = iota // read without error
	h2Stream                   // stream error (RST_STREAM) with a code
	h2Conn                     // connection error (GOAWAY) with a code
	h2Fatal                    // x/net only: an error without an HTTP/2 code (the connection closes)
	h2Refused                  // codec only: 431 answer (header list over its limit)
)

var h2VerdictNames = [...]string{"accept", "stream error", "connection error", "fatal", "431"}

// h2Outcome is a verdict with its error code.
type h2Outcome struct {
	verdict h2Verdict
	code    xhttp2.ErrCode
}

func (o h2Outcome) String() string {
	if o.verdict == h2Stream || o.verdict == h2Conn {
		return h2VerdictNames[o.verdict] + " " + o.code.String()
	}
	return h2VerdictNames[o.verdict]
}

// h2MaxHeaderList is the header-list limit of both sides.
const h2MaxHeaderList = 64 << 10

// h2CodecOutput is what the codec wrote while decoding one frame.
type h2CodecOutput struct {
	rst      map[uint32]xhttp2.ErrCode
	goAway   *xhttp2.ErrCode
	pingAcks [][8]byte
	setAcks  int
	refused  map[uint32]bool // streams answered 431
}

// readCodecOutput parses the session's pending output with a Framer.
func readCodecOutput(t *testing.T, out []byte) h2CodecOutput {
	t.Helper()
	o := h2CodecOutput{rst: map[uint32]xhttp2.ErrCode{}, refused: map[uint32]bool{}}
	fr := xhttp2.NewFramer(io.Discard, bytes.NewReader(out))
	for {
		f, err := fr.ReadFrame()
		if errors.Is(err, io.EOF) {
			return o
		}
		if err != nil {
			t.Fatalf("the codec wrote a frame x/net cannot read: %v\n% x", err, out)
		}
		switch f := f.(type) {
		case *xhttp2.RSTStreamFrame:
			o.rst[f.StreamID] = f.ErrCode
		case *xhttp2.GoAwayFrame:
			code := f.ErrCode
			o.goAway = &code
		case *xhttp2.PingFrame:
			if !f.IsAck() {
				t.Fatal("the codec sent a PING of its own")
			}
			o.pingAcks = append(o.pingAcks, f.Data)
		case *xhttp2.SettingsFrame:
			if !f.IsAck() {
				t.Fatal("the codec sent SETTINGS after its first")
			}
			o.setAcks++
		case *xhttp2.HeadersFrame:
			o.refused[f.StreamID] = true // the only head a server session writes by itself
		}
	}
}

// h2Span is one frame of the input.
type h2Span struct {
	start, end int // end is start+9+length (the header only when too large)
	typ        xhttp2.FrameType
	flags      xhttp2.Flags
	id         uint32
}

// h2Spans splits input into frames, dropping an incomplete last frame:
// partial input is FuzzHTTP2Session's subject, not this target's. A frame
// over the 16 KiB read limit keeps only its header (both sides refuse it
// there) and ends the input.
func h2Spans(input []byte) ([]h2Span, []byte) {
	var spans []h2Span
	pos := 0
	for pos+9 <= len(input) {
		h := input[pos:]
		length := int(h[0])<<16 | int(h[1])<<8 | int(h[2])
		sp := h2Span{start: pos, typ: xhttp2.FrameType(h[3]), flags: xhttp2.Flags(h[4]), id: binary.BigEndian.Uint32(h[5:9]) & (1<<31 - 1)}
		if length > 16384 {
			sp.end = pos + 9
			return append(spans, sp), input[:sp.end]
		}
		if pos+9+length > len(input) {
			break
		}
		sp.end = pos + 9 + length
		spans = append(spans, sp)
		pos = sp.end
	}
	return spans, input[:pos]
}

// countingReader tells how many bytes the Framer has read.
type countingReader struct {
	b []byte
	n int
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.n == len(r.b) {
		return 0, io.EOF
	}
	n := copy(p, r.b[r.n:])
	r.n += n
	return n, nil
}

// xnetOutcome classifies the Framer's answer; a SETTINGS frame it reads is
// further checked with Setting.Valid, as x/net's server does.
func xnetOutcome(f xhttp2.Frame, err error) h2Outcome {
	var ce xhttp2.ConnectionError
	var se xhttp2.StreamError
	switch {
	case err == nil:
		if sf, ok := f.(*xhttp2.SettingsFrame); ok {
			var bad error
			_ = sf.ForeachSetting(func(s xhttp2.Setting) error {
				if bad == nil {
					bad = s.Valid()
				}
				return nil
			})
			if errors.As(bad, &ce) {
				return h2Outcome{h2Conn, xhttp2.ErrCode(ce)}
			}
		}
		return h2Outcome{verdict: h2Accept}
	case errors.As(err, &se):
		return h2Outcome{h2Stream, se.Code}
	case errors.As(err, &ce):
		return h2Outcome{h2Conn, xhttp2.ErrCode(ce)}
	case errors.Is(err, xhttp2.ErrFrameTooLarge):
		// x/net's server answers it with GOAWAY FRAME_SIZE_ERROR.
		return h2Outcome{h2Conn, xhttp2.ErrCodeFrameSize}
	default:
		return h2Outcome{verdict: h2Fatal}
	}
}

// h2Case is what a deliberate difference is judged on.
type h2Case struct {
	span   h2Span // the last frame of the range the Framer read
	x, c   h2Outcome
	xf     xhttp2.Frame // the Framer's frame, when it read one
	raw    []byte       // that frame's bytes
	reason string       // the codec's FrameError reason, on a connection error
	cf     *http2.Frame // the codec's frame, when it returned one
}

// h2StateReasons are the codec's connection errors that come from stream
// or connection state (RFC 9113 sections 5.1, 5.1.1 and 6.9), which the
// Framer does not keep.
var h2StateReasons = []string{
	"stream is idle", "stream is closed", "stream id is not above a previous one",
	"even stream id from a client", "connection window exceeded",
	"connection window exceeds 2^31-1", "a stream window exceeds 2^31-1",
}

// h2Faults lists the connection-error codes a control frame's own faults
// call for (RFC 9113 section 6): stream id, length, ACK with a payload,
// setting values, zero connection increment.
func h2Faults(sp h2Span, raw []byte) map[xhttp2.ErrCode]bool {
	p := raw[min(9, len(raw)):]
	faults := map[xhttp2.ErrCode]bool{}
	fault := func(cond bool, code xhttp2.ErrCode) {
		if cond {
			faults[code] = true
		}
	}
	switch sp.typ {
	case xhttp2.FrameSettings:
		fault(sp.id != 0, xhttp2.ErrCodeProtocol)
		fault(sp.flags&0x1 != 0 && len(p) > 0 || len(p)%6 != 0, xhttp2.ErrCodeFrameSize)
	case xhttp2.FramePing:
		fault(sp.id != 0, xhttp2.ErrCodeProtocol)
		fault(len(p) != 8, xhttp2.ErrCodeFrameSize)
	case xhttp2.FrameGoAway:
		fault(sp.id != 0, xhttp2.ErrCodeProtocol)
		fault(len(p) < 8, xhttp2.ErrCodeFrameSize)
	case xhttp2.FrameRSTStream:
		fault(sp.id == 0, xhttp2.ErrCodeProtocol)
		fault(len(p) != 4, xhttp2.ErrCodeFrameSize)
	case xhttp2.FrameWindowUpdate:
		fault(len(p) != 4, xhttp2.ErrCodeFrameSize)
		fault(sp.id == 0 && len(p) == 4 && binary.BigEndian.Uint32(p)&(1<<31-1) == 0, xhttp2.ErrCodeProtocol)
	case xhttp2.FramePriority:
		fault(sp.id == 0, xhttp2.ErrCodeProtocol)
		fault(len(p) != 5, xhttp2.ErrCodeFrameSize)
	}
	return faults
}

// h2LazyBlock names the difference after which the codec must still end
// the connection: by the end of the header block at the latest.
const h2LazyBlock = "HPACK errors: x/net decodes each fragment as it comes, the codec the whole block at END_HEADERS; both end the connection"

// h2StateReason reports whether a codec connection error is one of
// h2StateReasons.
func h2StateReason(reason string) bool {
	for _, r := range h2StateReasons {
		if strings.Contains(reason, r) {
			return true
		}
	}
	return false
}

// h2StreamChecks are the stream errors the codec raises on frames the
// Framer accepts: request semantics (RFC 9113 section 8.1.1, 8.2.2, 8.3.1:
// pseudo-headers, connection-specific fields, te, content-length against
// DATA), stream states (half-closed: STREAM_CLOSED), flow control, the
// concurrent-stream limit, and PRIORITY self-dependency (5.3.1), all of
// which x/net checks in its server, after the Framer.
var h2StreamChecks = map[xhttp2.FrameType][]xhttp2.ErrCode{
	xhttp2.FrameHeaders:      {xhttp2.ErrCodeProtocol, xhttp2.ErrCodeStreamClosed, xhttp2.ErrCodeRefusedStream},
	xhttp2.FrameContinuation: {xhttp2.ErrCodeProtocol, xhttp2.ErrCodeStreamClosed, xhttp2.ErrCodeRefusedStream},
	xhttp2.FrameData:         {xhttp2.ErrCodeProtocol, xhttp2.ErrCodeStreamClosed, xhttp2.ErrCodeFlowControl},
	xhttp2.FrameWindowUpdate: {xhttp2.ErrCodeFlowControl},
	xhttp2.FramePriority:     {xhttp2.ErrCodeProtocol},
}

// h2Deliberate is the table of deliberate differences: each entry names a
// difference and reports whether it explains the case. docs/fuzzing.md
// lists the same table.
var h2Deliberate = []struct {
	name    string
	applies func(c h2Case) bool
}{
	{"PRIORITY of a length other than 5: a stream error (RFC 9113 6.3), x/net ends the connection", func(c h2Case) bool {
		return c.span.typ == xhttp2.FramePriority && c.x == h2Outcome{h2Conn, xhttp2.ErrCodeFrameSize} &&
			c.c == h2Outcome{h2Stream, xhttp2.ErrCodeFrameSize}
	}},
	{"HEADERS padding longer than the payload: a connection error (RFC 9113 6.2), x/net resets the stream", func(c h2Case) bool {
		return c.span.typ == xhttp2.FrameHeaders && c.x == h2Outcome{h2Stream, xhttp2.ErrCodeProtocol} &&
			c.c == h2Outcome{h2Conn, xhttp2.ErrCodeProtocol} && strings.Contains(c.reason, "padding exceeds the payload")
	}},
	{"PADDED or PRIORITY flag without room for its fields: FRAME_SIZE_ERROR, x/net closes without a code", func(c h2Case) bool {
		return c.x.verdict == h2Fatal && c.c == h2Outcome{h2Conn, xhttp2.ErrCodeFrameSize} && strings.Contains(c.reason, "no room for")
	}},
	{"flood defences (CONTINUATION count and size, rapid reset, queued control frames): ENHANCE_YOUR_CALM", func(c h2Case) bool {
		return c.c == h2Outcome{h2Conn, xhttp2.ErrCodeEnhanceYourCalm}
	}},
	{"stream states and connection flow control: the Framer keeps no state, the codec ends the connection", func(c h2Case) bool {
		return c.c.verdict == h2Conn && (c.x.verdict == h2Accept || c.x.verdict == h2Stream) && h2StateReason(c.reason)
	}},
	{"check order: the codec refuses a header block's stream id before decoding it, x/net decodes first; both end the connection", func(c h2Case) bool {
		return c.c.verdict == h2Conn && c.x.verdict == h2Conn &&
			(c.span.typ == xhttp2.FrameHeaders || c.span.typ == xhttp2.FrameContinuation) && h2StateReason(c.reason)
	}},
	{"a frame with several faults: each side reports one of them first; both end the connection", func(c h2Case) bool {
		faults := h2Faults(c.span, c.raw)
		return c.x.verdict == h2Conn && c.c.verdict == h2Conn && faults[c.x.code] && faults[c.c.code]
	}},
	{"broken Huffman after a refused field or over the list limit: x/net stops decoding the strings it will not emit, the codec decodes all (COMPRESSION_ERROR, RFC 7541 5.2)", func(c h2Case) bool {
		if c.c != (h2Outcome{h2Conn, xhttp2.ErrCodeCompression}) || !strings.Contains(c.reason, "Huffman") ||
			c.span.typ != xhttp2.FrameHeaders && c.span.typ != xhttp2.FrameContinuation {
			return false
		}
		mh, truncated := c.xf.(*xhttp2.MetaHeadersFrame)
		return c.x == h2Outcome{h2Stream, xhttp2.ErrCodeProtocol} || c.x == h2Outcome{h2Conn, xhttp2.ErrCodeProtocol} ||
			c.x.verdict == h2Accept && truncated && mh.Truncated
	}},
	{h2LazyBlock, func(c h2Case) bool {
		return c.x == h2Outcome{h2Conn, xhttp2.ErrCodeCompression} && c.c.verdict == h2Accept && c.cf == nil &&
			(c.span.typ == xhttp2.FrameHeaders || c.span.typ == xhttp2.FrameContinuation) && c.span.flags&0x4 == 0
	}},
	{"request semantics, half-closed streams, stream flow control, stream limit, PRIORITY self-dependency: stream errors x/net's server raises after its Framer", func(c h2Case) bool {
		if c.x.verdict != h2Accept || c.c.verdict != h2Stream && c.c.verdict != h2Refused {
			return false
		}
		if c.span.typ == xhttp2.FramePriority {
			pf, ok := c.xf.(*xhttp2.PriorityFrame)
			return ok && pf.StreamDep == pf.StreamID && c.c.code == xhttp2.ErrCodeProtocol
		}
		if c.c.verdict == h2Refused {
			mh, ok := c.xf.(*xhttp2.MetaHeadersFrame)
			return ok && mh.Truncated
		}
		return slices.Contains(h2StreamChecks[c.span.typ], c.c.code)
	}},
	{"a header block with a bad field on a stream in the wrong state (or over a limit): both reset the stream, each with the code of the fault it checks first", func(c h2Case) bool {
		if c.x != (h2Outcome{h2Stream, xhttp2.ErrCodeProtocol}) || c.c.verdict != h2Stream && c.c.verdict != h2Refused {
			return false
		}
		return c.c.verdict == h2Refused || slices.Contains(h2StreamChecks[c.span.typ], c.c.code)
	}},
	{"WINDOW_UPDATE with a 0 increment on a closed stream: ignored with the frame (RFC 9113 5.1), x/net resets the stream", func(c h2Case) bool {
		return c.span.typ == xhttp2.FrameWindowUpdate && c.x == h2Outcome{h2Stream, xhttp2.ErrCodeProtocol} && c.c.verdict == h2Accept
	}},
	{"PUSH_PROMISE from a client: always a connection error (RFC 9113 8.4)", func(c h2Case) bool {
		return c.span.typ == xhttp2.FramePushPromise && c.c == h2Outcome{h2Conn, xhttp2.ErrCodeProtocol}
	}},
	{"SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441) above 1: ignored as an unknown setting (RFC 9113 6.5.2), x/net refuses it", func(c h2Case) bool {
		sf, ok := c.xf.(*xhttp2.SettingsFrame)
		if !ok || c.x != (h2Outcome{h2Conn, xhttp2.ErrCodeProtocol}) || c.c.verdict != h2Accept {
			return false
		}
		v, set := sf.Value(xhttp2.SettingEnableConnectProtocol)
		return set && v > 1
	}},
	{"field values with control characters other than NUL, CR, LF: allowed (RFC 9113 8.2.1), x/net refuses every CTL but HT", func(c h2Case) bool {
		if c.c.verdict != h2Accept || c.cf == nil || c.x.code != xhttp2.ErrCodeProtocol {
			return false
		}
		// x/net resets the stream, or, when a CONTINUATION followed the
		// refused field, ends the connection.
		if c.x.verdict != h2Stream && c.x.verdict != h2Conn {
			return false
		}
		ctl := false
		c.cf.Header().Range(func(_, v []byte) bool {
			ctl = ctl || bytes.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f })
			return !ctl
		})
		return ctl
	}},
	{"a CONTINUATION after a refused field or an over-limit list: x/net ends the connection, the codec decodes the block and decides per stream (or finds its HPACK broken)", func(c h2Case) bool {
		// The codec may also find the rest of the block broken.
		return c.span.typ == xhttp2.FrameContinuation && c.x == h2Outcome{h2Conn, xhttp2.ErrCodeProtocol} &&
			(c.c.verdict == h2Accept || c.c.verdict == h2Stream || c.c.verdict == h2Refused ||
				c.c == h2Outcome{h2Conn, xhttp2.ErrCodeCompression})
	}},
}

// h2Differential runs one input through both readers.
func h2Differential(t *testing.T, data []byte) (st h2Stats) {
	st.deliberate = map[string]int{}
	spans, input := h2Spans(append(h2Frame(0x4, 0, 0, nil), data...))

	cr := &countingReader{b: input}
	fr := xhttp2.NewFramer(io.Discard, cr)
	fr.SetMaxReadFrameSize(16384)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	fr.MaxHeaderListSize = h2MaxHeaderList

	sess := http2.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleServer,
		MaxHeaderBytes: h2MaxHeaderList, MaxHeaderCount: 1 << 20})
	fl := sess.(xprotocol.Flusher)
	if _, n, err := sess.Decode([]byte(h2Preface)); err != nil || n != len(h2Preface) {
		t.Fatalf("preface: n=%d err=%v", n, err)
	}
	fl.AppendPending(nil) // our SETTINGS and connection WINDOW_UPDATE

	peer := newH2Peer()
	next := 0 // the next span for the codec
	for next < len(spans) {
		xstart := cr.n
		if xstart != spans[next].start {
			t.Fatalf("the Framer is at %d, the codec at %d", xstart, spans[next].start)
		}
		xf, xerr := fr.ReadFrame()
		if xerr != nil && cr.n == len(input) && errors.Is(xerr, io.EOF) {
			return // a header block the input ends inside
		}
		x := xnetOutcome(xf, xerr)
		// The frames the Framer read: those starting before where it stopped.
		last := next
		for last+1 < len(spans) && spans[last+1].start < cr.n {
			last++
		}

		// The codec reads the same frames one Decode at a time.
		var c h2Outcome
		var reason string
		var cf *http2.Frame
		var out h2CodecOutput
		for i := next; i <= last; i++ {
			sp := spans[i]
			df, n, err := sess.Decode(input[sp.start:])
			out = readCodecOutput(t, fl.AppendPending(nil))
			if err != nil {
				var fe *xprotocol.FrameError
				if !errors.As(err, &fe) || n != 0 {
					t.Fatalf("codec: untyped error or bytes used: n=%d %v", n, err)
				}
				if out.goAway == nil {
					t.Fatalf("connection error without GOAWAY: %v", err)
				}
				c, reason = h2Outcome{h2Conn, *out.goAway}, fe.Reason
				last = i
				break
			}
			if n != sp.end-sp.start {
				t.Fatalf("codec used %d bytes of a %d-byte %v frame", n, sp.end-sp.start, sp.typ)
			}
			if df != nil {
				cf = df.(*http2.Frame)
				defer cf.Release()
			}
			switch code, rst := out.rst[sp.id]; {
			case out.refused[sp.id]:
				c = h2Outcome{verdict: h2Refused}
			case rst:
				c = h2Outcome{h2Stream, code}
			default:
				c = h2Outcome{verdict: h2Accept}
			}
			if i < last && (c.verdict != h2Accept || cf != nil) {
				// Inside a header block the codec may only wait.
				last = i
				break
			}
		}
		k := h2Case{span: spans[last], raw: input[spans[last].start:spans[last].end], x: x, c: c, xf: xf, reason: reason, cf: cf}
		next = last + 1
		st.compared++
		if x == c {
			if x.verdict == h2Accept {
				h2CompareFields(t, xf, cf, out, cr.n-xstart)
			}
		} else {
			explained := ""
			for _, d := range h2Deliberate {
				if d.applies(k) {
					explained = d.name
					break
				}
			}
			if explained == "" {
				t.Fatalf("%v frame on stream %d (bytes %d..%d): x/net %v (%v), codec %v (%s)",
					k.span.typ, k.span.id, xstart, k.span.end, x, xerr, c, reason)
			}
			st.deliberate[explained]++
			if explained == h2LazyBlock {
				h2FinishBlock(t, sess, input, spans[next:])
				return
			}
		}
		if x.verdict == h2Conn || x.verdict == h2Fatal || c.verdict == h2Conn {
			return
		}
		peer.update(k)
	}
	st.sent = h2CheckSend(t, sess, peer)
	return
}

// h2Stats is what one differential run compared.
type h2Stats struct {
	compared   int            // frames and header blocks
	deliberate map[string]int // deliberate differences met, by name
	sent       bool           // whether a response was sent and checked
}

// h2Peer is what the client's frames, as x/net read them, told the codec
// about sending: the settings, the send windows, the open streams.
type h2Peer struct {
	initWindow, maxFrame, tableSize int64
	connWindow                      int64
	streamInc                       map[uint32]int64
	open                            map[uint32]bool
}

func newH2Peer() *h2Peer {
	return &h2Peer{initWindow: 65535, maxFrame: 16384, tableSize: 4096, connWindow: 65535,
		streamInc: map[uint32]int64{}, open: map[uint32]bool{}}
}

// update follows one compared frame or header block.
func (p *h2Peer) update(k h2Case) {
	if k.cf != nil {
		switch k.cf.Kind() {
		case xprotocol.KindRequest:
			p.open[uint32(k.cf.StreamID())] = true
		case xprotocol.KindReset:
			delete(p.open, uint32(k.cf.StreamID()))
		}
	}
	if k.c.verdict == h2Stream || k.c.verdict == h2Refused {
		delete(p.open, k.span.id)
	}
	if k.x.verdict != h2Accept || k.c.verdict != h2Accept {
		return
	}
	switch f := k.xf.(type) {
	case *xhttp2.SettingsFrame:
		_ = f.ForeachSetting(func(s xhttp2.Setting) error {
			switch s.ID {
			case xhttp2.SettingInitialWindowSize:
				p.initWindow = int64(s.Val)
			case xhttp2.SettingMaxFrameSize:
				p.maxFrame = int64(s.Val)
			case xhttp2.SettingHeaderTableSize:
				p.tableSize = int64(s.Val)
			}
			return nil
		})
	case *xhttp2.WindowUpdateFrame:
		if f.StreamID == 0 {
			p.connWindow += int64(f.Increment)
		} else {
			p.streamInc[f.StreamID] += int64(f.Increment)
		}
	case *xhttp2.RSTStreamFrame:
		delete(p.open, f.StreamID)
	}
}

// h2CheckSend answers the lowest open stream with a response of 80,000
// bytes and reads what the codec writes with x/net: the values the client
// set must show. The head decodes with an HPACK table of the client's
// SETTINGS_HEADER_TABLE_SIZE (a repeated field makes the encoder refer to
// its table); DATA frames stay within SETTINGS_MAX_FRAME_SIZE; exactly
// the smaller of the connection window (65,535 plus the WINDOW_UPDATE
// increments on stream 0) and the stream's (SETTINGS_INITIAL_WINDOW_SIZE
// plus its increments) is sent, and the rest is held.
func h2CheckSend(t *testing.T, sess xprotocol.Session, p *h2Peer) bool {
	t.Helper()
	if len(p.open) == 0 {
		return false
	}
	id := uint32(1<<31 - 1)
	for s := range p.open {
		id = min(id, s)
	}
	body := bytes.Repeat([]byte("0123456789abcdef"), 5000)
	big := strings.Repeat("v", 300)
	resp := http2.NewResponse(uint64(id), [][2]string{{":status", "200"}, {"x-a", big}, {"x-a", big}}, body, true)
	out, err := sess.Encode(nil, resp)
	resp.Release()
	if err != nil {
		t.Fatalf("encoding a response on open stream %d: %v", id, err)
	}
	want := min(max(min(p.connWindow, p.initWindow+p.streamInc[id]), 0), int64(len(body)))
	fr := xhttp2.NewFramer(io.Discard, bytes.NewReader(out))
	fr.SetMaxReadFrameSize(1<<24 - 1)
	fr.ReadMetaHeaders = hpack.NewDecoder(uint32(min(p.tableSize, 1<<32-1)), nil)
	var sent []byte
	heads := 0
	for {
		f, err := fr.ReadFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("x/net cannot read the response (client table size %d): %v", p.tableSize, err)
		}
		if f.Header().StreamID != id {
			t.Fatalf("a %v frame for stream %d in the response on %d", f.Header().Type, f.Header().StreamID, id)
		}
		switch f := f.(type) {
		case *xhttp2.MetaHeadersFrame:
			heads++
			if len(f.Fields) != 3 || f.Fields[0].Value != "200" || f.Fields[1].Value != big || f.Fields[2].Value != big {
				t.Fatalf("response head reads %v", f.Fields)
			}
		case *xhttp2.DataFrame:
			if int64(f.Length) > p.maxFrame {
				t.Fatalf("a %d-byte DATA frame; the client's SETTINGS_MAX_FRAME_SIZE is %d", f.Length, p.maxFrame)
			}
			sent = append(sent, f.Data()...)
			if f.StreamEnded() != (len(sent) == len(body)) {
				t.Fatalf("END_STREAM %v after %d of %d bytes", f.StreamEnded(), len(sent), len(body))
			}
		default:
			t.Fatalf("a %v frame in a response", f.Header().Type)
		}
	}
	held := sess.(interface{ Held() int }).Held()
	if heads != 1 || int64(len(sent)) != want || !bytes.Equal(sent, body[:len(sent)]) || held != len(body)-len(sent) {
		t.Fatalf("response on stream %d: %d heads, %d bytes sent, %d held; want %d sent (connection window %d, initial %d, stream increments %d)",
			id, heads, len(sent), held, want, p.connWindow, p.initWindow, p.streamInc[id])
	}
	return true
}

// h2FinishBlock feeds the codec the rest of a header block x/net refused
// on an earlier fragment: it must end the connection by the block's end.
func h2FinishBlock(t *testing.T, sess xprotocol.Session, input []byte, spans []h2Span) {
	t.Helper()
	for _, sp := range spans {
		f, _, err := sess.Decode(input[sp.start:])
		if err != nil {
			return
		}
		if f != nil {
			f.Release()
		}
		if sp.typ != xhttp2.FrameContinuation || sp.flags&0x4 != 0 {
			t.Fatalf("the codec accepts a %v frame ending a header block x/net refused", sp.typ)
		}
	}
}

// h2CompareFields compares a frame both sides accepted.
func h2CompareFields(t *testing.T, xf xhttp2.Frame, cf *http2.Frame, out h2CodecOutput, size int) {
	t.Helper()
	h := xf.Header()
	switch xf := xf.(type) {
	case *xhttp2.MetaHeadersFrame:
		if cf == nil {
			t.Fatalf("x/net reads a header block on stream %d, the codec reports nothing", h.StreamID)
		}
		if xf.Truncated {
			t.Fatal("x/net truncated a header list the codec took whole")
		}
		var got, want []string
		cf.Header().Range(func(k, v []byte) bool {
			got = append(got, string(k)+": "+string(v))
			return true
		})
		for _, f := range xf.Fields {
			want = append(want, f.Name+": "+f.Value)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("header block on stream %d:\ncodec %q\nx/net %q", h.StreamID, got, want)
		}
		wantKind := cf.Kind() == xprotocol.KindRequest || cf.Kind() == xprotocol.KindData && len(cf.Body()) == 0
		if !wantKind || cf.StreamID() != uint64(h.StreamID) || cf.EndStream() != xf.StreamEnded() || cf.Size() != size {
			t.Fatalf("header block: codec %v id %d end %v size %d, x/net id %d end %v size %d",
				cf.Kind(), cf.StreamID(), cf.EndStream(), cf.Size(), h.StreamID, xf.StreamEnded(), size)
		}
	case *xhttp2.DataFrame:
		if cf == nil {
			if len(xf.Data()) != 0 || xf.StreamEnded() {
				t.Fatalf("DATA of %d bytes (end %v) not reported", len(xf.Data()), xf.StreamEnded())
			}
			return
		}
		if cf.Kind() != xprotocol.KindData || cf.StreamID() != uint64(h.StreamID) || !bytes.Equal(cf.Body(), xf.Data()) ||
			cf.EndStream() != xf.StreamEnded() || cf.Size() != size {
			t.Fatalf("DATA: codec %v id %d end %v body %q size %d; x/net id %d end %v body %q size %d",
				cf.Kind(), cf.StreamID(), cf.EndStream(), cf.Body(), cf.Size(), h.StreamID, xf.StreamEnded(), xf.Data(), size)
		}
	case *xhttp2.RSTStreamFrame:
		if cf != nil && (cf.Kind() != xprotocol.KindReset || cf.StreamID() != uint64(h.StreamID) || uint32(cf.Code()) != uint32(xf.ErrCode)) {
			t.Fatalf("RST_STREAM: codec %v id %d code %v; x/net id %d code %v", cf.Kind(), cf.StreamID(), cf.Code(), h.StreamID, xf.ErrCode)
		}
	case *xhttp2.GoAwayFrame:
		if cf == nil || cf.Kind() != xprotocol.KindGoAway || uint32(cf.Code()) != uint32(xf.ErrCode) || cf.LastStreamID() != xf.LastStreamID {
			t.Fatalf("GOAWAY: codec %v; x/net last %d code %v", cf, xf.LastStreamID, xf.ErrCode)
		}
	case *xhttp2.PingFrame:
		if xf.IsAck() != (len(out.pingAcks) == 0) || !xf.IsAck() && out.pingAcks[0] != xf.Data {
			t.Fatalf("PING %x (ack %v): codec acknowledged %x", xf.Data, xf.IsAck(), out.pingAcks)
		}
	case *xhttp2.SettingsFrame:
		if xf.IsAck() != (out.setAcks == 0) {
			t.Fatalf("SETTINGS (ack %v): codec wrote %d acknowledgements", xf.IsAck(), out.setAcks)
		}
	default: // WINDOW_UPDATE, PRIORITY, unknown types: nothing for the engine
		if cf != nil {
			t.Fatalf("%v: the codec reported a %v frame", h.Type, cf.Kind())
		}
	}
}

// h2FrameSeeds are frame sequences (after the preface and an empty
// SETTINGS the target adds): the session seeds, and one frame of every
// type with the edge cases of each: padding, priority fields,
// self-dependency, every setting in and out of range, zero increments,
// short and long payloads, interrupted header blocks.
func h2FrameSeeds(t testing.TB) [][]byte {
	seeds := http2Seeds(t)
	// A minimal GET on stream 1: :method GET, :scheme http, :path /,
	// :authority a (HPACK static indexes and a literal).
	get := []byte{0x82, 0x86, 0x84, 0x41, 0x01, 'a'}
	setting := func(id uint16, v uint32) []byte {
		return h2Frame(0x4, 0, 0, binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint16(nil, id), v))
	}
	u32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	open := h2Frame(0x1, 0x4, 1, get)
	frames := [][]byte{
		h2Frame(0x1, 0x5, 1, get),
		h2Frame(0x1, 0x4|0x8, 1, append(append([]byte{3}, get...), 0, 0, 0)),                                     // padded
		h2Frame(0x1, 0x4|0x8, 1, append([]byte{200}, get...)),                                                    // padding too long
		h2Frame(0x1, 0x4|0x20, 1, append([]byte{0, 0, 0, 3, 15}, get...)),                                        // priority
		h2Frame(0x1, 0x4|0x20, 1, append([]byte{0x80, 0, 0, 1, 15}, get...)),                                     // self-dependent
		h2Frame(0x1, 0x4|0x20, 1, []byte{0, 0}),                                                                  // no room for priority
		h2Frame(0x1, 0x8, 1, nil),                                                                                // no room for pad length
		h2Frame(0x1, 0x4, 0, get),                                                                                // stream 0
		h2Frame(0x1, 0x4, 2, get),                                                                                // even id
		h2Frame(0x1, 0x4, 1, append(get[:len(get):len(get)], 0x40, 1, 'x', 1, 1)),                                // field value with a CTL
		h2Frame(0x1, 0x4, 1, append(get[:len(get):len(get)], 0x40, 1, 'X', 1, 'y')),                              // upper-case name
		h2Frame(0x1, 0x4, 1, []byte{0x82, 0x86}),                                                                 // no :path
		h2Frame(0x1, 0x4, 1, []byte{0x3f, 0xe1, 0x1f}),                                                           // table size update above 4096
		h2Frame(0x1, 0x4, 1, append(get[:len(get):len(get)], 0x40, 1, 'X', 1, 'y', 0x00, 0x81, 'a', 0x81, 0xff)), // broken Huffman after a refused field
		bytes.Join([][]byte{h2Frame(0x1, 0, 1, get[:3]), h2Frame(0x9, 0x4, 1, get[3:])}, nil),
		bytes.Join([][]byte{h2Frame(0x1, 0, 1, get[:3]), h2Frame(0x0, 0, 1, nil)}, nil),       // interrupted block
		bytes.Join([][]byte{h2Frame(0x1, 0, 1, get[:3]), h2Frame(0x9, 0x4, 3, get[3:])}, nil), // other stream
		h2Frame(0x9, 0x4, 1, get),                                                             // CONTINUATION alone
		bytes.Join([][]byte{open, h2Frame(0x0, 0x1, 1, []byte("body"))}, nil),
		bytes.Join([][]byte{open, h2Frame(0x0, 0x8|0x1, 1, []byte("\x02bodyxx"))}, nil), // padded DATA
		bytes.Join([][]byte{open, h2Frame(0x0, 0x8, 1, []byte("\x09body"))}, nil),       // padding too long
		bytes.Join([][]byte{open, h2Frame(0x0, 0x8, 1, nil)}, nil),                      // no pad length
		h2Frame(0x0, 0, 0, []byte("x")),
		h2Frame(0x0, 0, 1, []byte("x")), // idle stream
		bytes.Join([][]byte{h2Frame(0x1, 0x5, 1, get), h2Frame(0x0, 0, 1, []byte("late"))}, nil),
		bytes.Join([][]byte{open, h2Frame(0x1, 0x5, 1, []byte{0x40, 1, 't', 1, 'v'})}, nil), // trailers
		h2Frame(0x2, 0, 1, []byte{0, 0, 0, 3, 15}),
		h2Frame(0x2, 0, 1, []byte{0, 0, 0, 1, 15}), // self-dependent
		h2Frame(0x2, 0, 1, []byte{0, 0, 0, 3}),     // short
		h2Frame(0x2, 0, 0, []byte{0, 0, 0, 3, 15}),
		bytes.Join([][]byte{open, h2Frame(0x3, 0, 1, u32(8))}, nil),
		h2Frame(0x3, 0, 1, u32(8)), // idle
		h2Frame(0x3, 0, 0, u32(8)),
		h2Frame(0x3, 0, 1, []byte{0, 0, 8}),
		h2Frame(0x4, 0x1, 0, nil),
		h2Frame(0x4, 0x1, 0, []byte{0, 0, 0, 0, 0, 0}),
		h2Frame(0x4, 0, 1, nil),
		h2Frame(0x4, 0, 0, []byte{0, 0, 0}),
		setting(0x1, 0), setting(0x2, 1), setting(0x2, 2), setting(0x3, 0), setting(0x4, 1<<31-1), setting(0x4, 1<<31),
		setting(0x5, 16384), setting(0x5, 16383), setting(0x5, 1<<24), setting(0x6, 1), setting(0x8, 1), setting(0x8, 2), setting(0xff, 7),
		h2Frame(0x5, 0x4, 1, append(u32(2), get...)), // PUSH_PROMISE
		h2Frame(0x6, 0, 0, []byte("pingpong")),
		h2Frame(0x6, 0x1, 0, []byte("pingpong")),
		h2Frame(0x6, 0, 1, []byte("pingpong")),
		h2Frame(0x6, 0, 0, []byte("ping")),
		h2Frame(0x7, 0, 0, append(u32(5), u32(2)...)),
		h2Frame(0x7, 0, 0, append(append(u32(1<<31|5), u32(11)...), "debug"...)),
		h2Frame(0x7, 0, 0, u32(5)),
		h2Frame(0x7, 0, 1, append(u32(5), u32(2)...)),
		h2Frame(0x8, 0, 0, u32(1024)),
		h2Frame(0x8, 0, 0, u32(0)),
		h2Frame(0x8, 0, 0, u32(1<<31-1)), // overflows the connection window
		bytes.Join([][]byte{open, h2Frame(0x8, 0, 1, u32(0))}, nil),
		bytes.Join([][]byte{open, h2Frame(0x8, 0, 1, u32(1<<31-1))}, nil),
		h2Frame(0x8, 0, 1, []byte{0, 0, 1}),
		h2Frame(0xa, 0, 0, []byte("unknown")),
		// Settings and windows the response sent at the end must follow.
		bytes.Join([][]byte{setting(0x4, 100), open, h2Frame(0x8, 0, 1, u32(50))}, nil),
		bytes.Join([][]byte{setting(0x5, 20000), setting(0x1, 0), open, h2Frame(0x8, 0, 0, u32(100000)), h2Frame(0x8, 0, 1, u32(100000))}, nil),
		bytes.Join([][]byte{open, setting(0x4, 0)}, nil),
		bytes.Join([][]byte{open, h2Frame(0x1, 0x4, 3, get), h2Frame(0x3, 0, 1, u32(8)), setting(0x1, 100)}, nil),
		{0, 0x40, 1, 0x0, 0, 0, 0, 0, 1}, // over 16 KiB
	}
	return append(seeds, frames...)
}

// FuzzHTTP2Frames is the HTTP/2 framing differential against
// x/net/http2's Framer: the same frames, after the preface and an empty
// SETTINGS, read by both; decisions, error codes and frame fields compared
// (h2Differential, h2CompareFields), disagreements allowed only as listed
// in h2Deliberate, and the settings and window values checked through a
// response (h2CheckSend).
func FuzzHTTP2Frames(f *testing.F) {
	for _, s := range h2FrameSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		h2Differential(t, data)
	})
}

// TestHTTP2FramesSeeds guards the differential itself: every seed is
// compared frame by frame, and the seeds reach most deliberate differences
// (so a rule that no longer applies is noticed).
func TestHTTP2FramesSeeds(t *testing.T) {
	total, sent := 0, 0
	used := map[string]int{}
	for _, s := range h2FrameSeeds(t) {
		st := h2Differential(t, s)
		total += st.compared
		if st.sent {
			sent++
		}
		for k, v := range st.deliberate {
			used[k] += v
		}
	}
	if total < 150 || sent < 10 {
		t.Fatalf("only %d frames compared, %d responses checked", total, sent)
	}
	if len(used) < 7 {
		t.Fatalf("the seeds exercise %d deliberate differences: %v", len(used), used)
	}
	t.Logf("%d frames compared, %d responses checked; deliberate differences: %v", total, sent, used)
}
