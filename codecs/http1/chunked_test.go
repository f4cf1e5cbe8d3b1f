package http1_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/http1"
)

const chunkedBody = "5\r\nhello\r\n1A;name=val;quoted=\"a b\"\r\nabcdefghijklmnopqrstuvwxyz\r\n" +
	"000a ; x\r\n0123456789\r\n0\r\nExpires: never\r\nX-Checksum: abc\r\n\r\nNEXT"

// decodeAll feeds src to d in pieces of at most step bytes, keeping what d
// did not consume in front of the next piece, as a connection reader would.
func decodeAll(t *testing.T, d *http1.ChunkedDecoder, src []byte, step int) (data []byte, used int, err error) {
	t.Helper()
	var pending []byte
	fed := 0
	for !d.Done() {
		if fed < len(src) {
			k := min(step, len(src)-fed)
			pending = append(pending, src[fed:fed+k]...)
			fed += k
		}
		for !d.Done() {
			part, n, err := d.Decode(pending)
			data = append(data, part...)
			pending = pending[n:]
			used += n
			if err == http1.ErrIncomplete {
				break
			}
			if err != nil {
				return data, used, err
			}
		}
		if fed == len(src) && !d.Done() {
			return data, used, http1.ErrIncomplete
		}
	}
	return data, used, nil
}

func TestChunkedWholeAndByteByByte(t *testing.T) {
	src := []byte(chunkedBody)
	var trailers []string
	for _, step := range []int{len(src), 1, 2, 3, 7} {
		d := http1.NewChunkedDecoder(http1.Request, http1.Limits{})
		data, used, err := decodeAll(t, &d, src, step)
		require.NoError(t, err, "step %d", step)
		assert.Equal(t, "hello"+"abcdefghijklmnopqrstuvwxyz"+"0123456789", string(data), "step %d", step)
		assert.Equal(t, len(src)-len("NEXT"), used, "step %d", step)
		assert.Equal(t, int64(41), d.Total())
		var got []string
		d.Trailers().Range(func(n, v []byte) bool { got = append(got, string(n)+"="+string(v)); return true })
		if trailers == nil {
			trailers = got
		}
		assert.Equal(t, trailers, got, "step %d", step)
	}
	assert.Equal(t, []string{"Expires=never", "X-Checksum=abc"}, trailers)
}

func TestChunkedRejections(t *testing.T) {
	cases := []struct {
		name, body string
		rule       http1.Rule
		status     int
	}{
		{"no size", "\r\nabc\r\n", http1.RuleChunkSize, 400},
		{"non-hex size", "g\r\n", http1.RuleChunkSize, 400},
		{"negative", "-1\r\n", http1.RuleChunkSize, 400},
		{"space without ext", "5 \r\nhello\r\n0\r\n\r\n", http1.RuleChunkSize, 400},
		{"leading space", " 5\r\nhello\r\n", http1.RuleChunkSize, 400},
		{"2^62", "4000000000000000\r\n", http1.RuleChunkTooLarge, 413},
		{"overflow", "fffffffffffffffff\r\n", http1.RuleChunkTooLarge, 413},
		{"bare lf after size", "5\nhello\r\n", http1.RuleBareLF, 400},
		{"bare cr after size", "5\rhello\r\n", http1.RuleBareCR, 400},
		{"ctl in ext", "5;a=\x01\r\nhello\r\n", http1.RuleChunkExt, 400},
		{"ext too long", "5;" + strings.Repeat("a", 5000) + "\r\n", http1.RuleChunkLineTooLong, 400},
		{"zero padding too long", strings.Repeat("0", 5000) + "5\r\n", http1.RuleChunkLineTooLong, 400},
		{"data longer than size", "5\r\nhello!\r\n0\r\n\r\n", http1.RuleChunkDataEnd, 400},
		{"data without crlf", "5\r\nhello\n0\r\n\r\n", http1.RuleChunkDataEnd, 400},
		{"trailer obs-fold", "0\r\nX: a\r\n b\r\n\r\n", http1.RuleObsFold, 400},
		{"trailer bad name", "0\r\nX Y: a\r\n\r\n", http1.RuleFieldName, 400},
		{"trailer bare lf", "0\r\nX: a\n\r\n", http1.RuleBareLF, 400},
		{"trailer nul", "0\r\nX: \x00\r\n\r\n", http1.RuleFieldValue, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, step := range []int{len(c.body), 1} {
				d := http1.NewChunkedDecoder(http1.Request, http1.Limits{})
				_, _, err := decodeAll(t, &d, []byte(c.body), step)
				requireRule(t, err, c.rule, c.status, c.name)
			}
			d := http1.NewChunkedDecoder(http1.Response, http1.Limits{})
			_, _, err := decodeAll(t, &d, []byte(c.body), len(c.body))
			requireRule(t, err, c.rule, 502, c.name+" (response)")
		})
	}
}

func TestChunkedLimits(t *testing.T) {
	d := http1.NewChunkedDecoder(http1.Request, http1.Limits{MaxChunkSize: 16})
	_, _, err := decodeAll(t, &d, []byte("11\r\n"), 4)
	requireRule(t, err, http1.RuleChunkTooLarge, 413, "MaxChunkSize")

	d = http1.NewChunkedDecoder(http1.Request, http1.Limits{MaxChunkSize: 1<<63 - 1})
	_, _, err = decodeAll(t, &d, []byte("8000000000000000\r\n"), 1)
	requireRule(t, err, http1.RuleChunkSizeOverflow, 400, "2^63")

	d = http1.NewChunkedDecoder(http1.Request, http1.Limits{MaxHeaderBytes: 10})
	_, _, err = decodeAll(t, &d, []byte("0\r\nX-Long: abcdefgh\r\n\r\n"), 1)
	requireRule(t, err, http1.RuleHeadTooLarge, 431, "trailer section bound")

	d = http1.NewChunkedDecoder(http1.Request, http1.Limits{MaxHeaders: 1})
	_, _, err = decodeAll(t, &d, []byte("0\r\nA: 1\r\nB: 2\r\n\r\n"), 3)
	requireRule(t, err, http1.RuleTooManyFields, 431, "trailer count bound")
}

func TestChunkedHugeSizeStreamsWithoutAllocating(t *testing.T) {
	// A 1 GiB chunk declared, 4 KiB of it fed: spans come back, nothing grows.
	d := http1.NewChunkedDecoder(http1.Request, http1.Limits{})
	data, n, err := d.Decode([]byte("40000000\r\n"))
	require.ErrorIs(t, err, http1.ErrIncomplete)
	require.Nil(t, data)
	require.Equal(t, 10, n)
	chunk := make([]byte, 4096)
	data, n, err = d.Decode(chunk)
	require.NoError(t, err)
	assert.Len(t, data, 4096)
	assert.Equal(t, 4096, n)
	assert.False(t, d.Done())
}

func TestChunkedIncompleteAndReset(t *testing.T) {
	var d http1.ChunkedDecoder // the zero value is usable
	_, n, err := d.Decode([]byte("5\r\nhel"))
	require.NoError(t, err)
	assert.Equal(t, 6, n)
	_, _, err = d.Decode(nil)
	assert.ErrorIs(t, err, http1.ErrIncomplete)
	d.Reset()
	data, used, err := decodeAll(t, &d, []byte("3\r\nabc\r\n0\r\n\r\n"), 100)
	require.NoError(t, err)
	assert.Equal(t, "abc", string(data))
	assert.Equal(t, 13, used)
	assert.Zero(t, d.Trailers().Len())
	// A second call once Done consumes nothing.
	_, n, err = d.Decode([]byte("GET"))
	assert.NoError(t, err)
	assert.Zero(t, n)
}

func TestLengthDecoder(t *testing.T) {
	d := http1.NewLengthDecoder(5)
	data, n, err := d.Decode([]byte("he"))
	require.NoError(t, err)
	assert.Equal(t, "he", string(data))
	assert.Equal(t, 2, n)
	_, _, err = d.Decode(nil)
	assert.ErrorIs(t, err, http1.ErrIncomplete)
	data, n, err = d.Decode([]byte("lloGET"))
	require.NoError(t, err)
	assert.Equal(t, "llo", string(data))
	assert.Equal(t, 3, n)
	assert.True(t, d.Done())
	assert.Zero(t, d.Remaining())
}
