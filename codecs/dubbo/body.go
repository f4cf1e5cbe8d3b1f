package dubbo

import (
	"strconv"

	"github.com/xgate/xgate/xprotocol"
)

// A Hessian2 request body (DubboCodec.encodeRequestData) is, in order:
//
//	dubbo version | service path | service version | method name |
//	parameter-types descriptor | one value per descriptor type |
//	attachments (a map)
//
// An OK response body (encodeResponseData) is a response type (an int),
// then the exception or the value it announces, then attachments for the
// types that carry them. A response with any other status carries the error
// message as a string; an event carries its payload (null for heartbeats).

// Leading fields of a request body, in wire order.
const (
	leadDubbo = iota
	leadPath
	leadVersion
	leadMethod
	leadTypes
	numLead
)

// Header names of the leading fields.
const (
	// HeaderDubbo is the Dubbo protocol version, e.g. "2.0.2".
	HeaderDubbo = "dubbo"
	// HeaderPath is the service path (the interface name unless exported
	// under another path).
	HeaderPath = "path"
	// HeaderVersion is the service version.
	HeaderVersion = "version"
	// HeaderMethod is the method name.
	HeaderMethod = "method"
	// HeaderParameterTypes is the parameter-types descriptor, e.g.
	// "Ljava/lang/String;I".
	HeaderParameterTypes = "parameter_types"
)

// Attachment names with a meaning to Dubbo.
const (
	// HeaderGroup is the service group.
	HeaderGroup = "group"
	// HeaderTimeout is the caller's timeout in milliseconds.
	HeaderTimeout = "timeout"
	// HeaderInterface is the interface name.
	HeaderInterface = "interface"
)

var leadNames = [numLead]string{HeaderDubbo, HeaderPath, HeaderVersion, HeaderMethod, HeaderParameterTypes}

// leadKeys are leadNames as bytes for Range. They are shared by every frame:
// Range's callers must not modify the keys they are given.
var leadKeys = [numLead][]byte{
	[]byte(HeaderDubbo), []byte(HeaderPath), []byte(HeaderVersion), []byte(HeaderMethod), []byte(HeaderParameterTypes),
}

// Parse state bits.
const (
	stLead   uint8 = 1 << iota // leading fields looked at
	stLeadOK                   // and read
	stBody                     // body sections looked for
	stBodyOK                   // and found
)

// body is a frame's lazily read Hessian2 body.
type body struct {
	// wire is the body as received or built; it aliases the frame's bytes.
	wire []byte

	state uint8
	// errField and errReason say why the body could not be read.
	errField, errReason string

	leadEnc [numLead][]byte // leading strings' encodings, in place
	leadVal [numLead][]byte // their UTF-8 values

	// The body in four consecutive sections. Requests: head holds the
	// leading strings, mid the arguments. OK responses: head holds the
	// response type, mid the value or exception. att is the attachment map
	// ('H' or 'M' ... 'Z'), a null 'N', or empty when the body has none;
	// tail is whatever follows it (dubbo-go ends responses with an extra
	// 'N'). A header edit replaces head and att with rebuilt copies in
	// edit; mid and tail keep aliasing wire.
	head, mid, att, tail []byte

	respType ResponseType

	// classes are the field counts of the class definitions in head and
	// mid (nclasses of them) and, after them, in att: an object in the
	// attachments may be an instance of a class an argument defined.
	classes  []int32
	nclasses int

	// scratch holds values that could not alias the wire (chunked or
	// CESU-8 strings, numbers as text); tmp is a work buffer for key
	// comparisons; edit holds rebuilt sections. scratch and edit are
	// append-only until Release so earlier results stay intact.
	scratch, tmp, edit []byte

	dirty   bool  // a header edit was applied: Encode re-serializes
	editErr error // an edit that could not be applied; Encode reports it
	// full caches the materialized body after an edit.
	full []byte
}

// Bounds on the buffers a pooled frame keeps.
const (
	maxRetainedScratch = 64 << 10
	maxRetainedClasses = 256
)

func (b *body) reset() {
	if b.state == 0 && !b.dirty && b.editErr == nil && cap(b.scratch) <= maxRetainedScratch {
		// Only forwarded: nothing but wire and (via ErrorMessage) scratch
		// was set, so skip zeroing the whole struct.
		b.wire, b.scratch = nil, b.scratch[:0]
		return
	}
	keep := func(p []byte) []byte {
		if cap(p) > maxRetainedScratch {
			return nil
		}
		return p[:0]
	}
	classes := b.classes[:0]
	if cap(classes) > maxRetainedClasses {
		classes = nil
	}
	*b = body{scratch: keep(b.scratch), tmp: keep(b.tmp), edit: keep(b.edit), classes: classes}
}

// fail records why the body cannot be read.
func (b *body) fail(field, reason string) {
	b.errField, b.errReason = field, reason
}

// BodyErr returns why the Hessian2 body could not be read, as a FrameError
// of class ErrMalformed naming the part of the body, or nil. It reads the
// body as far as the attachments if nothing has yet. Decode does not read
// the body, so a frame with a broken body is still forwarded: the peer
// that owns it reports the error in its own terms.
func (f *Frame) BodyErr() error {
	if f.hessianBody() {
		f.locate()
	}
	if f.errReason == "" {
		return nil
	}
	return xprotocol.Malformed(Name, f.errField, f.errReason)
}

// hessianBody reports whether the body is a Hessian2 invocation or result
// this package reads: not an event, and Hessian2 serialization.
func (f *Frame) hessianBody() bool {
	return f.flag&FlagEvent == 0 && f.Serialization() == Hessian2
}

// isRequest reports whether FlagRequest is set.
func (f *Frame) isRequest() bool { return f.flag&FlagRequest != 0 }

// parseLead reads the five leading strings of a request body.
func (f *Frame) parseLead() bool {
	if f.state&stLead != 0 {
		return f.state&stLeadOK != 0
	}
	f.state |= stLead
	if !f.isRequest() || !f.hessianBody() {
		return false
	}
	n, ok := f.readLead(f.wire)
	if !ok {
		return false
	}
	f.head = f.wire[:n:n]
	f.state |= stLeadOK
	return true
}

// readLead reads the leading strings at the front of b into leadEnc and
// leadVal and returns the bytes they take.
func (f *Frame) readLead(b []byte) (int, bool) {
	r := hreader{b: b}
	var s hstr
	for i := range numLead {
		if reason := r.readStr(&s); reason != "" {
			f.fail(leadNames[i], reason)
			return 0, false
		}
		f.leadEnc[i] = s.enc
		f.leadVal[i] = s.value(&f.scratch)
	}
	return r.off, true
}

// leadValue returns leading string i of a Hessian2 request, or nil.
func (f *Frame) leadValue(i int) []byte {
	if !f.parseLead() {
		return nil
	}
	return f.leadVal[i]
}

// locate finds the body's sections, reading the leading strings, skipping
// the arguments (or the response value) and checking the attachment map.
func (f *Frame) locate() bool {
	if f.state&stBody != 0 {
		return f.state&stBodyOK != 0
	}
	f.state |= stBody
	if !f.hessianBody() {
		return false
	}
	r := hreader{b: f.wire, classes: f.classes[:0]}
	if f.isRequest() {
		if !f.parseLead() {
			return false
		}
		r.off = len(f.head)
		for i, n := 0, countDesc(f.leadVal[leadTypes]); i < n; i++ {
			if reason := r.skip(); reason != "" {
				f.fail("arguments", "argument "+strconv.Itoa(i)+": "+reason)
				return false
			}
		}
	} else {
		if f.status != StatusOK {
			return false // the body is an error message
		}
		t, reason := r.int32()
		if reason != "" {
			f.fail("responseType", reason)
			return false
		}
		f.respType = ResponseType(t)
		if !f.respType.valid() {
			f.fail("responseType", "unknown response type "+strconv.Itoa(int(t)))
			return false
		}
		f.head = f.wire[:r.off:r.off]
		if f.respType != ResponseNullValue && f.respType != ResponseNullValueWithAttachments {
			if reason := r.skip(); reason != "" {
				f.fail("value", reason)
				return false
			}
		}
	}
	midEnd := r.off
	f.mid = f.wire[len(f.head):midEnd:midEnd]
	f.nclasses = len(r.classes)
	if f.isRequest() || f.respType.HasAttachments() {
		// Class definitions may prefix any value, the map included.
		if reason := r.skipClassDefs(); reason != "" {
			f.classes = r.classes
			f.fail("attachments", reason)
			return false
		}
		if tag, ok := r.peek(); ok {
			switch tag {
			case tagNull:
				r.off++
			case tagMap, tagTypedMap:
				if reason := r.skip(); reason != "" {
					f.classes = r.classes
					f.fail("attachments", reason)
					return false
				}
			default:
				f.fail("attachments", "not a map (tag 0x"+strconv.FormatUint(uint64(tag), 16)+")")
				return false
			}
		} else if !f.isRequest() {
			f.fail("attachments", errTruncated)
			return false
		}
	}
	f.classes = r.classes
	f.att = f.wire[midEnd:r.off:r.off]
	f.tail = f.wire[r.off:len(f.wire):len(f.wire)]
	f.state |= stBodyOK
	return true
}

// mapIter walks the entries of the attachment map.
type mapIter struct {
	r hreader
	// keyStart, valStart and end delimit the current entry in the map.
	keyStart, valStart, end int
	key                     hstr
	keyIsString             bool
	// defines and uses describe the entry (see hreader).
	defines, uses bool
}

// iter starts a walk over the attachments; false when there are none.
func (f *Frame) iter(it *mapIter) bool {
	if !f.locate() || len(f.att) == 0 {
		return false
	}
	it.r = hreader{b: f.att, classes: f.classes[:f.nclasses]}
	if it.r.skipClassDefs() != "" {
		return false
	}
	tag, ok := it.r.next()
	if !ok || tag == tagNull {
		return false
	}
	if tag == tagTypedMap && it.r.skipMapType() != "" {
		return false
	}
	it.end = it.r.off
	return true
}

// done ends a walk, keeping any growth of the class table.
func (f *Frame) done(it *mapIter) {
	if cap(it.r.classes) > cap(f.classes) {
		f.classes = it.r.classes
	}
}

// next moves to the next entry; false at the end of the map.
func (it *mapIter) next() bool {
	tag, ok := it.r.peek()
	if !ok || tag == tagEnd {
		return false
	}
	it.keyStart = it.r.off
	it.r.defines, it.r.uses = false, false
	it.keyIsString = false
	if isStringTag(tag) {
		if it.r.readStr(&it.key) != "" {
			return false
		}
		it.keyIsString = true
	} else if it.r.skip() != "" {
		return false
	}
	it.valStart = it.r.off
	if it.r.skip() != "" {
		return false
	}
	it.end = it.r.off
	it.defines, it.uses = it.r.defines, it.r.uses
	return true
}

// value returns the current entry's value bytes.
func (it *mapIter) value() []byte { return it.r.b[it.valStart:it.end] }

// entry returns the current entry's bytes, key and value.
func (it *mapIter) entry() []byte { return it.r.b[it.keyStart:it.end] }

// attachment returns the last attachment named key (Dubbo fills a HashMap
// in wire order, so a repeated key keeps its last value).
func (f *Frame) attachment(key string) (s scalar, ok bool) {
	var it mapIter
	if !f.iter(&it) {
		return s, false
	}
	for it.next() {
		if it.keyIsString && it.key.equal(key, &f.tmp) {
			s, ok = scalarAt(it.value()), true
		}
	}
	f.done(&it)
	return s, ok
}

// text returns a scalar's text form: in place for a simple string, else in
// scratch.
func (f *Frame) text(s *scalar) ([]byte, bool) {
	if s.kind == scalarString && s.str.simple {
		return s.str.data, true
	}
	start := len(f.scratch)
	out, ok := s.appendText(f.scratch)
	f.scratch = out
	end := len(out)
	return out[start:end:end], ok
}

// ResponseType returns the type that starts an OK Hessian2 response body
// (value, null or exception, with or without attachments); ok is false for
// requests, events, other statuses and serializations, and unreadable
// bodies. Reading it walks the response value once.
func (f *Frame) ResponseType() (t ResponseType, ok bool) {
	if f.isRequest() || !f.locate() {
		return 0, false
	}
	return f.respType, true
}

// ErrorMessage returns the error message a response with a status other
// than OK carries (a Hessian2 string), or nil.
func (f *Frame) ErrorMessage() []byte {
	if f.isRequest() || f.status == StatusOK || f.Serialization() != Hessian2 {
		return nil
	}
	r := hreader{b: f.wire}
	var s hstr
	if r.readStr(&s) != "" {
		return nil
	}
	return s.value(&f.scratch)
}

// Arguments returns the Hessian2 bytes of a request's arguments, one value
// per parameter type, undecoded; nil when the body cannot be read.
func (f *Frame) Arguments() []byte {
	if !f.isRequest() || !f.locate() {
		return nil
	}
	return f.mid
}

// bodyLen returns the length of the body Encode writes.
func (f *Frame) bodyLen() int {
	if !f.dirty {
		return len(f.wire)
	}
	return len(f.head) + len(f.mid) + len(f.att) + len(f.tail)
}

// appendBody appends the body Encode writes.
func (f *Frame) appendBody(dst []byte) []byte {
	if !f.dirty {
		return append(dst, f.wire...)
	}
	dst = append(dst, f.head...)
	dst = append(dst, f.mid...)
	dst = append(dst, f.att...)
	return append(dst, f.tail...)
}

// materialize returns the edited body in one piece, built once per edit.
func (f *Frame) materialize() []byte {
	if f.full == nil {
		start := len(f.edit)
		f.edit = f.appendBody(f.edit)
		end := len(f.edit)
		f.full = f.edit[start:end:end]
	}
	return f.full
}
