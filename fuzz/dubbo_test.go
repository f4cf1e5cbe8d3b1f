package fuzz

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dh "dubbo.apache.org/dubbo-go/v3/protocol/dubbo/hessian2"
	hessian "github.com/apache/dubbo-go-hessian2"
	"github.com/apache/dubbo-go-hessian2/java_exception"

	"github.com/xgate/xgate/codecs/dubbo"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xprotocol"
)

// dubboFuzzMaxFrame is small enough that the fuzzer reaches the size limit.
const dubboFuzzMaxFrame = 1 << 16

// fuzzPojo is a registered POJO, so seeds carry class definitions.
type fuzzPojo struct {
	Name string
	N    int32
}

func (fuzzPojo) JavaClassName() string { return "com.example.FuzzPojo" }

func init() { hessian.RegisterPOJO(&fuzzPojo{}) }

// dubboSeeds returns golden Dubbo frames: written by dubbo-go's codec (the
// real peer), by this codec's constructors, and read from
// codecs/dubbo/testdata; alone, concatenated and damaged.
func dubboSeeds(t testing.TB) [][]byte {
	codec := dh.NewHessianCodec(nil)
	svc := dh.Service{Path: "com.example.EchoService", Interface: "com.example.EchoService", Method: "echo",
		Version: "1.0", Group: "g", Timeout: 3 * time.Second}
	write := func(s dh.Service, h dh.DubboHeader, body any) []byte {
		b, err := codec.Write(s, h, body)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	seeds := [][]byte{
		write(svc, dh.DubboHeader{SerialID: 2, Type: dh.PackageRequest_TwoWay, ID: 1},
			dh.NewRequest([]any{"hi", int32(7), []any{"x", int64(1)}, map[string]any{"k": "v"}, &fuzzPojo{Name: "p", N: 2}, nil},
				map[string]any{"trace": "t", "n": int32(3), "emoji": "😀"})),
		write(dh.Service{Path: "p", Method: "m"}, dh.DubboHeader{SerialID: 2, Type: dh.PackageRequest, ID: 2},
			dh.NewRequest([]any{}, nil)),
		write(dh.Service{}, dh.DubboHeader{SerialID: 2, Type: dh.PackageHeartbeat, ID: 3}, dh.NewRequest([]any{}, nil)),
		write(dh.Service{}, dh.DubboHeader{SerialID: 2, Type: dh.PackageHeartbeat, ID: 3, ResponseStatus: dh.Response_OK}, nil),
		write(dh.Service{}, dh.DubboHeader{SerialID: 2, Type: dh.PackageResponse, ID: 4, ResponseStatus: dh.Response_OK},
			dh.NewResponse(&fuzzPojo{Name: "r"}, nil, map[string]any{"dubbo": "2.0.2", "server": "s"})),
		write(dh.Service{}, dh.DubboHeader{SerialID: 2, Type: dh.PackageResponse, ID: 5, ResponseStatus: dh.Response_OK},
			dh.NewResponse(nil, java_exception.NewThrowable("boom"), map[string]any{"dubbo": "2.0.2"})),
		write(dh.Service{}, dh.DubboHeader{SerialID: 2, Type: dh.PackageResponse, ID: 6, ResponseStatus: dh.Response_OK},
			dh.NewResponse("v", nil, nil)),
		write(dh.Service{}, dh.DubboHeader{SerialID: 2, Type: dh.PackageResponse, ID: 7, ResponseStatus: dh.Response_SERVICE_NOT_FOUND},
			dh.NewResponse(nil, errors.New("no route"), nil)),
	}
	for _, f := range []*dubbo.Frame{
		dubbo.NewHeartbeat(8),
		dubbo.NewHeartbeatReply(8, 6),
		dubbo.NewErrorResponse(9, dubbo.StatusServerThreadpoolExhausted, "busy"),
	} {
		b, err := f.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		f.Release()
		seeds = append(seeds, b)
	}
	if f, err := dubbo.BuildRequest(dubbo.Request{ID: 10, Path: "p", Method: "m", ParamTypes: "Lcom/example/FuzzPojo;",
		Args: []any{&fuzzPojo{Name: "a"}}, Attachments: []dubbo.Attachment{{Key: "l", Value: []any{"x"}}, {Key: "o", Value: &fuzzPojo{Name: "b"}}}}); err == nil {
		b, _ := f.AppendBinary(nil)
		f.Release()
		seeds = append(seeds, b)
	}
	// Another serialization (fastjson-like body) and a read-only notice.
	seeds = append(seeds, append([]byte{0xda, 0xbb, 0xc6, 0, 0, 0, 0, 0, 0, 0, 0, 11, 0, 0, 0, 4}, `"x"`+"\n"...))
	seeds = append(seeds, []byte{0xda, 0xbb, 0xa2, 0, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 2, 0x01, 'R'})

	files, _ := filepath.Glob(filepath.Join("..", "codecs", "dubbo", "testdata", "*.hex"))
	for _, path := range files {
		seeds = append(seeds, conformance.ReadHex(t, path))
	}
	n := len(seeds)
	seeds = append(seeds, bytes.Join(seeds[:n], nil)) // many frames in one read
	for _, s := range seeds[:n] {
		seeds = append(seeds, s[:len(s)/2]) // a short read
		bad := append([]byte(nil), s...)
		bad[16+(len(bad)-16)/3] ^= 0x40 // one flipped bit in the body
		seeds = append(seeds, bad)
	}
	return seeds
}

// dubboFields is everything observable about a decoded frame.
type dubboFields struct {
	Flag      byte
	Status    dubbo.RespStatus
	ID        uint64
	Kind      xprotocol.Kind
	Heartbeat bool
	Generic   xprotocol.Status
	Service   string
	Method    string
	Headers   string
	Timeout   time.Duration
	RespType  string
	ErrMsg    string
	Args      string
	BodyErr   string
	Body      string
}

func dubboFieldsOf(f *dubbo.Frame) dubboFields {
	rt, ok := f.ResponseType()
	rts := ""
	if ok {
		rts = rt.String()
	}
	berr := ""
	if err := f.BodyErr(); err != nil {
		berr = err.Error()
	}
	return dubboFields{f.Flag(), f.RespStatus(), f.StreamID(), f.Kind(), f.Heartbeat(), f.Status(),
		string(f.Key(xprotocol.KeyService)), string(f.Key(xprotocol.KeyMethod)), fmt.Sprintf("%q", dubboHeaders(f)),
		f.Timeout(), rts, string(f.ErrorMessage()), string(f.Arguments()), berr, string(f.Body())}
}

func dubboHeaders(f xprotocol.Frame) [][2]string {
	hs := [][2]string{}
	f.Header().Range(func(k, v []byte) bool {
		hs = append(hs, [2]string{string(k), string(v)})
		return true
	})
	return hs
}

// FuzzDubboDecode decodes arbitrary bytes as a stream of Dubbo frames.
// Decode must never panic; every lazy accessor must never panic; each frame
// it accepts must re-encode to its own bytes (after any number of lazy
// reads), decode again to the same fields, be renumbered in place, and
// survive a header edit that the library's decoder then reads. Refusals
// must be the contract's typed errors.
func FuzzDubboDecode(f *testing.F) {
	for _, s := range dubboSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sess := dubbo.Proto.NewSession(xprotocol.SessionOptions{MaxFrameSize: dubboFuzzMaxFrame})
		decodeStream(t, dubbo.Name, sess, data, func(fr xprotocol.Frame, raw []byte) {
			checkDubboFrame(t, sess, fr.(*dubbo.Frame), raw)
		})
	})
}

func checkDubboFrame(t *testing.T, sess xprotocol.Session, f *dubbo.Frame, raw []byte) {
	t.Helper()
	if f.Size() != len(raw) {
		t.Fatalf("Size %d, wire %d", f.Size(), len(raw))
	}
	if raw[2]&dubbo.FlagRequest != 0 && dubbo.Proto.Match(raw) != xprotocol.MatchYes {
		t.Fatalf("decoded request not matched: % x", raw[:3])
	}
	for _, cut := range []int{len(raw) - 1, len(raw) / 2, 1} {
		if _, n, err := sess.Decode(raw[:cut]); !errors.Is(err, xprotocol.ErrIncomplete) || n != 0 {
			t.Fatalf("prefix of %d/%d bytes: n=%d err=%v", cut, len(raw), n, err)
		}
	}

	// Every lazy accessor, twice (the second read uses the cached state).
	want := dubboFieldsOf(f)
	if got := dubboFieldsOf(f); got != want {
		t.Fatalf("a second read differs:\n got %+v\nwant %+v", got, want)
	}
	for _, k := range []string{"dubbo", "path", "version", "method", "parameter_types", "group", "timeout", "", "x"} {
		f.Header().Get(k)
	}
	if f.Kind() == xprotocol.KindRequest {
		if r := dubbo.Proto.ErrorReply(f, xprotocol.StatusNoRoute, "x"); r != nil {
			r.Release()
		}
	}

	// Untouched: the original bytes, which decode to the same fields.
	enc, err := sess.Encode(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, raw) {
		t.Fatalf("untouched Encode differs:\n got % x\nwant % x", enc, raw)
	}
	again := redecodeDubbo(t, enc)
	if got := dubboFieldsOf(again); got != want {
		t.Fatalf("re-decode differs:\n got %+v\nwant %+v", got, want)
	}
	again.Release()

	// Renumbered: only the id bytes change.
	f.SetStreamID(f.StreamID() ^ 0x5a5a5a5a5a5a5a5a)
	enc, err = sess.Encode(enc[:0], f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc[:4], raw[:4]) || !bytes.Equal(enc[12:], raw[12:]) ||
		binary.BigEndian.Uint64(enc[4:12]) != binary.BigEndian.Uint64(raw[4:12])^0x5a5a5a5a5a5a5a5a {
		t.Fatalf("SetStreamID changed more than the id:\n got % x\nwant % x", enc, raw)
	}

	// Edited: drop the first attachment, set one; what a frame with a
	// readable Hessian2 body then encodes, the library reads.
	before := attachmentMap(f)
	var first string
	skip := 0
	if f.Kind() != xprotocol.KindResponse {
		skip = 5
	}
	f.Header().Range(func(k, _ []byte) bool {
		if skip > 0 {
			skip--
			return true
		}
		first = string(k)
		return false
	})
	if first == "path" || first == "version" || first == "dubbo" {
		first = "" // Del of these also rewrites a leading string
	}
	if first != "" {
		f.Header().Del(first)
	}
	f.Header().Set("x-fuzz", "v")
	enc, err = sess.Encode(enc[:0], f)
	if err != nil {
		if errors.Is(err, dubbo.ErrUnsafeEdit) || errors.Is(err, xprotocol.ErrFrameTooLarge) {
			return // refused as documented
		}
		t.Fatal(err)
	}
	if len(enc) != f.Size() {
		t.Fatalf("edited Size %d, Encode wrote %d", f.Size(), len(enc))
	}
	edited := redecodeDubbo(t, enc)
	defer edited.Release()
	if want.BodyErr != "" || f.Event() || f.Serialization() != dubbo.Hessian2 ||
		(f.Kind() == xprotocol.KindResponse && f.RespStatus() != dubbo.StatusOK) {
		if !bytes.Equal(enc[16:], raw[16:]) {
			t.Fatalf("a frame without attachments changed on edit")
		}
		return
	}
	if err := edited.BodyErr(); err != nil {
		t.Fatalf("the edited body does not read back: %v\n% x", err, enc)
	}
	if v, ok := edited.Header().Get("x-fuzz"); !ok || string(v) != "v" {
		t.Fatalf("x-fuzz after edit: %q %v\n% x\n% x", v, ok, raw, enc)
	}
	after := attachmentMap(edited)
	if first != "" {
		delete(before, first)
	}
	before["x-fuzz"] = "v"
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("attachments after edit:\n got %v\nwant %v", after, before)
	}
	if string(edited.Key(xprotocol.KeyService)) != want.Service || string(edited.Key(xprotocol.KeyMethod)) != want.Method {
		t.Fatal("the edit changed the routing keys")
	}
	if string(edited.Arguments()) != want.Args {
		t.Fatal("the edit changed the arguments")
	}
}

// attachmentMap is the attachment part of the header view, last value wins.
func attachmentMap(f *dubbo.Frame) map[string]string {
	m := map[string]string{}
	skip := 0
	if f.Kind() != xprotocol.KindResponse {
		skip = 5
	}
	f.Header().Range(func(k, v []byte) bool {
		if skip > 0 {
			skip--
			return true
		}
		m[string(k)] = string(v)
		return true
	})
	return m
}

func redecodeDubbo(t *testing.T, b []byte) *dubbo.Frame {
	t.Helper()
	// An edited frame may exceed the fuzz limit; the default still bounds it.
	f, n, err := dubbo.Decode(b, 0)
	if err != nil || n != len(b) {
		t.Fatalf("re-decode of % x: n=%d err=%v", b, n, err)
	}
	return f
}

// dubboBodySeeds are the bodies of the library-written requests of
// dubboSeeds.
func dubboBodySeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, s := range dubboSeeds(t) {
		if len(s) > 16 && s[2]&dubbo.FlagRequest != 0 && s[2]&dubbo.FlagEvent == 0 {
			seeds = append(seeds, s[16:])
		}
	}
	return seeds
}

// FuzzDubboBody is differential: for request bodies the library decodes,
// the in-place reader must agree on the five leading strings; when the
// library decodes the whole body, on the arguments' extent and the string
// attachments too.
//
// Three library behaviours are excluded rather than matched. When it
// decodes an object of a class registered with it (a POJO, a Java
// exception, a java.time type...), it skips a field the Go type lacks
// without checking the skip worked, so a broken field passes: the
// whole-body comparison skips bodies that define a registered class. Its
// UTF-8 decoder pairs a high surrogate with whatever 3 bytes follow (even
// past the string's end), where Java's Hessian2Input and this reader take
// chars by their lead byte: bodies with what it takes for an encoded high
// surrogate are skipped. And it allocates lists and class field tables of the length
// the bytes declare before reading them: bodies with a 4-byte int over 1M
// are skipped, so the fuzzer cannot make it exhaust memory.
func FuzzDubboBody(f *testing.F) {
	for _, s := range dubboBodySeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 1<<16 || libraryQuirk(body) {
			return
		}
		wire := binary.BigEndian.AppendUint32([]byte{0xda, 0xbb, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 1}, uint32(len(body)))
		wire = append(wire, body...)
		fr, _, err := dubbo.Decode(wire, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer fr.Release()

		lead, atEOF, ok := libraryLead(body)
		if !ok {
			return
		}
		var got [5]string
		i := 0
		fr.Header().Range(func(_, v []byte) bool {
			got[i] = string(v)
			i++
			return i < 5
		})
		if i != 5 && atEOF && strings.Contains(fmt.Sprint(fr.BodyErr()), errTruncatedText) {
			// The library reads a missing byte at the end of its input as
			// 0x00 (it ignores ReadByte's error after a string chunk), so
			// it completes a string the body cuts short.
			return
		}
		if i != 5 {
			t.Fatalf("the library reads the leading strings %q, this reader does not: %v", lead, fr.BodyErr())
		}
		if got != lead {
			t.Fatalf("leading strings:\n got %q\nwant %q", got, lead)
		}
		if string(fr.Key(xprotocol.KeyService)) != lead[1] || string(fr.Key(xprotocol.KeyMethod)) != lead[3] {
			t.Fatal("routing keys differ from the leading strings")
		}

		if usesRegisteredClass(body) {
			return
		}
		args, atts, ok := libraryBody(body)
		if !ok {
			return
		}
		if err := fr.BodyErr(); err != nil {
			t.Fatalf("the library reads the whole body, this reader does not: %v", err)
		}
		d := hessian.NewDecoderSize(fr.Arguments(), len(fr.Arguments())+16)
		for j := range args {
			if _, err := d.Decode(); err != nil {
				t.Fatalf("argument %d of %d does not decode from Arguments(): %v", j, len(args), err)
			}
		}
		if d.Buffered() != 0 {
			t.Fatalf("Arguments() has %d bytes past the %d arguments", d.Buffered(), len(args))
		}
		for k, v := range atts {
			s, isString := v.(string)
			if !isString || k == "dubbo" { // the library adds "dubbo" itself
				continue
			}
			got, ok := fr.Header().Get(k)
			if k == "path" || k == "version" {
				// Get applies Dubbo's precedence; compare the attachment.
				got, ok = lastAttachment(fr, k)
			}
			if !ok || string(got) != s {
				t.Fatalf("attachment %q: got %q (%v), library %q", k, got, ok, s)
			}
		}
	})
}

// lastAttachment finds key among the attachments only (after the leading
// strings), last value wins.
func lastAttachment(f *dubbo.Frame, key string) (v []byte, ok bool) {
	skip := 5
	f.Header().Range(func(k, val []byte) bool {
		if skip > 0 {
			skip--
			return true
		}
		if string(k) == key {
			v, ok = append([]byte(nil), val...), true
		}
		return true
	})
	return v, ok
}

// libraryQuirk reports the bodies FuzzDubboBody does not compare (see its
// doc).
func libraryQuirk(b []byte) bool {
	for i := 0; i+1 < len(b); i++ {
		// The library computes the char from the low bits of each byte
		// without checking they are continuation bytes, so 0xed and any
		// byte with 0x2_ in its low 6 bits reads as a high surrogate.
		if b[i] == 0xed && b[i+1]&0x30 == 0x20 {
			return true
		}
	}
	for i := 0; i+4 < len(b); i++ {
		if b[i] == 'I' && int32(binary.BigEndian.Uint32(b[i+1:])) > 1<<20 {
			return true
		}
	}
	return false
}

// libraryLead decodes the five leading values with the library; ok when
// each is a string or null (read as empty, as Java's readUTF and this
// package do) written as such. (The library's Decode also turns a class
// definition or a dangling reference into a null, which readUTF refuses.)
func libraryLead(body []byte) (lead [5]string, atEOF, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	// With all of body buffered, Buffered tells where the decoder is.
	d := hessian.NewDecoderSize(body, len(body)+16)
	for i := range lead {
		off := 0
		if i > 0 {
			off = len(body) - d.Buffered()
		}
		if off >= len(body) {
			return lead, false, false
		}
		if t := body[off]; !(t <= 0x1f || (t >= 0x30 && t <= 0x33) || t == 'S' || t == 'R' || t == 'N') {
			return lead, false, false
		}
		v, err := d.Decode()
		if err != nil {
			return lead, false, false
		}
		switch v := v.(type) {
		case nil:
		case string:
			lead[i] = v
		default:
			return lead, false, false
		}
	}
	return lead, d.Buffered() == 0, true
}

// errTruncatedText is how the codec's FrameError says a value is cut short.
const errTruncatedText = "truncated value"

// libraryBody decodes the whole request body the way dubbo-go's server
// does (unpackRequestBody, through its packet codec).
func libraryBody(body []byte) (args []any, atts map[string]any, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	wire := binary.BigEndian.AppendUint32([]byte{0xda, 0xbb, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 1}, uint32(len(body)))
	wire = append(wire, body...)
	c := dh.NewHessianCodec(newSizedReader(wire))
	var h dh.DubboHeader
	if c.ReadHeader(&h) != nil {
		return nil, nil, false
	}
	req := make([]any, 7)
	if c.ReadBody(req) != nil {
		return nil, nil, false
	}
	args, _ = req[5].([]any)
	atts, _ = req[6].(map[string]any)
	return args, atts, true
}

// registered caches registeredClass.
var registered sync.Map

// usesRegisteredClass reports whether body may define a class the library
// has registered: any 'C' followed by a string naming one.
func usesRegisteredClass(body []byte) bool {
	for i := 0; i+1 < len(body); i++ {
		if body[i] != 'C' {
			continue
		}
		t := body[i+1]
		if !(t <= 0x1f || (t >= 0x30 && t <= 0x33) || t == 'S' || t == 'R') {
			continue
		}
		name, ok := decodeString(body[i+1:])
		if ok && registeredClass(name) {
			return true
		}
	}
	return false
}

// decodeString decodes one string with the library.
func decodeString(b []byte) (s string, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	v, err := hessian.NewDecoder(b).Decode()
	s, ok = v.(string)
	return s, ok && err == nil
}

// registeredClass reports whether the library maps the Java class name to a
// Go type: an instance of an unregistered class decodes to a map.
func registeredClass(name string) bool {
	if v, ok := registered.Load(name); ok {
		return v.(bool)
	}
	e := hessian.NewEncoder()
	_ = e.Encode(name)
	b := append([]byte{'C'}, e.Buffer()...)
	b = append(b, 0x90, 0x60) // no fields; one instance
	reg := true
	func() {
		defer func() { _ = recover() }()
		v, err := hessian.NewDecoder(b).Decode()
		_, isMap := v.(map[string]any)
		reg = err != nil || !isMap
	}()
	registered.Store(name, reg)
	return reg
}

// newSizedReader buffers all of b, as dubbo-go's codec expects of a
// complete packet.
func newSizedReader(b []byte) *bufio.Reader {
	return bufio.NewReaderSize(bytes.NewReader(b), len(b)+16)
}
