package bolt

import "github.com/xgate/xgate/xprotocol"

// Header names SOFARPC puts in the header map, used for routing keys.
const (
	// HeaderService is the service unique name (interface:version[:uniqueId]).
	HeaderService = "service"
	// HeaderTargetService is the target service, SOFARPC's older key.
	HeaderTargetService = "sofa_head_target_service"
	// HeaderMethodName is the called method.
	HeaderMethodName = "sofa_head_method_name"
)

// header is the header-map view of a Frame. It parses the map in place on
// every call, so reads allocate nothing; the map was validated when the
// frame was decoded or built.
type header Frame

var _ xprotocol.Header = (*header)(nil)

func (f *Frame) hdr() *header { return (*header)(f) }

// Get returns the value of key. If the map repeats a key the last entry wins,
// as in SOFA's decoder (a HashMap filled in wire order). A null value reads as
// empty.
func (h *header) Get(key string) (value []byte, ok bool) {
	b := h.header
	for len(b) > 0 {
		k, v, n, reason := readEntry(b)
		if reason != "" {
			break
		}
		if string(k) == key {
			value, ok = v, true
		}
		b = b[n:]
	}
	return value, ok
}

// Range calls fn for every entry in wire order until fn returns false.
// Null keys and values read as empty.
func (h *header) Range(fn func(key, value []byte) bool) {
	b := h.header
	for len(b) > 0 {
		k, v, n, reason := readEntry(b)
		if reason != "" || !fn(k, v) {
			return
		}
		b = b[n:]
	}
}

// Set replaces every entry of key with one holding value, at the place of
// the first, or appends it. The next Encode re-serializes the frame.
func (h *header) Set(key, value string) { h.rebuild(key, value, true) }

// Del removes every entry of key. The next Encode re-serializes the frame.
func (h *header) Del(key string) { h.rebuild(key, "", false) }

// rebuild writes a new header map into the edit buffer: the current entries
// other than key copied byte for byte (so null strings stay null), with key
// set to value at its first place (or at the end) when set is true.
func (h *header) rebuild(key, value string, set bool) {
	cur := h.header
	start := len(h.edit)
	done := !set
	for len(cur) > 0 {
		k, _, n, reason := readEntry(cur)
		if reason != "" {
			break
		}
		if string(k) != key {
			h.edit = append(h.edit, cur[:n]...)
		} else if !done {
			h.edit = appendEntry(h.edit, key, value)
			done = true
		}
		cur = cur[n:]
	}
	if !done {
		h.edit = appendEntry(h.edit, key, value)
	}
	// cur aliased an earlier part of edit (or the wire bytes); appending
	// either wrote past it or moved edit, so it was never overwritten.
	end := len(h.edit)
	h.header = h.edit[start:end:end]
	h.dirty = true
}
