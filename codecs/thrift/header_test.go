package thrift_test

import (
	"testing"

	athrift "github.com/apache/thrift/lib/go/thrift"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/conformance/thrift/gen-go/echo"
	"github.com/xgate/xgate/xprotocol"
)

func headerPairs(h xprotocol.Header) [][2]string {
	var out [][2]string
	h.Range(func(k, v []byte) bool {
		out = append(out, [2]string{string(k), string(v)})
		return true
	})
	return out
}

func TestHeaderView(t *testing.T) {
	f, _ := mustDecode(t, thrift.CompactFramed, libWrite(t, thrift.CompactFramed,
		libMsg{name: "echo", typ: athrift.CALL, seqid: -42, body: &echo.EchoEchoArgs{Msg: "m"}, service: "Echo"}))
	defer f.Release()
	h := f.Header()
	assert.Equal(t, [][2]string{{"name", "Echo:echo"}, {"service", "Echo"}, {"method", "echo"}, {"seqid", "-42"}}, headerPairs(h))
	v, ok := h.Get("service")
	assert.True(t, ok)
	assert.Equal(t, "Echo", string(v))
	v, ok = h.Get("seqid")
	assert.True(t, ok)
	assert.Equal(t, "-42", string(v))
	_, ok = h.Get("x-env")
	assert.False(t, ok)
	n := 0
	h.Range(func(_, _ []byte) bool { n++; return false })
	assert.Equal(t, 1, n, "Range stops when fn says so")

	plain, _ := mustDecode(t, thrift.BinaryFramed, echoCall(t, thrift.BinaryFramed, 1))
	defer plain.Release()
	_, ok = plain.Header().Get("service")
	assert.False(t, ok, "a plain name has no service")
	assert.Equal(t, [][2]string{{"name", "echo"}, {"method", "echo"}, {"seqid", "1"}}, headerPairs(plain.Header()))

	assert.Zero(t, testing.AllocsPerRun(100, func() {
		_, _ = h.Get("method")
		_, _ = h.Get("seqid")
		h.Range(func(_, _ []byte) bool { return true })
	}))
}

// TestHeaderEditsRewriteName: Set and Del of service, method and name
// rewrite the message name in every variant; the library reads the new
// name with seqid and body intact, slices handed out before stay valid,
// and the frame can still be renumbered.
func TestHeaderEditsRewriteName(t *testing.T) {
	edits := []struct {
		name string
		edit func(h xprotocol.Header)
		want string
	}{
		{"strip service", func(h xprotocol.Header) { h.Del("service") }, "echo"},
		{"set service", func(h xprotocol.Header) { h.Set("service", "Calc") }, "Calc:echo"},
		{"set empty service", func(h xprotocol.Header) { h.Set("service", "") }, "echo"},
		{"set method", func(h xprotocol.Header) { h.Set("method", "echo2") }, "Echo:echo2"},
		{"set name", func(h xprotocol.Header) { h.Set("name", "Other:thing") }, "Other:thing"},
		{"ignored keys", func(h xprotocol.Header) { h.Set("x-env", "canary"); h.Del("method"); h.Set("seqid", "9") }, "Echo:echo"},
		{"several edits", func(h xprotocol.Header) {
			h.Del("service")
			h.Set("service", "A-much-longer-service-name-than-before")
			h.Set("method", "m")
		}, "A-much-longer-service-name-than-before:m"},
	}
	for _, v := range thrift.AllVariants() {
		for _, e := range edits {
			wire := libWrite(t, v, libMsg{name: "echo", typ: athrift.CALL, seqid: 5, body: &echo.EchoEchoArgs{Msg: "body"}, service: "Echo"})
			f, _ := mustDecode(t, v, wire)
			oldName, oldBody := f.Name(), f.Body()
			e.edit(f.Header())
			assert.Equal(t, e.want, string(f.Name()), "%s %s", v, e.name)
			assert.Equal(t, "Echo:echo", string(oldName), "%s %s: earlier slices stay valid", v, e.name)
			f.SetStreamID(1 << 29)
			enc, _ := f.AppendBinary(nil)
			assert.Equal(t, len(enc), f.Size())

			args := echo.NewEchoEchoArgs()
			lib, err := libRead(v, enc, args)
			require.NoError(t, err, "%s %s", v, e.name)
			assert.Equal(t, e.want, lib.name)
			assert.Equal(t, int32(1<<29), lib.seqid)
			assert.Equal(t, "body", args.Msg)
			assert.Equal(t, string(oldBody), string(f.Body()))
			f.Release()
		}
	}
}

// TestHeaderDelEmptyService: ":method" has an empty service, which Del
// strips like any other.
func TestHeaderDelEmptyService(t *testing.T) {
	f, err := thrift.Build(thrift.Message{Variant: thrift.BinaryFramed, Type: thrift.TypeCall, Name: ":echo", SeqID: 1})
	require.NoError(t, err)
	defer f.Release()
	assert.Nil(t, f.Key(xprotocol.KeyService))
	assert.Equal(t, "echo", string(f.Key(xprotocol.KeyMethod)))
	f.Header().Del("service")
	assert.Equal(t, "echo", string(f.Name()))
}
