package http1

import "github.com/xgate/xgate/xprotocol"

// extField is a field that is not a line of the parsed section: a
// pseudo-header, a field the gateway adds, or one set through the view.
type extField struct{ name, value []byte }

// Pseudo-header and added field names (xprotocol.Header's HTTP naming).
var (
	nameMethod    = []byte(":method")
	nameScheme    = []byte(":scheme")
	nameAuthority = []byte(":authority")
	namePath      = []byte(":path")
	nameStatus    = []byte(":status")
	nameXFF       = []byte("x-forwarded-for")
	nameXFP       = []byte("x-forwarded-proto")
)

// view is a frame's xprotocol.Header: the pseudo-headers, the parsed field
// lines that are not hidden (connection-specific, Host, replaced ones) or
// deleted, then extra fields. Names are reported in lower case: they are
// folded into one buffer the first time Range needs them, so forwarding a
// frame HTTP/1 to HTTP/1 never pays for it.
type view struct {
	h       *Header
	hidden  fieldSet // field lines never reported
	deleted fieldSet // field lines removed by Set or Del
	pseudo  [4]extField
	np      int
	extra   []extField
	edit    []byte // names and values given to Set, append-only until Release
	lower   []byte // lower-case field names, in field order
	lowered bool
	edited  bool // Set or Del was called: the head must be rebuilt
}

var _ xprotocol.Header = (*view)(nil)

// recycle returns an empty view keeping v's buffers, for a pooled frame.
func (v *view) recycle() view {
	clear(v.extra)
	extra, edit, lower := v.extra[:0], v.edit[:0], v.lower[:0]
	if cap(edit) > maxRetained {
		edit = nil
	}
	if cap(lower) > maxRetained {
		lower = nil
	}
	if cap(extra) > 64 {
		extra = nil
	}
	return view{extra: extra, edit: edit, lower: lower}
}

// visible reports whether field line i is reported.
func (v *view) visible(i int) bool { return !v.hidden.has(i) && !v.deleted.has(i) }

// Get returns the value of key (ASCII case ignored) and whether it is
// present. It does not allocate.
func (v *view) Get(key string) ([]byte, bool) {
	for i := 0; i < v.np; i++ {
		if string(v.pseudo[i].name) == key {
			return v.pseudo[i].value, true
		}
	}
	if v.h != nil {
		for i := 0; i < v.h.n; i++ {
			f := v.h.at(i)
			if v.visible(i) && equalFoldBytes(f.name.of(v.h.buf), key) {
				return f.value.of(v.h.buf), true
			}
		}
	}
	for _, e := range v.extra {
		if equalFoldBytes(e.name, key) {
			return e.value, true
		}
	}
	return nil, false
}

// Range calls fn for every field until fn returns false: pseudo-headers,
// then field lines in wire order with lower-case names, then extra fields.
func (v *view) Range(fn func(key, value []byte) bool) {
	for i := 0; i < v.np; i++ {
		if !fn(v.pseudo[i].name, v.pseudo[i].value) {
			return
		}
	}
	if v.h != nil {
		v.lowerNames()
		off := 0
		for i := 0; i < v.h.n; i++ {
			f := v.h.at(i)
			n := int(f.name.end - f.name.off)
			name := v.lower[off : off+n : off+n]
			off += n
			if v.visible(i) && !fn(name, f.value.of(v.h.buf)) {
				return
			}
		}
	}
	for _, e := range v.extra {
		if !fn(e.name, e.value) {
			return
		}
	}
}

// lowerNames folds the field names into v.lower once.
func (v *view) lowerNames() {
	if v.lowered {
		return
	}
	v.lower = v.lower[:0]
	for i := 0; i < v.h.n; i++ {
		for _, c := range v.h.at(i).name.of(v.h.buf) {
			v.lower = append(v.lower, lower(c))
		}
	}
	v.lowered = true
}

// Set replaces key (or adds it at the end). A pseudo-header replaces the
// request-line or status-line part it names; an unknown pseudo-header is
// ignored. The frame is rebuilt on the next Encode.
func (v *view) Set(key, value string) {
	if len(key) > 0 && key[0] == ':' {
		for i := 0; i < v.np; i++ {
			if string(v.pseudo[i].name) == key {
				v.pseudo[i].value = v.keep(value, false)
				v.edited = true
			}
		}
		return
	}
	v.Del(key)
	v.extra = append(v.extra, extField{v.keep(key, true), v.keep(value, false)})
}

// Del removes every field named key (ASCII case ignored). Pseudo-headers
// cannot be removed. The frame is rebuilt on the next Encode.
func (v *view) Del(key string) {
	if len(key) > 0 && key[0] == ':' {
		return
	}
	v.edited = true
	if v.h != nil {
		for i := 0; i < v.h.n; i++ {
			if equalFoldBytes(v.h.at(i).name.of(v.h.buf), key) {
				v.deleted.add(i)
			}
		}
	}
	kept := v.extra[:0]
	for _, e := range v.extra {
		if !equalFoldBytes(e.name, key) {
			kept = append(kept, e)
		}
	}
	clear(v.extra[len(kept):])
	v.extra = kept
}

// keep copies s into the edit buffer (lower-cased when fold is set) and
// returns the copy. Earlier copies stay valid: a grown buffer leaves the
// old one to the values that alias it.
func (v *view) keep(s string, fold bool) []byte {
	start := len(v.edit)
	v.edit = append(v.edit, s...)
	b := v.edit[start:len(v.edit):len(v.edit)]
	if fold {
		for i, c := range b {
			b[i] = lower(c)
		}
	}
	return b
}
