package http1

// chunkState is where a ChunkedDecoder is in the chunked grammar (RFC 9112
// §7.1):
//
//	chunked-body = *chunk last-chunk trailer-section CRLF
//	chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//	last-chunk   = 1*("0") [ chunk-ext ] CRLF
type chunkState uint8

const (
	stSize    chunkState = iota // chunk-size digits
	stExt                       // after the digits: BWS, chunk-ext, up to CR
	stSizeLF                    // the LF of the chunk-size line
	stData                      // chunk-data
	stDataCR                    // the CR after chunk-data
	stDataLF                    // the LF after chunk-data
	stTrailer                   // trailer-section and the final CRLF
	stDone
)

// ChunkedDecoder removes the chunked transfer coding from a body, fed in
// pieces of any size. It copies nothing and allocates nothing in proportion
// to a chunk size: it hands back spans of its input.
//
// Feed it with Decode until Done. The chunk-size lines are read byte by
// byte, so their bytes are consumed as they arrive; the trailer section is
// parsed only once it is complete (it is bounded by Limits.MaxHeaderBytes),
// so the bytes Decode did not consume must be presented again, with more
// appended, on the next call.
type ChunkedDecoder struct {
	lim      Limits
	role     Role
	state    chunkState
	digits   int   // hex digits read in this chunk-size
	line     int   // bytes of this chunk-size line so far
	ext      bool  // a chunk-ext has begun (";" seen)
	ws       bool  // BWS seen after the digits
	size     int64 // the chunk-size being read
	left     int64 // chunk-data bytes still to come
	total    int64 // chunk-data bytes so far
	tlen     int   // length of the trailer section, final CRLF included, once Done
	trailers Header
}

// NewChunkedDecoder returns a decoder for a body in a message of role (which
// picks the status of its errors) under lim.
func NewChunkedDecoder(role Role, lim Limits) ChunkedDecoder {
	return ChunkedDecoder{lim: lim.withDefaults(), role: role}
}

// Reset readies d for the next body, keeping its limits, role and storage.
func (d *ChunkedDecoder) Reset() {
	*d = ChunkedDecoder{lim: d.lim, role: d.role, trailers: Header{overflow: d.trailers.overflow}}
}

// Decode reads the chunked body from src. It consumes src[:n] and returns
// the first run of chunk data it found there, a sub-slice of src (nil if
// none). err is nil when it returned data or finished the body; call it
// again with src[n:] until Done. err is ErrIncomplete when src is used up
// (a partial trailer section is left unconsumed: keep src[n:] and present it
// again with more bytes). Any other error is a *Error: the body is malformed
// and the connection must be closed.
//
// When Done, n ends exactly at the end of the body, so a pipelined message
// that follows starts at src[n:].
func (d *ChunkedDecoder) Decode(src []byte) (data []byte, n int, err error) {
	return d.decode(src, 1<<63-1)
}

// decode is Decode returning at most max bytes of chunk data, so a caller
// that bounds its frames can stop inside a chunk.
func (d *ChunkedDecoder) decode(src []byte, max int64) (data []byte, n int, err error) {
	if d.lim.MaxHeaderBytes == 0 {
		d.lim = d.lim.withDefaults() // the zero ChunkedDecoder is usable
	}
	i := 0
	for i < len(src) {
		c := src[i]
		switch d.state {
		case stSize:
			if v, ok := unhex(c); ok {
				if d.size > (1<<63-1)>>4 {
					return nil, i, fail(d.role, RuleChunkSizeOverflow)
				}
				d.size = d.size<<4 | int64(v)
				if d.size > d.lim.MaxChunkSize {
					return nil, i, fail(d.role, RuleChunkTooLarge)
				}
				d.digits++
				break
			}
			if d.digits == 0 {
				return nil, i, fail(d.role, RuleChunkSize)
			}
			d.state = stExt
			continue // the same byte, in stExt
		case stExt:
			switch {
			case c == '\r':
				if d.ws && !d.ext {
					return nil, i, fail(d.role, RuleChunkSize) // "5 \r\n": BWS only before ";"
				}
				d.state = stSizeLF
			case c == ';':
				d.ext = true
			case c == ' ' || c == '\t':
				d.ws = true
			case c == '\n':
				return nil, i, fail(d.role, RuleBareLF)
			case !d.ext:
				return nil, i, fail(d.role, RuleChunkSize)
			case class[c]&cValue == 0:
				return nil, i, fail(d.role, RuleChunkExt)
			}
			// chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ):
			// skipped unread, only bounded and kept free of controls.
		case stSizeLF:
			if c != '\n' {
				return nil, i, fail(d.role, RuleBareCR)
			}
			d.left = d.size
			d.state = stData
			if d.size == 0 {
				d.state = stTrailer
			}
			d.size, d.digits, d.line, d.ext, d.ws = 0, 0, 0, false, false
			i++
			if d.state == stTrailer {
				return d.trailer(src, i)
			}
			continue
		case stData:
			k := min(int64(len(src)-i), d.left, max)
			if k == 0 {
				return nil, i, nil
			}
			d.left -= k
			d.total += k
			if d.left == 0 {
				d.state = stDataCR
			}
			return src[i : i+int(k)], i + int(k), nil
		case stDataCR:
			if c != '\r' {
				return nil, i, fail(d.role, RuleChunkDataEnd)
			}
			d.state = stDataLF
		case stDataLF:
			if c != '\n' {
				return nil, i, fail(d.role, RuleChunkDataEnd)
			}
			d.state = stSize
		case stTrailer:
			return d.trailer(src, i)
		case stDone:
			return nil, i, nil
		}
		if d.state <= stSizeLF {
			if d.line++; d.line > d.lim.MaxChunkLineBytes {
				return nil, i, fail(d.role, RuleChunkLineTooLong)
			}
		}
		i++
	}
	if d.state == stDone {
		return nil, i, nil
	}
	return nil, i, ErrIncomplete
}

// trailer parses the trailer section at src[i:] (RFC 9112 §7.1.2) with the
// rules of a head's field lines, or leaves it unconsumed until complete.
func (d *ChunkedDecoder) trailer(src []byte, i int) ([]byte, int, error) {
	d.trailers.reset(src[i:])
	end, err := d.trailers.parse(src[i:], 0, &d.lim, d.role)
	if err != nil {
		return nil, i, err
	}
	d.state = stDone
	d.tlen = end
	return nil, i + end, nil
}

// Done reports whether the whole body, trailers included, has been read.
func (d *ChunkedDecoder) Done() bool { return d.state == stDone }

// Trailers returns the trailer fields once Done (empty before). They are
// slices of the input of the Decode call that finished the body.
func (d *ChunkedDecoder) Trailers() *Header { return &d.trailers }

// Total returns the chunk-data bytes decoded so far.
func (d *ChunkedDecoder) Total() int64 { return d.total }

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// LengthDecoder delimits a body of a known length (Content-Length). It is
// the counterpart of ChunkedDecoder for symmetry: hand it input, get back the
// part that belongs to the body.
type LengthDecoder struct {
	left int64
}

// NewLengthDecoder returns a decoder for a body of n bytes.
func NewLengthDecoder(n int64) LengthDecoder { return LengthDecoder{left: n} }

// Decode returns the part of src that belongs to the body and its length
// n; a message that follows starts at src[n:]. err is ErrIncomplete when src
// is empty and body bytes are still due.
func (d *LengthDecoder) Decode(src []byte) (data []byte, n int, err error) {
	if d.left == 0 {
		return nil, 0, nil
	}
	if len(src) == 0 {
		return nil, 0, ErrIncomplete
	}
	k := int64(len(src))
	if k > d.left {
		k = d.left
	}
	d.left -= k
	return src[:k], int(k), nil
}

// Done reports whether the whole body has been read.
func (d *LengthDecoder) Done() bool { return d.left == 0 }

// Remaining returns the body bytes still due.
func (d *LengthDecoder) Remaining() int64 { return d.left }
