package httppeer

import (
	"fmt"
	"io"
)

// patternPeriod is prime so that the pattern never lines up with buffer,
// chunk or frame sizes (powers of two): a shifted, dropped or repeated
// block shows.
const patternPeriod = 251

// Pattern returns the byte at offset off of the deterministic stream
// /bytes/{n} sends: off mod 251.
func Pattern(off int64) byte { return byte(off % patternPeriod) }

// FillPattern fills p with the pattern starting at offset off.
func FillPattern(p []byte, off int64) {
	b := byte(off % patternPeriod)
	for i := range p {
		p[i] = b
		b++
		if b == patternPeriod {
			b = 0
		}
	}
}

// NewPatternReader returns a reader of the first n bytes of the pattern
// (an upload body of any size, without holding it in memory).
func NewPatternReader(n int64) io.Reader { return &patternReader{left: n} }

type patternReader struct{ off, left int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	FillPattern(p, r.off)
	r.off += int64(len(p))
	r.left -= int64(len(p))
	return len(p), nil
}

// CheckPattern reads r to its end and reports how many bytes it held, or
// an error at the first byte that differs from the pattern (or a read
// error).
func CheckPattern(r io.Reader) (int64, error) {
	buf := make([]byte, 32<<10)
	var off int64
	for {
		n, err := r.Read(buf)
		want := byte(off % patternPeriod)
		for i, b := range buf[:n] {
			if b != want {
				return off + int64(i), fmt.Errorf("httppeer: pattern differs at byte %d: got %d, want %d", off+int64(i), b, want)
			}
			want++
			if want == patternPeriod {
				want = 0
			}
		}
		off += int64(n)
		if err == io.EOF {
			return off, nil
		}
		if err != nil {
			return off, err
		}
	}
}
