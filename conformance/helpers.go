package conformance

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/xgate/xgate/xprotocol"
)

// ReadHex reads a golden file: hex digits with any whitespace, where '#'
// starts a comment that runs to the end of the line.
func ReadHex(t testing.TB, path string) []byte {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatalf("golden file: %v", err)
	}
	defer file.Close()
	var digits strings.Builder
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		digits.WriteString(strings.Join(strings.Fields(line), ""))
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("golden file %s: %v", path, err)
	}
	b, err := hex.DecodeString(digits.String())
	if err != nil {
		t.Fatalf("golden file %s: %v", path, err)
	}
	return b
}

// BenchForward measures a codec's share of the proxy's hot path on the
// frame src: Decode, read the routing keys, renumber, Encode into a reused
// buffer, Release. The stream id cycles through ids (1, 2, 3, … when none
// are given), so a codec whose id width varies can be made to resize it.
func BenchForward(b *testing.B, sess xprotocol.Session, src []byte, ids ...uint64) {
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	var n uint64
	for b.Loop() {
		f, _, err := sess.Decode(src)
		if err != nil {
			b.Fatal(err)
		}
		_ = f.Key(xprotocol.KeyService)
		_ = f.Key(xprotocol.KeyMethod)
		n++
		id := n
		if len(ids) > 0 {
			id = ids[n%uint64(len(ids))]
		}
		f.SetStreamID(id)
		if dst, err = sess.Encode(dst[:0], f); err != nil {
			b.Fatal(err)
		}
		f.Release()
	}
}
