package fuzz

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/xprotocol"
)

// boltFuzzMaxFrame is small enough that the fuzzer reaches the size limit.
const boltFuzzMaxFrame = 1 << 16

// boltSeeds returns golden Bolt frames: built by the codec's constructors and
// read from codecs/bolt/testdata, alone, concatenated and damaged.
func boltSeeds(t testing.TB) [][]byte {
	body := []byte{0x4f, 0xbc, 0x63, 0x6f, 0x6d}
	hdrs := [][2]string{{"service", "com.example.EchoService:1.0"}, {"sofa_head_method_name", "echo"}}
	frames := []*bolt.Frame{
		bolt.NewRequest(1, "com.alipay.sofa.rpc.core.request.SofaRequest", hdrs, body, 3*time.Second),
		bolt.NewOneway(2, "c", hdrs, body),
		bolt.NewResponse(3, bolt.StatusSuccess, "com.alipay.sofa.rpc.core.response.SofaResponse", nil, body),
		bolt.NewResponse(4, bolt.StatusServerDeserialException, "java.lang.String", nil, []byte{0x02, 'h', 'i'}),
		bolt.NewRequest(5, "", nil, nil, 0),
		bolt.NewRequest(6, "", [][2]string{{"service", "first"}, {"service", "last"}, {"", ""}}, nil, time.Millisecond),
		bolt.NewHeartbeat(7),
		bolt.NewHeartbeatAck(7, bolt.CodecProtobuf),
	}
	var seeds [][]byte
	for _, f := range frames {
		b, err := f.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		f.Release()
		seeds = append(seeds, b)
	}

	files, _ := filepath.Glob(filepath.Join("..", "codecs", "bolt", "testdata", "*.hex"))
	for _, path := range files {
		seeds = append(seeds, readHex(t, path))
	}

	// A null value (-1 length) and a null key, which only peers write.
	nulls := binary.BigEndian.AppendUint32(nil, 1)
	nulls = append(nulls, 'k')
	nulls = binary.BigEndian.AppendUint32(nulls, 0xffffffff)
	nulls = binary.BigEndian.AppendUint32(nulls, 0xffffffff)
	nulls = binary.BigEndian.AppendUint32(nulls, 0)
	withNulls := append([]byte(nil), seeds[4]...) // the empty request
	binary.BigEndian.PutUint16(withNulls[16:], uint16(len(nulls)))
	seeds = append(seeds, append(withNulls, nulls...))

	n := len(seeds)
	seeds = append(seeds, bytes.Join(seeds[:n], nil)) // many frames in one read
	for _, s := range seeds[:n] {
		seeds = append(seeds, s[:len(s)/2]) // a short read
		bad := append([]byte(nil), s...)
		bad[len(bad)/3] ^= 0x80 // one flipped bit somewhere
		seeds = append(seeds, bad)
	}
	return seeds
}

// readHex reads a golden file: hex digits, whitespace and '#' comments.
func readHex(t testing.TB, path string) []byte {
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var digits strings.Builder
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		digits.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(digits.String())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// boltFields is everything observable about a decoded frame.
type boltFields struct {
	Type    bolt.CmdType
	Code    bolt.CmdCode
	Ver2    uint8
	ID      uint32
	Codec   bolt.Codec
	Timeout int32
	Status  bolt.RespStatus
	Class   string
	Headers string // %q of the header pairs in wire order
	Content string
	Kind    xprotocol.Kind
	Generic xprotocol.Status
	Service string
	Method  string
}

// headerPairs returns the header view in wire order.
func headerPairs(f *bolt.Frame) [][2]string {
	hs := [][2]string{}
	f.Header().Range(func(k, v []byte) bool {
		hs = append(hs, [2]string{string(k), string(v)})
		return true
	})
	return hs
}

func fieldsOf(f *bolt.Frame) boltFields {
	return boltFields{f.CmdType(), f.CmdCode(), f.Ver2(), f.RequestID(), f.Codec(), f.TimeoutMillis(),
		f.RespStatus(), string(f.ClassName()), fmt.Sprintf("%q", headerPairs(f)), string(f.Content()),
		f.Kind(), f.Status(), string(f.Key(xprotocol.KeyService)), string(f.Key(xprotocol.KeyMethod))}
}

// FuzzBoltDecode decodes arbitrary bytes as a stream of Bolt frames. Decode
// must never panic; each frame it accepts must re-encode to its own bytes,
// decode again to the same fields, be renumbered in place, survive a header
// edit, and every prefix of it must be ErrIncomplete. Refusals must be the
// contract's typed errors.
func FuzzBoltDecode(f *testing.F) {
	for _, s := range boltSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sess := bolt.Proto.NewSession(xprotocol.SessionOptions{MaxFrameSize: boltFuzzMaxFrame})
		rest := data
		for len(rest) > 0 {
			fr, n, err := sess.Decode(rest)
			if err != nil {
				checkRefusal(t, err, n)
				return
			}
			if n <= 0 || n > len(rest) {
				t.Fatalf("Decode used %d of %d bytes", n, len(rest))
			}
			checkFrame(t, sess, fr.(*bolt.Frame), rest[:n])
			fr.Release()
			rest = rest[n:]
		}
	})
}

// checkRefusal: an error is ErrIncomplete with n == 0, or a bolt FrameError
// of class ErrMalformed or ErrFrameTooLarge.
func checkRefusal(t *testing.T, err error, n int) {
	t.Helper()
	if n != 0 {
		t.Fatalf("Decode failed (%v) but reported %d bytes used", err, n)
	}
	if errors.Is(err, xprotocol.ErrIncomplete) {
		return
	}
	var fe *xprotocol.FrameError
	if !errors.As(err, &fe) || fe.Protocol != "bolt" || fe.Field == "" {
		t.Fatalf("untyped decode error %T: %v", err, err)
	}
	if !errors.Is(err, xprotocol.ErrMalformed) && !errors.Is(err, xprotocol.ErrFrameTooLarge) {
		t.Fatalf("FrameError of unknown class: %v", err)
	}
}

// checkFrame runs the round-trip properties on one decoded frame whose wire
// bytes are raw.
func checkFrame(t *testing.T, sess xprotocol.Session, f *bolt.Frame, raw []byte) {
	t.Helper()
	if f.Size() != len(raw) {
		t.Fatalf("Size %d, wire %d", f.Size(), len(raw))
	}
	if bolt.Proto.Match(raw) != xprotocol.MatchYes {
		t.Fatalf("decoded frame not matched: % x", raw[:min(len(raw), 4)])
	}
	for _, cut := range []int{len(raw) - 1, len(raw) / 2, 1} {
		if _, n, err := sess.Decode(raw[:cut]); !errors.Is(err, xprotocol.ErrIncomplete) || n != 0 {
			t.Fatalf("prefix of %d/%d bytes: n=%d err=%v", cut, len(raw), n, err)
		}
	}
	want := fieldsOf(f)

	// Untouched: the original bytes, which decode to the same fields.
	enc, err := sess.Encode(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, raw) {
		t.Fatalf("untouched Encode differs:\n got % x\nwant % x", enc, raw)
	}
	again := redecode(t, sess, enc)
	if got := fieldsOf(again); got != want {
		t.Fatalf("re-decode differs:\n got %+v\nwant %+v", got, want)
	}
	again.Release()

	// Renumbered: only the requestId bytes change.
	f.SetStreamID(uint64(f.RequestID()) ^ 0xa5a5a5a5)
	enc, err = sess.Encode(enc[:0], f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc[:5], raw[:5]) || !bytes.Equal(enc[9:], raw[9:]) ||
		binary.BigEndian.Uint32(enc[5:9]) != binary.BigEndian.Uint32(raw[5:9])^0xa5a5a5a5 {
		t.Fatalf("SetStreamID changed more than requestId:\n got % x\nwant % x", enc, raw)
	}

	// Edited: drop the first header, set one; the rest survive in order.
	headers := headerPairs(f)
	wantHeaders := [][2]string{}
	var first string
	for i, h := range headers {
		if i == 0 {
			first = h[0]
			continue
		}
		if h[0] != first && h[0] != "x-fuzz" {
			wantHeaders = append(wantHeaders, h)
		}
	}
	wantHeaders = append(wantHeaders, [2]string{"x-fuzz", "v"})
	if len(headers) > 0 {
		f.Header().Del(first)
	}
	f.Header().Set("x-fuzz", "v")
	enc, err = sess.Encode(enc[:0], f)
	if err != nil {
		if errors.Is(err, xprotocol.ErrFrameTooLarge) {
			return // the edit pushed headerLen past int16: refused, as it must be
		}
		t.Fatal(err)
	}
	if len(enc) != f.Size() {
		t.Fatalf("edited Size %d, Encode wrote %d", f.Size(), len(enc))
	}
	edited := redecode(t, sess, enc)
	defer edited.Release()
	if got := headerPairs(edited); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", wantHeaders) {
		t.Fatalf("headers after edit:\n got %q\nwant %q", got, wantHeaders)
	}
	got := fieldsOf(edited)
	got.Headers, got.Service, got.Method, got.ID = want.Headers, want.Service, want.Method, want.ID
	if got != want {
		t.Fatalf("edit changed more than the header:\n got %+v\nwant %+v", got, want)
	}
}

func redecode(t *testing.T, sess xprotocol.Session, b []byte) *bolt.Frame {
	t.Helper()
	// The re-encoded frame may exceed the fuzz limit after an edit; the
	// default limit still bounds it.
	f, n, err := bolt.Decode(b, 0)
	if err != nil || n != len(b) {
		t.Fatalf("re-decode of % x: n=%d err=%v", b, n, err)
	}
	return f
}
