package http2

import (
	"encoding/binary"

	"golang.org/x/net/http2/hpack"

	"github.com/xgate/xgate/xprotocol"
)

// hdMode says which rules a header block follows.
type hdMode uint8

const (
	modeDiscard hdMode = iota // decode for HPACK state only
	modeRequest
	modeResponse
	modeTrailers
)

// Pseudo-header bits.
const (
	pMethod = 1 << iota
	pScheme
	pAuthority
	pPath
	pStatus
)

// headerDecode is the state of the header block being decoded.
type headerDecode struct {
	f       *Frame
	mode    hdMode
	size    int
	fields  int // regular fields, against maxHeaderCount
	tooBig  bool
	bad     string
	regular bool
	pseudo  uint8
	connect bool
	grpc    bool
	clen    int64
	status  int
}

// onHeaders starts a header block (RFC 9113 section 6.2).
func (s *session) onHeaders(h frameHeader, p []byte, n int) (*Frame, error) {
	if h.streamID == 0 {
		return nil, s.connError(ErrCodeProtocol, "HEADERS", "stream id is 0")
	}
	frag := p
	pad := 0
	if h.flags&flagPadded != 0 {
		if len(frag) < 1 {
			return nil, s.connError(ErrCodeFrameSize, "HEADERS", "no room for the pad length")
		}
		pad = int(frag[0])
		frag = frag[1:]
	}
	selfDep := false
	if h.flags&flagPriority != 0 {
		if len(frag) < 5 {
			return nil, s.connError(ErrCodeFrameSize, "HEADERS", "no room for the priority fields")
		}
		selfDep = binary.BigEndian.Uint32(frag)&maxStreamID == h.streamID
		frag = frag[5:]
	}
	if pad > len(frag) {
		return nil, s.connError(ErrCodeProtocol, "HEADERS", "padding exceeds the payload")
	}
	frag = frag[:len(frag)-pad]
	s.cont = contState{id: h.streamID, endStream: h.flags&flagEndStream != 0, selfDep: selfDep, size: n}
	if h.flags&flagEndHeaders != 0 {
		return s.endBlock(frag)
	}
	s.block = append(s.block[:0], frag...)
	s.cont.active = true
	return nil, nil
}

// onContinuation continues a header block; the CONTINUATION flood defence
// bounds both the block's bytes and its frame count.
func (s *session) onContinuation(h frameHeader, p []byte, n int) (*Frame, error) {
	if !s.cont.active {
		return nil, s.connError(ErrCodeProtocol, "CONTINUATION", "no header block to continue")
	}
	s.cont.count++
	s.cont.size += n
	if s.cont.count > maxContinuations {
		return nil, s.connError(ErrCodeEnhanceYourCalm, "CONTINUATION", "too many CONTINUATION frames")
	}
	if len(s.block)+len(p) > s.maxHeaderBytes+blockSlack {
		return nil, s.connError(ErrCodeEnhanceYourCalm, "CONTINUATION", "header block too large")
	}
	s.block = append(s.block, p...)
	if h.flags&flagEndHeaders == 0 {
		return nil, nil
	}
	s.cont.active = false
	return s.endBlock(s.block)
}

// endBlock acts on a complete header block.
func (s *session) endBlock(block []byte) (*Frame, error) {
	defer func() {
		if cap(s.block) > 32<<10 {
			s.block = nil
		}
	}()
	if s.role == roleServer {
		return s.serverBlock(s.cont, block)
	}
	return s.clientBlock(s.cont, block)
}

func (s *session) serverBlock(c contState, block []byte) (*Frame, error) {
	id := c.id
	if id%2 == 0 {
		return nil, s.connError(ErrCodeProtocol, "HEADERS", "even stream id from a client")
	}
	if st := s.streams[id]; st != nil {
		return s.trailerBlock(c, st, block)
	}
	if id <= s.lastPeerID {
		if s.recentlyClosed(id) {
			return nil, s.connError(ErrCodeStreamClosed, "HEADERS", "stream is closed")
		}
		return nil, s.connError(ErrCodeProtocol, "HEADERS", "stream id is not above a previous one")
	}
	s.lastPeerID = id
	if s.goAwaySent && id > s.goAwayLast {
		return nil, s.decodeBlock(block, nil, modeDiscard)
	}
	f := newFrame(s.proto, xprotocol.KindRequest, uint64(id), 2*len(block)+64)
	if err := s.decodeBlock(block, f, modeRequest); err != nil {
		f.Release()
		return nil, err
	}
	d := &s.hd
	switch {
	case c.selfDep || d.bad != "" || !d.requestOK():
		f.Release()
		return s.streamError(id, nil, ErrCodeProtocol)
	case s.openStreams() >= s.maxStreams:
		f.Release()
		return s.streamError(id, nil, ErrCodeRefusedStream)
	case d.tooBig:
		f.Release()
		return nil, s.refuseTooLarge(id, c.endStream)
	case c.endStream && d.clen > 0:
		f.Release()
		return s.streamError(id, nil, ErrCodeProtocol)
	}
	st := s.newStream(id, uint64(id))
	st.grpc = d.grpc
	st.clen = d.clen
	st.gotHead = true
	f.proto = s.frameProto(st)
	s.addForwarded(f)
	f.end, f.size = c.endStream, c.size
	if c.endStream {
		s.endRemote(st)
	}
	return f, nil
}

func (s *session) clientBlock(c contState, block []byte) (*Frame, error) {
	id := c.id
	st := s.streams[id]
	if st == nil {
		if s.idle(id) {
			return nil, s.connError(ErrCodeProtocol, "HEADERS", "stream is idle")
		}
		// A stream we reset or forgot: keep the HPACK state, drop the rest.
		return nil, s.decodeBlock(block, nil, modeDiscard)
	}
	if st.gotHead {
		return s.trailerBlock(c, st, block)
	}
	f := newFrame(s.frameProto(st), xprotocol.KindResponse, st.eid, 2*len(block)+64)
	if err := s.decodeBlock(block, f, modeResponse); err != nil {
		f.Release()
		return nil, err
	}
	d := &s.hd
	if c.selfDep || d.tooBig || d.bad != "" || d.pseudo&pStatus == 0 || st.remoteDone {
		f.Release()
		return s.streamError(id, st, ErrCodeProtocol)
	}
	if d.status < 200 { // informational: the final head follows
		f.Release()
		if c.endStream {
			return s.streamError(id, st, ErrCodeProtocol)
		}
		return nil, nil
	}
	if d.grpc {
		st.grpc = true
		f.proto = NameGRPC
	}
	st.gotHead = true
	f.end, f.size = c.endStream, c.size
	if c.endStream {
		s.endRemote(st)
	}
	return f, nil
}

// trailerBlock handles a second header block on a stream: trailers.
func (s *session) trailerBlock(c contState, st *stream, block []byte) (*Frame, error) {
	f := newFrame(s.frameProto(st), xprotocol.KindData, st.eid, 2*len(block)+64)
	if err := s.decodeBlock(block, f, modeTrailers); err != nil {
		f.Release()
		return nil, err
	}
	d := &s.hd
	if st.remoteDone {
		f.Release()
		return s.streamError(c.id, st, ErrCodeStreamClosed)
	}
	if !c.endStream || c.selfDep || d.bad != "" || d.tooBig || st.clen >= 0 && st.got != st.clen {
		f.Release()
		return s.streamError(c.id, st, ErrCodeProtocol)
	}
	f.end, f.size = true, c.size
	s.endRemote(st)
	return f, nil
}

// refuseTooLarge answers a request whose header list exceeds the limit
// with 431 (RFC 6585) and, if the client is still sending, RST_STREAM
// NO_ERROR so that it stops.
func (s *session) refuseTooLarge(id uint32, ended bool) error {
	s.hbuf = s.enc.begin(s.hbuf[:0])
	s.hbuf = s.enc.field(s.hbuf, []byte(":status"), []byte("431"), false, false)
	s.pending = appendFrameHeader(s.pending, len(s.hbuf), ftHeaders, flagEndHeaders|flagEndStream, id)
	s.pending = append(s.pending, s.hbuf...)
	if !ended {
		s.pending = appendRSTStream(s.pending, id, ErrCodeNo)
	}
	s.rememberClosed(id)
	return s.queueControl()
}

// decodeBlock runs block through the HPACK decoder; fields go to f (nil
// discards them) under mode's rules. An HPACK failure is a connection
// error: the decoder's state is lost.
func (s *session) decodeBlock(block []byte, f *Frame, mode hdMode) error {
	s.hd = headerDecode{f: f, mode: mode, clen: -1}
	if _, err := s.dec.Write(block); err != nil {
		return s.connError(ErrCodeCompression, "header block", err.Error())
	}
	if err := s.dec.Close(); err != nil {
		return s.connError(ErrCodeCompression, "header block", err.Error())
	}
	return nil
}

// emit receives each decoded field (hpack.Decoder's emit function).
func (s *session) emit(hf hpack.HeaderField) {
	d := &s.hd
	d.size += len(hf.Name) + len(hf.Value) + 32
	if len(hf.Name) == 0 || hf.Name[0] != ':' {
		d.fields++
	}
	if d.size > s.maxHeaderBytes || d.fields > s.maxHeaderCount {
		d.tooBig = true
	}
	if d.tooBig || d.bad != "" || d.mode == modeDiscard {
		return
	}
	name, value := hf.Name, hf.Value
	if !validValue(value) {
		d.bad = "invalid field value"
		return
	}
	if len(name) > 0 && name[0] == ':' {
		if !d.pseudoField(name, value) {
			return
		}
	} else if !d.regularField(name, value) {
		return
	}
	if d.f != nil {
		d.f.appendField(name, value)
	}
}

func (d *headerDecode) pseudoField(name, value string) bool {
	if d.mode == modeTrailers || d.regular {
		d.bad = "misplaced pseudo-header"
		return false
	}
	var bit uint8
	switch {
	case d.mode == modeRequest && name == ":method":
		bit = pMethod
		d.connect = value == "CONNECT"
	case d.mode == modeRequest && name == ":scheme":
		bit = pScheme
	case d.mode == modeRequest && name == ":authority":
		bit = pAuthority
	case d.mode == modeRequest && name == ":path":
		bit = pPath
		if value == "" || value[0] != '/' && value != "*" {
			d.bad = "invalid :path"
			return false
		}
	case d.mode == modeResponse && name == ":status":
		bit = pStatus
		n, ok := atoi([]byte(value))
		if !ok || len(value) != 3 || n < 100 {
			d.bad = "invalid :status"
			return false
		}
		d.status = n
	default:
		d.bad = "unknown pseudo-header"
		return false
	}
	if d.pseudo&bit != 0 {
		d.bad = "duplicate pseudo-header"
		return false
	}
	d.pseudo |= bit
	return true
}

func (d *headerDecode) regularField(name, value string) bool {
	d.regular = true
	if !validName(name) {
		d.bad = "invalid field name"
		return false
	}
	switch name {
	case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
		d.bad = "connection-specific field"
		return false
	case "te":
		if value != "trailers" {
			d.bad = "te other than trailers"
			return false
		}
	case "content-length":
		n, ok := parseContentLength(value)
		if !ok || d.clen >= 0 && d.clen != n {
			d.bad = "invalid content-length"
			return false
		}
		d.clen = n
	case "content-type":
		d.grpc = d.grpc || IsGRPCContentType([]byte(value))
	}
	return true
}

// requestOK reports whether the request pseudo-headers are complete.
func (d *headerDecode) requestOK() bool {
	if d.connect {
		return d.pseudo&pAuthority != 0 && d.pseudo&(pScheme|pPath) == 0
	}
	return d.pseudo&(pMethod|pScheme|pPath) == pMethod|pScheme|pPath
}

func parseContentLength(v string) (int64, bool) {
	if v == "" || len(v) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// tokenLower marks the bytes allowed in a field name: RFC 9110 token
// characters without upper case.
var tokenLower = func() (t [256]bool) {
	for _, c := range "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz" {
		t[c] = true
	}
	return t
}()

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenLower[s[i]] {
			return false
		}
	}
	return true
}

// validValue applies RFC 9113 section 8.2.1: no NUL, CR or LF, and no
// leading or trailing space or tab.
func validValue(s string) bool {
	if s == "" {
		return true
	}
	if c := s[0]; c == ' ' || c == '\t' {
		return false
	}
	if c := s[len(s)-1]; c == ' ' || c == '\t' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 0 || c == '\r' || c == '\n' {
			return false
		}
	}
	return true
}
