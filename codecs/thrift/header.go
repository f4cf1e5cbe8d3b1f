package thrift

import (
	"strconv"

	"github.com/xgate/xgate/xprotocol"
)

// Header names of the view a Frame's Header returns. Thrift messages carry
// no header map (THeader would); the view exposes what routing can use.
const (
	// HeaderName is the whole message name, e.g. "Echo:echo".
	HeaderName = "name"
	// HeaderService is the multiplexed service (absent for a plain name).
	HeaderService = "service"
	// HeaderMethod is the method (the name without its service).
	HeaderMethod = "method"
	// HeaderSeqID is the seqid in decimal.
	HeaderSeqID = "seqid"
)

// Range passes keys as these slices so it allocates nothing.
var (
	keyName    = []byte(HeaderName)
	keyService = []byte(HeaderService)
	keyMethod  = []byte(HeaderMethod)
	keySeqID   = []byte(HeaderSeqID)
)

// header is the header view of a Frame. Reads allocate nothing.
type header Frame

var _ xprotocol.Header = (*header)(nil)

func (f *Frame) hdr() *header { return (*header)(f) }

// Get returns a view value: name, service (absent for a plain name), method
// (absent when empty) or seqid. The seqid text is formatted into the frame
// and valid until the next Get of it or Release.
func (h *header) Get(key string) (value []byte, ok bool) {
	f := (*Frame)(h)
	switch key {
	case HeaderName:
		return f.Name(), true
	case HeaderService:
		v := f.service()
		return v, v != nil
	case HeaderMethod:
		v := f.method()
		return v, v != nil
	case HeaderSeqID:
		return strconv.AppendInt(f.seqText[:0], int64(f.seqid), 10), true
	}
	return nil, false
}

// Range calls fn for name, service (when present), method (when present)
// and seqid, in that order, until fn returns false. fn must not modify the
// key slices.
func (h *header) Range(fn func(key, value []byte) bool) {
	f := (*Frame)(h)
	if !fn(keyName, f.Name()) {
		return
	}
	if v := f.service(); v != nil && !fn(keyService, v) {
		return
	}
	if v := f.method(); v != nil && !fn(keyMethod, v) {
		return
	}
	fn(keySeqID, strconv.AppendInt(f.seqText[:0], int64(f.seqid), 10))
}

// Set rewrites the message name: "service" sets the multiplexed service
// (value "" strips it: "Echo:echo" → "echo"), "method" the method and
// "name" the whole name. That is how a route adds or strips a service
// prefix for an upstream that does (not) multiplex. Other keys are ignored:
// Thrift has nowhere to carry them. The frame is rebuilt into a new buffer;
// slices handed out earlier stay valid until Release.
func (h *header) Set(key, value string) {
	f := (*Frame)(h)
	e := f.edit[:0]
	switch key {
	case HeaderService:
		if value != "" {
			e = append(append(e, value...), MultiplexSeparator)
		}
		e = append(e, f.method()...)
	case HeaderMethod:
		if s := f.service(); s != nil {
			e = append(append(e, s...), MultiplexSeparator)
		}
		e = append(e, value...)
	case HeaderName:
		e = append(e, value...)
	default:
		return
	}
	f.edit = e
	f.rebuild(e)
}

// Del removes "service", turning a multiplexed name (even one with an empty
// service, ":method") into a plain one; it ignores other keys (a message
// always has a name, method and seqid).
func (h *header) Del(key string) {
	if key == HeaderService && (*Frame)(h).colon >= 0 {
		h.Set(HeaderService, "")
	}
}
