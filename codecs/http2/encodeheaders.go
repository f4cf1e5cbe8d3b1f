package http2

import (
	"bytes"

	"github.com/xgate/xgate/xprotocol"
)

// encodeHeaders turns any HTTP-family frame's header view into an HPACK
// block: pseudo-headers first (missing required ones added), then regular
// fields lower-cased, without connection-specific fields. Its callbacks
// are bound once per session, so Range allocates nothing.
type encodeHeaders struct {
	s                   *session
	pseudoFn, regularFn func(k, v []byte) bool
	anyFn               func(k, v []byte) bool
	req, trailers, info bool
	any                 bool
	seen                uint8
	lower               []byte
}

func (e *encodeHeaders) init(s *session) {
	e.s = s
	e.pseudoFn = e.pseudo
	e.regularFn = e.regular
	e.anyFn = e.anyRegular
}

// headBlock encodes f's fields; req picks request pseudo-headers, trailers
// drops all pseudo-headers.
func (s *session) headBlock(f xprotocol.Frame, req, trailers bool) []byte {
	e := &s.eh
	e.req, e.trailers, e.info, e.seen = req, trailers, false, 0
	s.hbuf = s.enc.begin(s.hbuf[:0])
	h := f.Header()
	if !trailers {
		if h != nil {
			h.Range(e.pseudoFn)
		}
		e.addMissing(h)
	}
	if h != nil {
		h.Range(e.regularFn)
	}
	return s.hbuf
}

func (e *encodeHeaders) put(k, v []byte) {
	never := string(k) == "authorization" || string(k) == "proxy-authorization"
	e.s.hbuf = e.s.enc.field(e.s.hbuf, k, v, never, false)
}

var (
	bMethod    = []byte(":method")
	bScheme    = []byte(":scheme")
	bPath      = []byte(":path")
	bAuthority = []byte(":authority")
	bStatus    = []byte(":status")
	bGET       = []byte("GET")
	bHTTP      = []byte("http")
	bHTTPS     = []byte("https")
	bSlash     = []byte("/")
	b200       = []byte("200")
)

func (e *encodeHeaders) pseudo(k, v []byte) bool {
	if len(k) == 0 || k[0] != ':' {
		return true
	}
	var bit uint8
	switch string(k) {
	case ":method":
		bit = pMethod
	case ":scheme":
		bit = pScheme
	case ":authority":
		bit = pAuthority
	case ":path":
		bit = pPath
	case ":status":
		bit = pStatus
	default:
		return true
	}
	if e.req != (bit != pStatus) || e.seen&bit != 0 {
		return true
	}
	e.seen |= bit
	if bit == pStatus && len(v) > 0 && v[0] == '1' {
		e.info = true
	}
	e.put(k, v)
	return true
}

func (e *encodeHeaders) addMissing(h xprotocol.Header) {
	if !e.req {
		if e.seen&pStatus == 0 {
			e.put(bStatus, b200)
		}
		return
	}
	if e.seen&pMethod == 0 {
		e.put(bMethod, bGET)
	}
	if e.seen&pScheme == 0 {
		if e.s.secure {
			e.put(bScheme, bHTTPS)
		} else {
			e.put(bScheme, bHTTP)
		}
	}
	if e.seen&pAuthority == 0 && h != nil {
		if host, ok := h.Get("host"); ok {
			e.put(bAuthority, host)
		}
	}
	if e.seen&pPath == 0 {
		e.put(bPath, bSlash)
	}
}

func (e *encodeHeaders) regular(k, v []byte) bool {
	if len(k) == 0 || k[0] == ':' {
		return true
	}
	if hasUpper(k) {
		e.lower = append(e.lower[:0], k...)
		for i, c := range e.lower {
			if 'A' <= c && c <= 'Z' {
				e.lower[i] = c + 'a' - 'A'
			}
		}
		k = e.lower
	}
	switch string(k) {
	case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", "http2-settings":
		return true
	case "te":
		if !bytes.EqualFold(v, []byte("trailers")) {
			return true
		}
		v = []byte("trailers")
	}
	e.put(k, v)
	return true
}

func hasUpper(b []byte) bool {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			return true
		}
	}
	return false
}

// hasRegular reports whether f carries regular header fields (trailers).
func (e *encodeHeaders) hasRegular(f xprotocol.Frame) bool {
	if ff, ok := f.(*Frame); ok {
		b := *ff.buf
		for _, fd := range ff.fields {
			if fd.nlen > 0 && b[fd.off] != ':' {
				return true
			}
		}
		return false
	}
	h := f.Header()
	if h == nil {
		return false
	}
	e.any = false
	h.Range(e.anyFn)
	return e.any
}

func (e *encodeHeaders) anyRegular(k, _ []byte) bool {
	if len(k) > 0 && k[0] != ':' {
		e.any = true
		return false
	}
	return true
}
