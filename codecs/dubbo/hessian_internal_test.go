package dubbo

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	hessian "github.com/apache/dubbo-go-hessian2"
	"github.com/apache/dubbo-go-hessian2/java_exception"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests hold the in-place Hessian2 reader and writer to
// dubbo-go-hessian2, the reference the package doc promises.

type pojo struct {
	Name  string
	Count int32
	Next  *pojo
}

func (pojo) JavaClassName() string { return "com.example.Pojo" }

func init() { hessian.RegisterPOJO(&pojo{}) }

// testStrings covers every length form, chunk boundaries, multi-byte and
// supplementary characters, and invalid UTF-8.
func testStrings() []string {
	ss := []string{"", "a", "héllo", "中文字符", "😀", "a😀b", "\x00\x7f", "bad\xffutf8", "\xed\xa0\x80",
		strings.Repeat("x", 31), strings.Repeat("x", 32), strings.Repeat("x", 1023), strings.Repeat("x", 1024),
		strings.Repeat("x", 4095), strings.Repeat("x", 4096), strings.Repeat("x", 4097), strings.Repeat("x", 12289),
		strings.Repeat("x", 4095) + "😀" + "tail", strings.Repeat("é", 5000), strings.Repeat("😀", 2049),
		strings.Repeat("x", 65536)}
	rng := rand.New(rand.NewPCG(7, 8))
	runes := []rune{'a', 'Z', '0', 'é', 'ß', '中', '€', '😀', '𝄞', 0x7ff, 0x800, 0xffff}
	for range 200 {
		var b strings.Builder
		for range rng.IntN(300) {
			b.WriteRune(runes[rng.IntN(len(runes))])
		}
		ss = append(ss, b.String())
	}
	return ss
}

// TestAppendStringMatchesLibrary: the writer produces the library's bytes.
func TestAppendStringMatchesLibrary(t *testing.T) {
	for _, s := range testStrings() {
		e := hessian.NewEncoder()
		require.NoError(t, e.Encode(s))
		want := e.Buffer()
		got := appendString(nil, s)
		require.Equal(t, want, got, "%.40q (%d bytes)", s, len(s))
		require.Equal(t, len(want), stringLen(s), "stringLen %.40q", s)
	}
}

// TestReadStringMatchesLibrary: the reader gets the library's value and
// stops where the library does.
func TestReadStringMatchesLibrary(t *testing.T) {
	for _, s := range testStrings() {
		e := hessian.NewEncoder()
		require.NoError(t, e.Encode(s))
		require.NoError(t, e.Encode("next"))
		b := e.Buffer()
		d := hessian.NewDecoder(b)
		want, err := d.Decode()
		require.NoError(t, err)

		r := hreader{b: b}
		hs, reason := r.str()
		require.Empty(t, reason, "%.40q", s)
		var scratch, tmp []byte
		assert.Equal(t, want, string(hs.value(&scratch)), "%.40q", s)
		assert.True(t, hs.equal(want.(string), &tmp))
		assert.False(t, hs.equal(want.(string)+"x", &tmp))
		next, reason := r.str()
		require.Empty(t, reason)
		assert.Equal(t, "next", string(next.data), "the reader stopped at the end of %.40q", s)
		wantSimple := b[0] != tagStringChunk && !strings.ContainsRune(s, '😀') && !strings.ContainsRune(s, '𝄞')
		assert.Equal(t, wantSimple, hs.simple, "simple: %.40q", s)
	}
}

// valuePalette is every kind of value the library writes.
func valuePalette() []any {
	shared := &pojo{Name: "shared"}
	loop := &pojo{Name: "loop"}
	loop.Next = loop
	ints := []any{int32(0), int32(-16), int32(47), int32(48), int32(-17), int32(-2048), int32(2047), int32(2048),
		int32(-262144), int32(262143), int32(262144), int32(math.MinInt32), int32(math.MaxInt32)}
	longs := []any{int64(0), int64(-8), int64(15), int64(16), int64(-2048), int64(2047), int64(-262144),
		int64(262143), int64(262144), int64(math.MinInt32), int64(math.MaxInt32), int64(math.MaxInt32) + 1,
		int64(math.MinInt64), int64(math.MaxInt64)}
	out := []any{nil, true, false, "s", strings.Repeat("y", 5000), 0.0, 1.0, -128.0, 127.0, 300.0, -32768.0,
		1.5, math.Pi, math.Inf(1), float32(2.5), []byte{}, []byte{1, 2, 3}, make([]byte, 1500), make([]byte, 70000),
		time.UnixMilli(1700000000000), time.Unix(1700000000, 0), []any{}, []any{"a", int32(1), nil},
		[]string{"a", "b"}, []int32{1, 2, 3}, make([]any, 9), map[any]any{"k": "v", int32(1): []any{"x"}},
		map[string]any{}, &pojo{Name: "p", Count: 3}, &pojo{Name: "a", Next: &pojo{Name: "b"}},
		[]any{shared, shared}, loop, java_exception.NewThrowable("boom"),
		java_exception.NewNullPointerException("npe"), []*pojo{{Name: "x"}, {Name: "y"}},
		map[string]any{"nested": map[string]any{"deep": []any{map[string]any{"x": int32(1)}}}}}
	out = append(out, ints...)
	return append(out, longs...)
}

// TestSkipMatchesLibrary: skipping each value stops exactly where the
// library's decoder stops, with class definitions and references shared
// across values as in a real body.
func TestSkipMatchesLibrary(t *testing.T) {
	pal := valuePalette()
	e := hessian.NewEncoder()
	for _, v := range pal {
		require.NoError(t, e.Encode(v), "%T", v)
	}
	b := e.Buffer()
	// A decoder whose buffer holds all of b reports, through Buffered, how
	// much it has not used yet.
	d := hessian.NewDecoderSize(b, len(b)+16)
	r := hreader{b: b}
	for i, v := range pal {
		_, err := d.Decode()
		require.NoError(t, err, "library, value %d (%T)", i, v)
		require.Empty(t, r.skip(), "value %d (%T)", i, v)
		require.Equal(t, len(b)-d.Buffered(), r.off, "end of value %d (%T)", i, v)
	}
}

// TestSkipJavaForms covers encodings Java writes and the Go library does
// not: variable lists, typed maps, long-form objects and class references,
// references, chunked binary, dates in minutes, float doubles.
func TestSkipJavaForms(t *testing.T) {
	for name, b := range map[string][]byte{
		"variable untyped list": {'W', 0x91, 0x01, 'a', 'Z'},
		"variable typed list":   {'U', 0x04, '[', 'i', 'n', 't', 0x91, 0x92, 'Z'},
		"fixed untyped list":    {'X', 0x92, 0x91, 0x92},
		"fixed typed list":      {'V', 0x04, '[', 'i', 'n', 't', 0x92, 0x91, 0x92},
		"typed list by ref":     {0x72, 0x04, '[', 'i', 'n', 't', 0x91, 0x92, 0x71, 0x90, 0x93},
		"typed map":             {'M', 0x03, 'x', '.', 'M', 0x01, 'k', 0x91, 'Z'},
		"long-form object":      {'C', 0x01, 'P', 0x91, 0x01, 'f', 'O', 0x90, 0x91},
		"reference":             {'H', 0x01, 'a', 'Q', 0x90, 'Z'},
		"chunked binary":        {'A', 0x00, 0x01, 0xff, 'B', 0x00, 0x02, 0x01, 0x02},
		"binary chunk + short":  {'A', 0x00, 0x01, 0xff, 0x22, 0x01, 0x02},
		"date":                  {'J', 0, 0, 1, 0x8b, 0xcf, 0xe5, 0x68, 0x00},
		"date in minutes":       {'K', 0x00, 0xe3, 0x83, 0x8f},
		"float double":          {0x5f, 0x00, 0x00, 0x03, 0xe8},
		"long as int":           {'Y', 0x00, 0x01, 0x00, 0x00},
		"3-byte long":           {0x3c, 0x01, 0x02},
		"string chunks":         {'R', 0x00, 0x01, 'a', 0x01, 'b'},
	} {
		t.Run(name, func(t *testing.T) {
			full := append(append([]byte(nil), b...), 0x01, '!')
			d := hessian.NewDecoderSize(full, len(full)+16)
			r := hreader{b: full}
			for r.off < len(b) {
				_, err := d.Decode()
				require.NoError(t, err, "the library reads it")
				require.Empty(t, r.skip())
				assert.Equal(t, len(full)-d.Buffered(), r.off)
			}
			assert.Equal(t, len(b), r.off)
		})
	}
}

// TestSkipRefusals: every malformed value is refused with a reason, never
// a panic, however it is cut.
func TestSkipRefusals(t *testing.T) {
	e := hessian.NewEncoder()
	for _, v := range valuePalette() {
		require.NoError(t, e.Encode(v))
	}
	b := e.Buffer()
	for i := range len(b) { // every strict prefix of the sequence ends mid-value or between values
		r := hreader{b: b[:i]}
		for r.off < i {
			if r.skip() != "" {
				break
			}
		}
	}
	for _, bad := range [][]byte{{0x40}, {'E'}, {'G'}, {'P'}, {'Z'}, {'O', 0x90}, {0x61}, {'X', 0xd7, 0xff, 0xff},
		{'X', 'I', 0x80, 0, 0, 0}, {'C', 0x01, 'P', 'I', 0xff, 0xff, 0xff, 0xff}, {'R', 0x00, 0x01, 'a', 0x91},
		{'A', 0x00, 0x01, 0xff, 0x91}, {0x01, 0x80}, {0x01, 0xf0}, {'H', 'D'}, {'M', 'D'}, {'V', 'D'}} {
		r := hreader{b: bad}
		assert.NotEmpty(t, r.skip(), "% x", bad)
	}
	deep := strings.Repeat("W", maxDepth+1)
	r := hreader{b: []byte(deep)}
	assert.Equal(t, errTooDeep, r.skip())
}

// TestScalarsMatchLibrary: numbers read as text agree with the library.
func TestScalarsMatchLibrary(t *testing.T) {
	for _, v := range valuePalette() {
		switch v.(type) {
		case int32, int64, bool, nil, string:
		default:
			continue
		}
		e := hessian.NewEncoder()
		require.NoError(t, e.Encode(v))
		s := scalarAt(e.Buffer())
		got, ok := s.appendText(nil)
		require.True(t, ok, "%#v", v)
		want := ""
		switch v := v.(type) {
		case int32:
			want = strconv.Itoa(int(v))
		case int64:
			want = strconv.FormatInt(v, 10)
		case bool:
			want = strconv.FormatBool(v)
		case string:
			want = v
		}
		assert.Equal(t, want, string(got), "%#v", v)
	}
	for _, b := range [][]byte{{'B', 0, 0}, {'J', 0, 0, 0, 0, 0, 0, 0, 0}, {'H', 'Z'}, {0x5f, 0, 0, 0, 0}} {
		s := scalarAt(b)
		_, ok := s.appendText(nil)
		assert.False(t, ok, "% x has no text form", b)
	}
	e := hessian.NewEncoder()
	require.NoError(t, e.Encode(2.25))
	s := scalarAt(e.Buffer())
	got, _ := s.appendText(nil)
	assert.Equal(t, "2.25", string(got))
}

// TestCountDescMatchesRegex: the descriptor scan finds as many types as the
// library's DescRegex (the rule Java's ReflectUtils applies too).
func TestCountDescMatchesRegex(t *testing.T) {
	cases := []string{"", "I", "Ljava/lang/String;", "Ljava/lang/String;I[B[[Ljava/util/Map;J",
		"Ljava/lang/String", "java.lang.String", "L;", "L1a;", "La/;", "La//b;", "[", "[[", "[L", "[La;", "[[[Z",
		"[Lx", "V", "xyz", "L$_a0/b$;", "Ljava/lang/Object;VJ", "[Ljava/lang/String;[Ljava/lang/Object;",
		"LLa;", "[[La/b;;", "Lé;", "I\xffJ"}
	rng := rand.New(rand.NewPCG(9, 10))
	alphabet := "LVZBCDFIJS[;/_$a09.x é"
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(24) {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	for _, d := range cases {
		require.Equal(t, len(hessian.DescRegex.FindAllString(d, -1)), countDesc([]byte(d)), "%q", d)
	}
}
