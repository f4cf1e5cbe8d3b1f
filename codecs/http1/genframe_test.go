package http1_test

import (
	"strings"
	"time"

	"github.com/xgate/xgate/xprotocol"
)

// genFrame is a frame of another HTTP-family protocol, as an HTTP/2 session
// would hand it over: pseudo-headers first, lower-case names, no Host, no
// connection-specific fields.
type genFrame struct {
	kind   xprotocol.Kind
	id     uint64
	end    bool
	fields [][2][]byte
	body   []byte
}

func (f *genFrame) add(kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		f.fields = append(f.fields, [2][]byte{[]byte(kv[i]), []byte(kv[i+1])})
	}
}

var _ xprotocol.Frame = (*genFrame)(nil)

// h2Request builds a request frame from pseudo-headers and fields.
func h2Request(id uint64, method, authority, path string, end bool, body string, fields ...string) *genFrame {
	f := &genFrame{kind: xprotocol.KindRequest, id: id, end: end, body: []byte(body)}
	f.add(":method", method, ":scheme", "http", ":authority", authority, ":path", path)
	f.add(fields...)
	return f
}

// h2Response builds a response frame.
func h2Response(id uint64, status string, end bool, body string, fields ...string) *genFrame {
	f := &genFrame{kind: xprotocol.KindResponse, id: id, end: end, body: []byte(body)}
	f.add(":status", status)
	f.add(fields...)
	return f
}

// h2Data builds a data frame; fields are trailers.
func h2Data(id uint64, body string, end bool, trailers ...string) *genFrame {
	f := &genFrame{kind: xprotocol.KindData, id: id, end: end, body: []byte(body)}
	f.add(trailers...)
	return f
}

func (f *genFrame) Protocol() string         { return "http2" }
func (f *genFrame) Kind() xprotocol.Kind     { return f.kind }
func (f *genFrame) Heartbeat() bool          { return false }
func (f *genFrame) StreamID() uint64         { return f.id }
func (f *genFrame) SetStreamID(id uint64)    { f.id = id }
func (f *genFrame) Key(xprotocol.Key) []byte { return nil }
func (f *genFrame) Header() xprotocol.Header { return f }
func (f *genFrame) Body() []byte             { return f.body }
func (f *genFrame) Status() xprotocol.Status { return xprotocol.StatusOK }
func (f *genFrame) Timeout() time.Duration   { return 0 }
func (f *genFrame) EndStream() bool          { return f.end }
func (f *genFrame) Size() int                { return len(f.body) }
func (f *genFrame) Release()                 {}

func (f *genFrame) Get(key string) ([]byte, bool) {
	for _, kv := range f.fields {
		if strings.EqualFold(string(kv[0]), key) {
			return kv[1], true
		}
	}
	return nil, false
}

func (f *genFrame) Range(fn func(k, v []byte) bool) {
	for _, kv := range f.fields {
		if !fn(kv[0], kv[1]) {
			return
		}
	}
}

func (f *genFrame) Set(key, value string) {
	f.Del(key)
	f.add(key, value)
}

func (f *genFrame) Del(key string) {
	kept := f.fields[:0]
	for _, kv := range f.fields {
		if !strings.EqualFold(string(kv[0]), key) {
			kept = append(kept, kv)
		}
	}
	f.fields = kept
}
