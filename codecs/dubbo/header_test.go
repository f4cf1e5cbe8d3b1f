package dubbo_test

import (
	"testing"
	"time"

	dh "dubbo.apache.org/dubbo-go/v3/protocol/dubbo/hessian2"
	hessian "github.com/apache/dubbo-go-hessian2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/dubbo"
	"github.com/xgate/xgate/xprotocol"
)

// TestHeaderPrecedence: attachments override the leading path, version and
// dubbo version, as in Dubbo's DecodeableRpcInvocation; method and
// parameter types come from the leading strings only.
func TestHeaderPrecedence(t *testing.T) {
	f, err := dubbo.BuildRequest(dubbo.Request{ID: 1, DubboVersion: "2.7.8", Path: "lead.Path", Version: "1.0",
		Method: "m", ParamTypes: "", Attachments: []dubbo.Attachment{
			{"version", "2.0"}, {"path", "att.Path"}, {"method", "att-method"}, {"k", "first"}, {"k", "last"},
			{"nul", nil}, {"n", int64(-5)}, {"b", false}, {"d", 1.5}, {"bin", []byte{1, 2}},
			{"list", []any{"x"}}, {"timeout", "abc"},
		}})
	require.NoError(t, err)
	defer f.Release()
	get := func(k string) (string, bool) {
		v, ok := f.Header().Get(k)
		return string(v), ok
	}
	for k, want := range map[string]string{
		"version": "2.0", "path": "att.Path", "dubbo": "2.7.8", "method": "m", "parameter_types": "",
		"k": "last", "nul": "", "n": "-5", "b": "false", "d": "1.5", "timeout": "abc",
	} {
		v, ok := get(k)
		assert.True(t, ok, k)
		assert.Equal(t, want, v, k)
	}
	for _, k := range []string{"bin", "list", "group", ""} {
		_, ok := get(k)
		assert.False(t, ok, "%q has no text form or is absent", k)
	}
	assert.Equal(t, "lead.Path", string(f.Key(xprotocol.KeyService)), "the routing key is the leading path")
	assert.Equal(t, "m", string(f.Key(xprotocol.KeyMethod)))
	assert.Zero(t, f.Timeout(), "a timeout that is not a number is no deadline")
	assert.Equal(t, [][2]string{
		{"dubbo", "2.7.8"}, {"path", "lead.Path"}, {"version", "1.0"}, {"method", "m"}, {"parameter_types", ""},
		{"version", "2.0"}, {"path", "att.Path"}, {"method", "att-method"}, {"k", "first"}, {"k", "last"},
		{"nul", ""}, {"n", "-5"}, {"b", "false"}, {"d", "1.5"}, {"timeout", "abc"},
	}, headers(f), "Range: leading strings, then attachments in wire order")
	var n int
	f.Header().Range(func(_, _ []byte) bool { n++; return n < 3 })
	assert.Equal(t, 3, n, "Range stops when fn returns false")
}

// TestTimeoutForms: the timeout attachment as a string or a number.
func TestTimeoutForms(t *testing.T) {
	for _, c := range []struct {
		v    any
		want time.Duration
	}{
		{"1500", 1500 * time.Millisecond}, {int32(20), 20 * time.Millisecond}, {int64(1 << 40), (1 << 40) * time.Millisecond},
		{"0", 0}, {"-1", 0}, {int32(-3), 0}, {"", 0}, {"12x", 0},
	} {
		f, err := dubbo.BuildRequest(dubbo.Request{Path: "p", Method: "m", Attachments: []dubbo.Attachment{{"timeout", c.v}}})
		require.NoError(t, err)
		assert.Equal(t, c.want, f.Timeout(), "%#v", c.v)
		f.Release()
	}
	resp, err := dubbo.BuildResponse(dubbo.Response{Attachments: []dubbo.Attachment{{"timeout", "5"}}})
	require.NoError(t, err)
	assert.Zero(t, resp.Timeout(), "responses carry no deadline")
	resp.Release()
}

// TestSetAttachmentLibraryReads is MOSN #1614: an attachment added by the
// gateway reaches the server. The library decodes the edited frame.
func TestSetAttachmentLibraryReads(t *testing.T) {
	args := []any{"hello", int32(42), &User{Name: "Ada", Age: 36, Tags: []string{"x"}}, map[string]any{"k": []any{"v"}}}
	wire := libRequest(t, dh.PackageRequest_TwoWay, 7, typicalService, args, map[string]any{"keep": "me", "drop": "me"})
	f := decode(t, wire)
	defer f.Release()

	f.Header().Set("x-trace", "trace-123")
	f.Header().Set("keep", "changed")
	f.Header().Del("drop")
	f.Header().Del("absent")
	v, ok := f.Header().Get("x-trace")
	require.True(t, ok)
	assert.Equal(t, "trace-123", string(v))
	_, ok = f.Header().Get("drop")
	assert.False(t, ok)

	f.SetStreamID(8)
	out := encode(t, f)
	assert.Equal(t, len(out), f.Size())
	assert.Equal(t, out[16:], f.Body())
	lf := libDecode(t, out)
	assert.Equal(t, int64(8), lf.Header.ID)
	assert.Equal(t, "trace-123", lf.Attachments["x-trace"])
	assert.Equal(t, "changed", lf.Attachments["keep"])
	assert.NotContains(t, lf.Attachments, "drop")
	assert.Equal(t, "gz", lf.Attachments["group"])
	assert.Equal(t, "3000", lf.Attachments["timeout"])
	assert.Equal(t, "com.example.EchoService", lf.Path)
	assert.Equal(t, "echo", lf.Method)
	orig := libDecode(t, wire)
	assert.Equal(t, orig.Args, lf.Args, "arguments unchanged")
	assert.Equal(t, f.Arguments(), decode(t, wire).Arguments(), "argument bytes copied as they were")

	// The edited frame decodes again to the same view.
	g := decode(t, out)
	defer g.Release()
	assert.Equal(t, attachmentsOf(f), attachmentsOf(g))
	assert.Equal(t, 3*time.Second, g.Timeout())
}

// TestSetLeadingFields: path, version and dubbo rewrite the leading string
// and the attachment of the same name; method only the leading string;
// parameter_types is refused.
func TestSetLeadingFields(t *testing.T) {
	wire := libRequest(t, dh.PackageRequest_TwoWay, 7, typicalService, []any{"x"}, nil)
	f := decode(t, wire)
	defer f.Release()
	f.Header().Set("version", "2.0.0")
	f.Header().Set("path", "com.example.Canary")
	f.Header().Set("method", "echo2")
	f.Header().Set("parameter_types", "I")
	f.Header().Set("dubbo", "2.7.0")
	assert.Equal(t, "com.example.Canary", string(f.Key(xprotocol.KeyService)))
	assert.Equal(t, "echo2", string(f.Key(xprotocol.KeyMethod)))
	lf := libDecode(t, encode(t, f))
	assert.Equal(t, "2.0.0", lf.Version)
	assert.Equal(t, "2.0.0", lf.Attachments["version"])
	assert.Equal(t, "com.example.Canary", lf.Path)
	assert.Equal(t, "com.example.Canary", lf.Attachments["path"])
	assert.Equal(t, "echo2", lf.Method)
	assert.Equal(t, "2.7.0", lf.DubboVersion)
	assert.Equal(t, "Ljava/lang/String;", lf.Types)
	assert.Equal(t, []any{"x"}, lf.Args)
	assert.Equal(t, 1, countKey(headers(f), "method"), "no method attachment was added")

	f.Header().Del("version")
	lf = libDecode(t, encode(t, f))
	assert.Equal(t, "", lf.Version)
	assert.NotContains(t, lf.Attachments, "version")
	f.Header().Del("method")
	assert.Equal(t, "echo2", string(f.Key(xprotocol.KeyMethod)), "Del(method) is ignored")
}

// TestEditAttachmentsWithReferences: values that refer back by number
// survive edits that do not renumber them; an edit that would renumber a
// value something refers to is refused with ErrUnsafeEdit at Encode.
func TestEditAttachmentsWithReferences(t *testing.T) {
	// Arguments define a class and the attachments hold an instance of it
	// (an object by class index) and a list (a numbered value).
	user := &User{Name: "Ada", Age: 1}
	f, err := dubbo.BuildRequest(dubbo.Request{Path: "p", Method: "m", ParamTypes: "Lcom/example/User;",
		Args: []any{user}, Attachments: []dubbo.Attachment{
			{"list", []any{"a"}}, {"s", "v"}, {"obj", &User{Name: "Bob", Age: 2}}}})
	require.NoError(t, err)
	defer f.Release()

	f.Header().Set("x-trace", "t") // adds a string: nothing renumbered
	f.Header().Set("s", "w")       // replaces a string
	lf := libDecode(t, encode(t, f))
	assert.Equal(t, "t", lf.Attachments["x-trace"])
	assert.Equal(t, "w", lf.Attachments["s"])
	assert.Equal(t, &User{Name: "Bob", Age: 2}, lf.Attachments["obj"])

	f.Header().Del("list") // a numbered value before an object instance
	_, err = f.AppendBinary(nil)
	assert.ErrorIs(t, err, dubbo.ErrUnsafeEdit)

	// Deleting the object itself renumbers nothing after it.
	g, err := dubbo.BuildRequest(dubbo.Request{Path: "p", Method: "m", Attachments: []dubbo.Attachment{
		{"s", "v"}, {"obj", &User{Name: "Bob"}}, {"t", "u"}}})
	require.NoError(t, err)
	defer g.Release()
	g.Header().Del("obj")
	lf = libDecode(t, encode(t, g))
	assert.Equal(t, map[string]any{"dubbo": "2.0.2", "s": "v", "t": "u"}, lf.Attachments)
}

// TestEditResponses: a response attachment can be set, and a response
// without attachments gets them (its type says so).
func TestEditResponses(t *testing.T) {
	for _, c := range []struct {
		name string
		body *dh.DubboResponse
		want dubbo.ResponseType
	}{
		{"value", dh.NewResponse("v", nil, nil), dubbo.ResponseValueWithAttachments},
		{"null", dh.NewResponse(nil, nil, nil), dubbo.ResponseNullValueWithAttachments},
		{"exception", dh.NewResponse(nil, assert.AnError, nil), dubbo.ResponseWithExceptionWithAttachments},
		{"value-attachments", dh.NewResponse(int32(1), nil, map[string]any{"dubbo": "2.0.2", "a": "b"}), dubbo.ResponseValueWithAttachments},
	} {
		t.Run(c.name, func(t *testing.T) {
			wire := libResponse(t, 3, dh.Response_OK, false, c.body)
			f := decode(t, wire)
			defer f.Release()
			f.Header().Set("server", "gw")
			rt, ok := f.ResponseType()
			require.True(t, ok)
			assert.Equal(t, c.want, rt)
			lf := libDecode(t, encode(t, f))
			assert.Equal(t, "gw", lf.Attachments["server"])
			orig := libDecode(t, wire)
			assert.Equal(t, orig.Value, lf.Value)
			assert.Equal(t, orig.Exception != nil, lf.Exception != nil)
			for k, v := range orig.Attachments {
				assert.Equal(t, v, lf.Attachments[k])
			}
		})
	}
	// Error statuses and heartbeats carry no attachments: edits are ignored.
	for _, wire := range [][]byte{
		libResponse(t, 3, dh.Response_SERVER_ERROR, false, dh.NewResponse(nil, assert.AnError, nil)),
		libResponse(t, 3, dh.Response_OK, true, nil),
	} {
		f := decode(t, wire)
		f.Header().Set("server", "gw")
		assert.Equal(t, wire, encode(t, f))
		f.Release()
	}
}

// TestEditNullAndMissingAttachments: a body whose attachments are null or
// absent gets a map on Set.
func TestEditNullAndMissingAttachments(t *testing.T) {
	for name, tail := range map[string][]byte{"null": {'N'}, "absent": nil} {
		t.Run(name, func(t *testing.T) {
			body := append(appendStrings("2.0.2", "p", "", "m", "I"), 0x91)
			body = append(body, tail...)
			f := decode(t, append(header16(0xc2, 0, 1, uint32(len(body))), body...))
			defer f.Release()
			require.NoError(t, f.BodyErr())
			_, ok := f.Header().Get("x")
			assert.False(t, ok)
			f.Header().Del("x") // nothing to delete
			assert.Equal(t, body, f.Body())
			f.Header().Set("x", "y")
			lf := libDecode(t, encode(t, f))
			assert.Equal(t, "y", lf.Attachments["x"])
			assert.Equal(t, []any{int32(1)}, lf.Args)
		})
	}
}

// TestNonSimpleStrings: chunked and CESU-8 values are assembled in scratch
// space and stay valid after later reads.
func TestNonSimpleStrings(t *testing.T) {
	wire := libRequest(t, dh.PackageRequest_TwoWay, 1, dh.Service{Path: "p😀", Method: "m"}, []any{},
		map[string]any{"long": longString, "emoji": "😀"})
	f := decode(t, wire)
	defer f.Release()
	svc := f.Key(xprotocol.KeyService)
	long, _ := f.Header().Get("long")
	emoji, _ := f.Header().Get("emoji")
	headers(f)
	f.Header().Set("another", "😀😀")
	assert.Equal(t, "p😀", string(svc))
	assert.Equal(t, longString, string(long))
	assert.Equal(t, "😀", string(emoji))
	v, _ := f.Header().Get("another")
	assert.Equal(t, "😀😀", string(v))
	lf := libDecode(t, encode(t, f))
	assert.Equal(t, "😀😀", lf.Attachments["another"])
	assert.Equal(t, longString, lf.Attachments["long"])
}

// TestTypedAttachmentMap: a typed map ('M' and a class name) keeps its type
// through an edit.
func TestTypedAttachmentMap(t *testing.T) {
	e := hessian.NewEncoder()
	for _, s := range []string{"2.0.2", "p", "", "m", ""} {
		require.NoError(t, e.Encode(s))
	}
	body := append(e.Buffer(), 'M', 0x11)
	body = append(body, "java.util.HashMap"...)
	body = append(body, 0x01, 'k', 0x01, 'v', 'Z')
	f := decode(t, append(header16(0xc2, 0, 1, uint32(len(body))), body...))
	defer f.Release()
	v, ok := f.Header().Get("k")
	require.True(t, ok)
	assert.Equal(t, "v", string(v))
	f.Header().Set("x", "y")
	out := encode(t, f)
	assert.Contains(t, string(out), "java.util.HashMap")
	lf := libDecode(t, out)
	assert.Equal(t, "v", lf.Attachments["k"])
	assert.Equal(t, "y", lf.Attachments["x"])
}

func countKey(hs [][2]string, key string) int {
	n := 0
	for _, h := range hs {
		if h[0] == key {
			n++
		}
	}
	return n
}
