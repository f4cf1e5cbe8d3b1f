package dubbo

import "github.com/xgate/xgate/xprotocol"

// header is the header view of a Frame: for a request, the leading strings
// of the body and its attachments; for an OK response, its attachments.
// Reads parse the body in place and allocate nothing for simple string
// values (see the package doc for the rules and the precedence).
type header Frame

var _ xprotocol.Header = (*header)(nil)

func (f *Frame) hdr() *header { return (*header)(f) }

// leadIndex returns the leading field named key, or -1.
func leadIndex(key string) int {
	for i, n := range leadNames {
		if n == key {
			return i
		}
	}
	return -1
}

// Get returns the value of key.
//
// For a request, "method" and "parameter_types" are the leading strings;
// "dubbo", "path" and "version" are the attachment of that name when there
// is one (Dubbo's DecodeableRpcInvocation puts the attachments over the
// leading strings, and its exporter lookup reads them) and the leading
// string otherwise; every other key is an attachment. A null leading string
// reads as empty. Attachments are read by walking past the arguments, in
// place. A repeated attachment key gives its last value. String, number,
// boolean and null (empty) attachment values are readable; binary, date and
// composite values have no text form and read as absent.
func (h *header) Get(key string) ([]byte, bool) {
	f := (*Frame)(h)
	if !f.hessianBody() {
		return nil, false
	}
	if f.isRequest() {
		switch i := leadIndex(key); i {
		case leadMethod, leadTypes:
			if !f.parseLead() {
				return nil, false
			}
			return f.leadVal[i], true
		case leadDubbo, leadPath, leadVersion:
			if s, ok := f.attachment(key); ok {
				if v, ok := f.text(&s); ok {
					return v, true
				}
			}
			if !f.parseLead() {
				return nil, false
			}
			return f.leadVal[i], true
		}
	}
	s, ok := f.attachment(key)
	if !ok {
		return nil, false
	}
	return f.text(&s)
}

// Range calls fn for every header in wire order until fn returns false: a
// request's five leading strings under their header names, then the
// attachments with string keys and readable values (so "path" and
// "version" usually appear twice; Get applies the precedence). The keys of
// the leading strings are shared by all frames and must not be modified.
func (h *header) Range(fn func(key, value []byte) bool) {
	f := (*Frame)(h)
	if !f.hessianBody() {
		return
	}
	if f.isRequest() {
		if !f.parseLead() {
			return
		}
		for i := range numLead {
			if !fn(leadKeys[i], f.leadVal[i]) {
				return
			}
		}
	}
	var it mapIter
	if !f.iter(&it) {
		return
	}
	for it.next() {
		if !it.keyIsString || it.key.null {
			continue
		}
		s := scalarAt(it.value())
		v, ok := f.text(&s)
		if !ok {
			continue
		}
		if !fn(it.key.value(&f.scratch), v) {
			break
		}
	}
	f.done(&it)
}

// Set replaces (or adds) key; the next Encode writes the rebuilt body.
//
// For a request, "path", "version" and "dubbo" rewrite the leading string
// and, when the attachment of that name exists, the attachment too, so the
// two cannot disagree; "method" rewrites the leading method name;
// "parameter_types" is ignored (it must match the arguments). Any other key
// sets a string attachment: every entry of key is replaced by one at the
// place of the first, or the entry is appended. For an OK response, key
// sets a response attachment; a response without attachments gets a map
// and the response type that announces it. Frames without attachments
// (events, other serializations, error statuses, unreadable bodies) ignore
// Set.
func (h *header) Set(key, value string) { (*Frame)(h).editHeader(key, value, true) }

// Del removes key: every attachment entry of that name, and for "path",
// "version" and "dubbo" also the leading string (written as empty). It
// ignores "method", "parameter_types" and the frames Set ignores.
func (h *header) Del(key string) { (*Frame)(h).editHeader(key, "", false) }
