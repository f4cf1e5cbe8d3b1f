package http1

import "github.com/xgate/xgate/xprotocol"

// maxRuns bounds how many chunks of a chunked body one data frame gathers.
const maxRuns = 16

// decodeLength reads the next run of a Content-Length body: whatever of it
// src holds, at most frameMax bytes.
func (s *session) decodeLength(src []byte) (*Frame, int, error) {
	if len(src) == 0 {
		return nil, 0, ErrIncomplete
	}
	k := int(min(int64(len(src)), s.left, int64(s.frameMax)))
	s.left -= int64(k)
	f := s.dataFrame(src[:k], k, s.left == 0)
	if s.left == 0 {
		s.endInput()
	}
	return f, k, nil
}

// decodeUntilClose reads the next run of a response body that ends with
// the connection (EndOfInput gives its last frame).
func (s *session) decodeUntilClose(src []byte) (*Frame, int, error) {
	if len(src) == 0 {
		return nil, 0, ErrIncomplete
	}
	k := min(len(src), s.frameMax)
	return s.dataFrame(src[:k], k, false), k, nil
}

// decodeChunked reads the next run of a chunked body: the data of the
// chunks src holds (up to maxRuns of them and frameMax bytes) in one frame,
// which is the last one, with the trailers, when the body ends in src.
// Chunk framing alone is consumed without a frame; a partial trailer
// section is left in src until it is complete.
func (s *session) decodeChunked(src []byte) (*Frame, int, error) {
	var runs [maxRuns][]byte
	nr, total, off := 0, 0, 0
	for off < len(src) && nr < maxRuns && total < s.frameMax && !s.chunk.Done() {
		data, n, err := s.chunk.decode(src[off:], int64(s.frameMax-total))
		off += n
		if len(data) > 0 {
			runs[nr] = data
			nr++
			total += len(data)
		}
		if err == ErrIncomplete {
			break
		}
		if err != nil && nr > 0 {
			break // hand out the data before the fault; the next call reports it
		}
		if err != nil {
			if s.role == xprotocol.RoleServer {
				return nil, 0, s.reject(err)
			}
			return nil, 0, s.fail(err)
		}
	}
	done := s.chunk.Done()
	if nr == 0 && !done {
		if off == 0 {
			return nil, 0, ErrIncomplete
		}
		return nil, off, nil
	}
	f := getFrame()
	tl := 0
	if done {
		tl = s.chunk.tlen
	}
	buf := f.own(total + tl)
	w := 0
	for _, r := range runs[:nr] {
		w += copy(buf[w:], r)
	}
	f.body = buf[:total:total]
	f.kind, f.id, f.end, f.size = xprotocol.KindData, s.inID, done, off
	if done {
		t := buf[total : total+tl : total+tl]
		copy(t, s.chunk.trailers.buf[:tl])
		f.trail.copyFrom(&s.chunk.trailers, t, s.lim.MaxHeaders)
		f.view.h = &f.trail
		s.endInput()
	}
	return f, off, nil
}

// dataFrame returns a data frame holding a copy of data, which took size
// bytes on the wire.
func (s *session) dataFrame(data []byte, size int, end bool) *Frame {
	f := getFrame()
	buf := f.own(len(data))
	copy(buf, data)
	f.body = buf
	f.kind, f.id, f.end, f.size = xprotocol.KindData, s.inID, end, size
	return f
}

// copyFrom makes h the fields of src, whose section bytes have been copied
// to buf.
func (h *Header) copyFrom(src *Header, buf []byte, max int) {
	h.reset(buf)
	for i := 0; i < src.n; i++ {
		f := src.at(i)
		h.add(f.name, f.value, max)
	}
}
