package proxy

import (
	"encoding/binary"
	"time"

	"github.com/xgate/xgate/xprotocol"
)

// tstream is a minimal streaming protocol for the engine's own tests: it
// exercises streamed bodies, resets and back-pressure without depending on
// the HTTP codecs. Wire: 'T', kind, flags (1 = end of stream), a 4-byte
// stream id and a 4-byte payload length, then the payload.
type tstream struct{}

const (
	tsRequest  = 1
	tsResponse = 2
	tsData     = 3
	tsReset    = 4
	tsHeader   = 11
)

func (tstream) Name() string { return "tstream" }
func (tstream) Match(b []byte) xprotocol.MatchResult {
	if len(b) == 0 {
		return xprotocol.MatchNeedMore
	}
	if b[0] == 'T' {
		return xprotocol.MatchYes
	}
	return xprotocol.MatchNo
}
func (tstream) PoolMode() xprotocol.PoolMode                          { return xprotocol.PoolMultiplex }
func (tstream) MaxStreamID() uint64                                   { return 1<<32 - 1 }
func (tstream) NewSession(xprotocol.SessionOptions) xprotocol.Session { return tsSession{} }
func (tstream) NewHeartbeat(uint64) xprotocol.Frame                   { return nil }
func (tstream) HeartbeatReply(xprotocol.Frame) xprotocol.Frame        { return nil }
func (tstream) ErrorReply(req xprotocol.Frame, st xprotocol.Status, msg string) xprotocol.Frame {
	return &tsFrame{kind: tsResponse, id: uint32(req.StreamID()), end: true, status: st, payload: []byte(msg)}
}
func (tstream) NewReset(id uint64, st xprotocol.Status) xprotocol.Frame {
	return &tsFrame{kind: tsReset, id: uint32(id), end: true, status: st}
}

type tsSession struct{}

func (tsSession) Decode(src []byte) (xprotocol.Frame, int, error) {
	if len(src) < tsHeader {
		return nil, 0, xprotocol.ErrIncomplete
	}
	if src[0] != 'T' {
		return nil, 0, xprotocol.Malformed("tstream", "magic", "not T")
	}
	n := int(binary.BigEndian.Uint32(src[7:11]))
	if n > 1<<20 {
		return nil, 0, xprotocol.TooLarge("tstream", "length", n, 1<<20)
	}
	if len(src) < tsHeader+n {
		return nil, 0, xprotocol.ErrIncomplete
	}
	f := &tsFrame{kind: src[1], end: src[2]&1 != 0, id: binary.BigEndian.Uint32(src[3:7]),
		payload: append([]byte(nil), src[tsHeader:tsHeader+n]...)}
	if f.kind == tsReset && n > 0 {
		f.status = xprotocol.Status(f.payload[0])
	}
	return f, tsHeader + n, nil
}

func (tsSession) Encode(dst []byte, f xprotocol.Frame) ([]byte, error) {
	tf := f.(*tsFrame)
	var flags byte
	if tf.end {
		flags = 1
	}
	payload := tf.payload
	if tf.kind == tsReset {
		payload = []byte{byte(tf.status)}
	}
	return appendTS(dst, tf.kind, flags, tf.id, payload), nil
}

func appendTS(dst []byte, kind, flags byte, id uint32, payload []byte) []byte {
	dst = append(dst, 'T', kind, flags)
	dst = binary.BigEndian.AppendUint32(dst, id)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	return append(dst, payload...)
}

type tsFrame struct {
	kind    byte
	end     bool
	id      uint32
	status  xprotocol.Status
	payload []byte
}

func (f *tsFrame) Protocol() string { return "tstream" }
func (f *tsFrame) Kind() xprotocol.Kind {
	switch f.kind {
	case tsRequest:
		return xprotocol.KindRequest
	case tsResponse:
		return xprotocol.KindResponse
	case tsData:
		return xprotocol.KindData
	}
	return xprotocol.KindReset
}
func (f *tsFrame) Heartbeat() bool                   { return false }
func (f *tsFrame) StreamID() uint64                  { return uint64(f.id) }
func (f *tsFrame) SetStreamID(id uint64)             { f.id = uint32(id) }
func (f *tsFrame) Key(xprotocol.Key) []byte          { return nil }
func (f *tsFrame) Header() xprotocol.Header          { return tsHeaders{} }
func (f *tsFrame) Body() []byte                      { return f.payload }
func (f *tsFrame) Status() xprotocol.Status          { return f.status }
func (f *tsFrame) Timeout() time.Duration            { return 0 }
func (f *tsFrame) EndStream() bool                   { return f.end }
func (f *tsFrame) Size() int                         { return tsHeader + len(f.payload) }
func (f *tsFrame) Release()                          {}
func (tsHeaders) Get(string) ([]byte, bool)          { return nil, false }
func (tsHeaders) Range(func(key, value []byte) bool) {}
func (tsHeaders) Set(string, string)                 {}
func (tsHeaders) Del(string)                         {}

type tsHeaders struct{}
