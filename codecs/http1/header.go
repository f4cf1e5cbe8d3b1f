package http1

import "bytes"

// span is a field's position in the parsed buffer: buf[off:end].
type span struct{ off, end uint32 }

func (s span) of(buf []byte) []byte { return buf[s.off:s.end:s.end] }

type field struct{ name, value span }

// inlineFields is how many field lines a Header holds without allocating;
// a typical browser request has about 15. A head with more (up to
// Limits.MaxHeaders) costs one allocation, sized once.
const inlineFields = 32

// Header is a parsed field section (a head's header fields, or a chunked
// body's trailer fields). It holds no copies: names and values are slices of
// the buffer that was parsed, valid until the caller reuses that buffer, and
// must not be modified. Values have their surrounding whitespace removed.
type Header struct {
	buf      []byte
	n        int
	inline   [inlineFields]field
	overflow []field
}

func (h *Header) at(i int) *field {
	if i < inlineFields {
		return &h.inline[i]
	}
	return &h.overflow[i-inlineFields]
}

// Len returns the number of field lines.
func (h *Header) Len() int { return h.n }

// Field returns the i-th field line, in wire order (0 <= i < Len()).
func (h *Header) Field(i int) (name, value []byte) {
	f := h.at(i)
	return f.name.of(h.buf), f.value.of(h.buf)
}

// Lookup returns the value of the first field line named name (ASCII case
// ignored) and whether there is one.
func (h *Header) Lookup(name string) ([]byte, bool) {
	for i := 0; i < h.n; i++ {
		f := h.at(i)
		if equalFoldBytes(f.name.of(h.buf), name) {
			return f.value.of(h.buf), true
		}
	}
	return nil, false
}

// Get returns the value of the first field line named name (ASCII case
// ignored), or nil if there is none. It does not allocate.
func (h *Header) Get(name string) []byte {
	v, _ := h.Lookup(name)
	return v
}

// Range calls fn for each field line in wire order until fn returns false.
func (h *Header) Range(fn func(name, value []byte) bool) {
	for i := 0; i < h.n; i++ {
		f := h.at(i)
		if !fn(f.name.of(h.buf), f.value.of(h.buf)) {
			return
		}
	}
}

// hopByHop are the fields that describe one connection, never the message
// (RFC 9110 §7.6.1, plus the RFC 2616 §13.5.1 set that proxies still drop):
// the set net/http/httputil.ReverseProxy removes.
var hopByHop = [...]string{
	"connection", "proxy-connection", "keep-alive", "proxy-authenticate",
	"proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
}

// IsHopByHop reports whether a field named name is hop-by-hop in this
// message: one of the standard set (Connection, Proxy-Connection,
// Keep-Alive, Proxy-Authenticate, Proxy-Authorization, TE, Trailer,
// Transfer-Encoding, Upgrade) or listed in a Connection field (RFC 9110
// §7.6.1). A proxy must not forward such a field.
func (h *Header) IsHopByHop(name []byte) bool {
	for _, s := range hopByHop {
		if equalFold(name, s) {
			return true
		}
	}
	listed := false
	h.eachToken("connection", func(tok []byte) bool {
		listed = equalFoldBB(tok, name)
		return !listed
	})
	return listed
}

// RangeHopByHop calls fn with the name of every field line of this message
// that IsHopByHop, in wire order, until fn returns false.
func (h *Header) RangeHopByHop(fn func(name []byte) bool) {
	for i := 0; i < h.n; i++ {
		name := h.at(i).name.of(h.buf)
		if h.IsHopByHop(name) && !fn(name) {
			return
		}
	}
}

// RangeEndToEnd calls fn for each field line that is not hop-by-hop, in
// wire order, until fn returns false: the fields a proxy forwards.
func (h *Header) RangeEndToEnd(fn func(name, value []byte) bool) {
	for i := 0; i < h.n; i++ {
		f := h.at(i)
		name := f.name.of(h.buf)
		if !h.IsHopByHop(name) && !fn(name, f.value.of(h.buf)) {
			return
		}
	}
}

// eachToken calls fn for every non-empty element of the comma-separated
// lists in all field lines named lname (lower case), until fn returns false.
func (h *Header) eachToken(lname string, fn func(tok []byte) bool) {
	for i := 0; i < h.n; i++ {
		f := h.at(i)
		if !equalFold(f.name.of(h.buf), lname) {
			continue
		}
		v := f.value.of(h.buf)
		for len(v) > 0 {
			var tok []byte
			if j := bytes.IndexByte(v, ','); j >= 0 {
				tok, v = v[:j], v[j+1:]
			} else {
				tok, v = v, nil
			}
			if tok = trimOWS(tok); len(tok) > 0 && !fn(tok) {
				return
			}
		}
	}
}

func (h *Header) reset(buf []byte) {
	h.buf = buf
	h.n = 0
	if h.overflow != nil {
		h.overflow = h.overflow[:0]
	}
}

func (h *Header) add(name, value span, max int) {
	if h.n < inlineFields {
		h.inline[h.n] = field{name, value}
	} else {
		if h.overflow == nil {
			// The only allocation a head can cost, once, bounded by MaxHeaders.
			h.overflow = make([]field, 0, max-inlineFields)
		}
		h.overflow = append(h.overflow, field{name, value})
	}
	h.n++
}

// parse reads field lines (RFC 9112 §5) from buf[off:] up to and including
// the empty line that ends the section, and returns the offset just past it.
// The whole of buf counts against lim.MaxHeaderBytes: callers pass the
// message (or trailer section) from its first byte.
func (h *Header) parse(buf []byte, off int, lim *Limits, role Role) (int, error) {
	for {
		i := bytes.IndexByte(buf[off:], '\n')
		if i < 0 {
			if len(buf) >= lim.MaxHeaderBytes {
				return 0, fail(role, RuleHeadTooLarge)
			}
			return 0, ErrIncomplete
		}
		lf := off + i
		if lf >= lim.MaxHeaderBytes {
			return 0, fail(role, RuleHeadTooLarge)
		}
		if lf == off || buf[lf-1] != '\r' {
			return 0, fail(role, RuleBareLF)
		}
		line := buf[off : lf-1]
		if len(line) == 0 {
			return lf + 1, nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			// obs-fold, or whitespace between the start-line and the first
			// field line (RFC 9112 §2.2): reject either, never unfold.
			return 0, fail(role, RuleObsFold)
		}
		j := 0
		for j < len(line) && class[line[j]]&cToken != 0 {
			j++
		}
		if j == len(line) || line[j] != ':' {
			return 0, fail(role, badName(line, j))
		}
		if j == 0 {
			return 0, fail(role, RuleFieldName)
		}
		v := line[j+1:]
		for _, c := range v {
			if class[c]&cValue == 0 {
				if c == '\r' {
					return 0, fail(role, RuleBareCR)
				}
				return 0, fail(role, RuleFieldValue)
			}
		}
		if h.n >= lim.MaxHeaders {
			return 0, fail(role, RuleTooManyFields)
		}
		vs := off + j + 1
		ve := lf - 1
		for vs < ve && (buf[vs] == ' ' || buf[vs] == '\t') {
			vs++
		}
		for ve > vs && (buf[ve-1] == ' ' || buf[ve-1] == '\t') {
			ve--
		}
		h.add(span{uint32(off), uint32(off + j)}, span{uint32(vs), uint32(ve)}, lim.MaxHeaders)
		off = lf + 1
	}
}

// badName says why the field name of line, which is a token up to j, is not
// followed by a colon.
func badName(line []byte, j int) Rule {
	if bytes.IndexByte(line, '\r') >= 0 {
		return RuleBareCR
	}
	c := bytes.IndexByte(line, ':')
	if c < 0 {
		return RuleMissingColon
	}
	if j > 0 && len(trimOWS(line[j:c])) == 0 {
		return RuleSpaceBeforeColon
	}
	return RuleFieldName
}
