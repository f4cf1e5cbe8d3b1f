package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"path/filepath"
	"testing"
	"time"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xprotocol"
)

// boltFuzzMaxFrame is small enough that the fuzzer reaches the size limit.
const boltFuzzMaxFrame = 1 << 16

// boltSeeds returns golden Bolt v1 and v2 frames: built by the codec's
// constructors and Build, and read from codecs/bolt/testdata, alone,
// concatenated (v1 and v2 mixed) and damaged.
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
	for _, m := range []bolt.Message{
		{Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 8, Class: "c", Headers: hdrs, Content: body, Timeout: time.Second},
		{CRC: true, Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 9, Class: "c", Headers: hdrs, Content: body, Timeout: time.Second},
		{CRC: true, Type: bolt.TypeOneway, Code: bolt.CodeRequest, ID: 10, Headers: hdrs, Content: body},
		{CRC: true, Type: bolt.TypeResponse, Code: bolt.CodeResponse, ID: 11, Status: bolt.StatusTimeout, Content: body},
		{Type: bolt.TypeResponse, Code: bolt.CodeResponse, ID: 12, Codec: bolt.CodecProtobuf, Content: body},
		{CRC: true, Type: bolt.TypeRequest, Code: bolt.CodeHeartbeat, ID: 13},
		{CRC: true, Type: bolt.TypeResponse, Code: bolt.CodeHeartbeat, ID: 13},
		{Ver1: bolt.ProtocolVersion1, Switch: bolt.SwitchCRC, Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 14}, // bit set, no CRC32
		{Ver1: bolt.ProtocolVersion2, Switch: 0xfe, Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 15},           // other bits, no CRC32
	} {
		m.Proto = bolt.ProtoV2
		f, err := bolt.Build(m)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
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
		seeds = append(seeds, conformance.ReadHex(t, path))
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

	// The same null strings in a Bolt v2 frame with a CRC32 (24-byte header,
	// headerLen at 18), resealed over the new bytes.
	v2, err := bolt.Build(bolt.Message{Proto: bolt.ProtoV2, CRC: true, Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 16})
	if err != nil {
		t.Fatal(err)
	}
	v2Nulls, _ := v2.AppendBinary(nil)
	v2.Release()
	v2Nulls = append(v2Nulls[:len(v2Nulls)-4], nulls...)
	binary.BigEndian.PutUint16(v2Nulls[18:], uint16(len(nulls)))
	seeds = append(seeds, binary.BigEndian.AppendUint32(v2Nulls, crc32.ChecksumIEEE(v2Nulls)))

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

// TestBoltSeedsDecode guards the seeds themselves: the whole frames among
// them decode, and they cover Bolt v1, v2 and v2 with a CRC32, so the fuzzer
// starts from every layout.
func TestBoltSeedsDecode(t *testing.T) {
	kinds := map[string]int{}
	for _, s := range boltSeeds(t) {
		for rest := s; len(rest) > 0; {
			f, n, err := bolt.Decode(rest, boltFuzzMaxFrame)
			if err != nil {
				break
			}
			switch {
			case f.CRCEnabled():
				kinds["v2+crc"]++
			case f.Version() == bolt.ProtoV2:
				kinds["v2"]++
			default:
				kinds["v1"]++
			}
			f.Release()
			rest = rest[n:]
		}
	}
	for _, k := range []string{"v1", "v2", "v2+crc"} {
		if kinds[k] < 5 {
			t.Errorf("only %d %s frames in the seeds: %v", kinds[k], k, kinds)
		}
	}
}

// boltFields is everything observable about a decoded frame.
type boltFields struct {
	Proto   byte
	Ver1    uint8
	Switch  uint8
	CRC     bool
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
	return boltFields{f.Version(), f.Ver1(), f.Switch(), f.CRCEnabled(), f.CmdType(), f.CmdCode(), f.Ver2(), f.RequestID(), f.Codec(), f.TimeoutMillis(),
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
		decodeStream(t, bolt.Name, sess, data, func(fr xprotocol.Frame, raw []byte) {
			checkFrame(t, sess, fr.(*bolt.Frame), raw)
		})
	})
}

// checkFrame runs the round-trip properties on one decoded frame whose wire
// bytes are raw.
func checkFrame(t *testing.T, sess xprotocol.Session, f *bolt.Frame, raw []byte) {
	t.Helper()
	if f.Size() != len(raw) {
		t.Fatalf("Size %d, wire %d", f.Size(), len(raw))
	}
	// Detection claims every decoded frame except a v1 one whose ver2 is not
	// 1, which Match leaves alone to stay disjoint from framed Thrift.
	wantMatch := xprotocol.MatchYes
	if raw[0] == bolt.ProtoV1 && raw[4] != bolt.CommandVersion1 {
		wantMatch = xprotocol.MatchNo
	}
	if got := bolt.Proto.Match(raw); got != wantMatch {
		t.Fatalf("decoded frame % x: Match %v, want %v", raw[:min(len(raw), 5)], got, wantMatch)
	}
	// A CRC32 is present exactly when the wire says so (v2, ver1 2, switch
	// bit 0), and a frame that has one was checked: recompute it here.
	wantCRC := raw[0] == bolt.ProtoV2 && raw[1] == 2 && raw[11]&1 == 1
	if f.CRCEnabled() != wantCRC {
		t.Fatalf("CRCEnabled %v for % x", f.CRCEnabled(), raw[:12])
	}
	if wantCRC && crc32.ChecksumIEEE(raw[:len(raw)-4]) != binary.BigEndian.Uint32(raw[len(raw)-4:]) {
		t.Fatalf("accepted a frame whose CRC32 is wrong: % x", raw)
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

	// Renumbered: only the requestId bytes change (at 5 in v1, 6 in v2),
	// and the CRC32, which must then match the new bytes.
	f.SetStreamID(uint64(f.RequestID()) ^ 0xa5a5a5a5)
	enc, err = sess.Encode(enc[:0], f)
	if err != nil {
		t.Fatal(err)
	}
	id, end := 5, len(raw)
	if raw[0] == bolt.ProtoV2 {
		id = 6
	}
	if wantCRC {
		end -= 4
		if crc32.ChecksumIEEE(enc[:end]) != binary.BigEndian.Uint32(enc[end:]) {
			t.Fatalf("SetStreamID left a stale CRC32: % x", enc)
		}
	}
	if len(enc) != len(raw) || !bytes.Equal(enc[:id], raw[:id]) || !bytes.Equal(enc[id+4:end], raw[id+4:end]) ||
		binary.BigEndian.Uint32(enc[id:id+4]) != binary.BigEndian.Uint32(raw[id:id+4])^0xa5a5a5a5 {
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
