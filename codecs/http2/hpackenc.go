package http2

import (
	"unsafe"

	"golang.org/x/net/http2/hpack"
)

// hpackEncoder is an HPACK encoder (RFC 7541) that takes fields as byte
// slices and allocates only when it adds a new entry to its dynamic table,
// so a steady stream of repeated fields encodes without allocating. Its
// choices follow golang.org/x/net/http2/hpack's Encoder (incremental
// indexing for every field that fits, Huffman when strictly shorter, the
// same index picks), so both produce the same bytes for the same fields.
type hpackEncoder struct {
	ents    []hpackEntry // oldest first
	size    uint32
	maxSize uint32
	// minSize is the smallest size set since the last block, when a size
	// update is owed; ^0 otherwise.
	minSize uint32
	update  bool
}

type hpackEntry struct{ name, value string }

// hpackMaxTable caps the encoder's dynamic table whatever the peer allows.
const hpackMaxTable = 4096

func newHpackEncoder() hpackEncoder {
	return hpackEncoder{maxSize: hpackMaxTable, minSize: ^uint32(0)}
}

// setMaxSize applies the peer's SETTINGS_HEADER_TABLE_SIZE.
func (e *hpackEncoder) setMaxSize(v uint32) {
	v = min(v, hpackMaxTable)
	if v == e.maxSize && !e.update {
		return
	}
	e.minSize = min(e.minSize, v)
	e.update = true
	e.maxSize = v
	e.evict()
}

// begin starts a header block: it writes the size updates owed.
func (e *hpackEncoder) begin(dst []byte) []byte {
	if !e.update {
		return dst
	}
	e.update = false
	if e.minSize < e.maxSize {
		dst = appendVarInt(dst, 5, 0x20, uint64(e.minSize))
	}
	e.minSize = ^uint32(0)
	return appendVarInt(dst, 5, 0x20, uint64(e.maxSize))
}

// field appends one field. never marks it never-indexed (sensitive);
// noIndex keeps it out of the dynamic table (values that change each time).
func (e *hpackEncoder) field(dst, name, value []byte, never, noIndex bool) []byte {
	pair, nameIdx := e.search(name, value, never)
	if pair != 0 {
		return appendVarInt(dst, 7, 0x80, pair)
	}
	fsize := uint32(len(name) + len(value) + 32)
	indexing := !never && !noIndex && fsize <= e.maxSize
	switch {
	case indexing:
		dst = appendVarInt(dst, 6, 0x40, nameIdx)
	case never:
		dst = appendVarInt(dst, 4, 0x10, nameIdx)
	default:
		dst = appendVarInt(dst, 4, 0, nameIdx)
	}
	if nameIdx == 0 {
		dst = appendHpackString(dst, name)
	}
	dst = appendHpackString(dst, value)
	if indexing {
		e.add(string(name), string(value), fsize)
	}
	return dst
}

// search returns the index of an exact match (0 if none) and the index of
// a name match (0 if none), preferring the static table as x/net does.
func (e *hpackEncoder) search(name, value []byte, never bool) (pair, nameIdx uint64) {
	var key [64]byte
	if !never && len(name)+len(value)+1 <= len(key) {
		k := append(append(append(key[:0], name...), 0), value...)
		if i := staticByPair[string(k)]; i != 0 {
			return i, 0
		}
	}
	sName := staticByName[string(name)]
	var dName uint64
	n := len(e.ents)
	for i := n - 1; i >= 0; i-- { // newest first
		ent := &e.ents[i]
		if ent.name != string(name) {
			continue
		}
		idx := uint64(61 + n - i)
		if !never && ent.value == string(value) {
			return idx, 0
		}
		if dName == 0 {
			dName = idx
		}
	}
	if sName != 0 {
		return 0, sName
	}
	return 0, dName
}

func (e *hpackEncoder) add(name, value string, size uint32) {
	e.ents = append(e.ents, hpackEntry{name, value})
	e.size += size
	e.evict()
}

func (e *hpackEncoder) evict() {
	drop := 0
	for e.size > e.maxSize && drop < len(e.ents) {
		ent := e.ents[drop]
		e.size -= uint32(len(ent.name) + len(ent.value) + 32)
		drop++
	}
	if drop > 0 {
		n := copy(e.ents, e.ents[drop:])
		clear(e.ents[n:])
		e.ents = e.ents[:n]
	}
}

func appendHpackString(dst, s []byte) []byte {
	str := unsafe.String(unsafe.SliceData(s), len(s)) // not retained
	if hl := hpack.HuffmanEncodeLength(str); hl < uint64(len(s)) {
		dst = appendVarInt(dst, 7, 0x80, hl)
		return hpack.AppendHuffmanString(dst, str)
	}
	dst = appendVarInt(dst, 7, 0, uint64(len(s)))
	return append(dst, s...)
}

// appendVarInt appends i as an HPACK integer with an n-bit prefix, the
// prefix's other bits set from first.
func appendVarInt(dst []byte, n uint, first byte, i uint64) []byte {
	k := uint64((1 << n) - 1)
	if i < k {
		return append(dst, first|byte(i))
	}
	dst = append(dst, first|byte(k))
	i -= k
	for ; i >= 128; i >>= 7 {
		dst = append(dst, byte(0x80|(i&0x7f)))
	}
	return append(dst, byte(i))
}
