package dubbo

import (
	"errors"
	"fmt"
)

// ErrUnsafeEdit is wrapped by the error Encode returns when a header edit
// could not be applied without corrupting the body: removing or replacing
// an attachment value that holds lists, maps or objects renumbers the
// values after it, and a later value that refers back by number (a
// Hessian2 reference, an object of a class defined earlier, a type
// reference) would then point at the wrong one. Plain string attachments,
// the common case, are always editable.
var ErrUnsafeEdit = errors.New("dubbo: header edit would break references inside the body")

// Header edits rebuild two sections of the body in the frame's edit
// buffer: the leading strings (requests) or the response type (responses),
// and the attachment map. The arguments (or the response value) and
// anything after the map are written as their original bytes, so values
// the gateway cannot or need not decode - unregistered Java classes,
// references, class definitions - pass through bit for bit. Unchanged
// entries of the map are copied byte for byte too; only the edited entry is
// written anew, as a Hessian2 string.

// editHeader applies Set (set) or Del (!set) of key.
func (f *Frame) editHeader(key, value string, set bool) {
	if !f.locate() {
		return // no readable Hessian2 body: nothing carries headers
	}
	if f.isRequest() {
		switch i := leadIndex(key); i {
		case leadMethod:
			if set {
				f.setLead(i, value)
			}
			return
		case leadTypes:
			return
		case leadDubbo, leadPath, leadVersion:
			f.setLead(i, value) // Del writes the empty string
			f.editAttachment(key, value, set, true)
			return
		}
	}
	f.editAttachment(key, value, set, false)
}

// changed marks the frame as edited.
func (f *Frame) changed() {
	f.dirty = true
	f.full = nil
}

// setLead rewrites leading string i of a request as v, copying the others'
// encodings as they are.
func (f *Frame) setLead(i int, v string) {
	start := len(f.edit)
	for j := range numLead {
		if j == i {
			f.edit = appendString(f.edit, v)
		} else {
			f.edit = append(f.edit, f.leadEnc[j]...)
		}
	}
	end := len(f.edit)
	f.head = f.edit[start:end:end]
	// The copies are the strings readLead accepted and appendString writes
	// valid strings, so reading them back cannot fail.
	f.readLead(f.head)
	f.changed()
}

// editAttachment sets (or deletes) the attachment key. With onlyExisting,
// a set of a key the map does not hold changes nothing.
func (f *Frame) editAttachment(key, value string, set, onlyExisting bool) {
	var it mapIter
	hasMap := f.iter(&it)
	if !hasMap && (!set || onlyExisting) {
		return
	}
	start := len(f.edit)
	buf := f.edit
	// renumbered: the edit adds or drops values the stream numbers;
	// refAfter: a value after that point refers back by number.
	renumbered, refAfter, found := !hasMap, false, false
	if hasMap {
		buf = append(buf, f.att[:it.end]...) // 'H', or 'M' and its type
		for it.next() {
			if !it.keyIsString || !it.key.equal(key, &f.tmp) {
				refAfter = refAfter || (renumbered && it.uses)
				buf = append(buf, it.entry()...)
				continue
			}
			renumbered = renumbered || it.defines
			if set && !found {
				buf = append(buf, f.att[it.keyStart:it.valStart]...)
				buf = appendString(buf, value)
			}
			found = true
		}
		f.done(&it)
		if !found && (!set || onlyExisting) {
			return // nothing to change; buf's bytes past len(f.edit) are dropped
		}
	} else {
		// Replace the null (or nothing) after any class definitions.
		r := hreader{b: f.att}
		r.skipClassDefs()
		buf = append(buf, f.att[:r.off]...)
		buf = append(buf, tagMap)
	}
	if !found {
		buf = appendString(appendString(buf, key), value)
	}
	buf = append(buf, tagEnd)
	if renumbered && (refAfter || f.tailRefers()) {
		if f.editErr == nil {
			f.editErr = fmt.Errorf("%w (attachment %q)", ErrUnsafeEdit, key)
		}
		return
	}
	end := len(buf)
	f.att = buf[start:end:end]
	if !f.isRequest() && !f.respType.HasAttachments() {
		// An OK response without attachments: announce them in the type.
		buf = appendSmallInt(buf, int32(f.respType.withAttachments()))
		f.head = buf[end:len(buf):len(buf)]
		f.respType = f.respType.withAttachments()
	}
	f.edit = buf
	f.changed()
}

// tailRefers reports whether the bytes after the attachment map refer back
// by number (or cannot be read, which is taken as yes).
func (f *Frame) tailRefers() bool {
	r := hreader{b: f.tail, classes: f.classes}
	for r.off < len(r.b) {
		if r.skip() != "" {
			return true
		}
	}
	if cap(r.classes) > cap(f.classes) {
		f.classes = r.classes
	}
	return r.uses
}
