package dubbo_test

import (
	"bufio"
	"bytes"
	"fmt"
	"testing"
	"time"

	dh "dubbo.apache.org/dubbo-go/v3/protocol/dubbo/hessian2"
	hessian "github.com/apache/dubbo-go-hessian2"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/dubbo"
	"github.com/xgate/xgate/xprotocol"
)

// This file wraps the real peer: dubbo-go's packet codec
// (protocol/dubbo/hessian2, the Dubbo codec dubbo-go-hessian2 carried until
// v1.13.0) over dubbo-go-hessian2's serialization. Golden frames are what
// it writes; frames this package writes must be what it reads.

// User is a POJO registered with the library, as a Java class would be.
type User struct {
	Name string
	Age  int32
	Tags []string
}

// JavaClassName implements hessian.POJO.
func (User) JavaClassName() string { return "com.example.User" }

func init() { hessian.RegisterPOJO(&User{}) }

// libRequest writes a request with the library's codec.
func libRequest(t testing.TB, typ dh.PackageType, id int64, svc dh.Service, args []any, atts map[string]any) []byte {
	t.Helper()
	if atts == nil {
		atts = map[string]any{}
	}
	b, err := dh.NewHessianCodec(nil).Write(svc, dh.DubboHeader{SerialID: 2, Type: typ, ID: id}, dh.NewRequest(args, atts))
	require.NoError(t, err)
	return b
}

// libResponse writes a response with the library's codec.
func libResponse(t testing.TB, id int64, status byte, heartbeat bool, body any) []byte {
	t.Helper()
	typ := dh.PackageResponse
	if heartbeat {
		typ = dh.PackageHeartbeat
	}
	b, err := dh.NewHessianCodec(nil).Write(dh.Service{}, dh.DubboHeader{SerialID: 2, Type: typ, ID: id, ResponseStatus: status}, body)
	require.NoError(t, err)
	return b
}

// libFrame is what the library makes of a frame.
type libFrame struct {
	Header dh.DubboHeader
	// Requests.
	DubboVersion, Path, Version, Method, Types string
	Args                                       []any
	Attachments                                map[string]any
	// Responses.
	Value     any
	Exception error
}

// libDecode reads one whole frame with the library's codec.
func libDecode(t testing.TB, b []byte) libFrame {
	t.Helper()
	lf, err := tryLibDecode(b)
	require.NoError(t, err, "the library cannot read % x", b)
	return lf
}

// tryLibDecode is libDecode reporting the library's errors and panics.
func tryLibDecode(b []byte) (lf libFrame, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("library panic: %v", r)
		}
	}()
	c := dh.NewHessianCodec(bufio.NewReaderSize(bytes.NewReader(b), len(b)+16))
	if err := c.ReadHeader(&lf.Header); err != nil {
		return lf, err
	}
	h := lf.Header
	switch {
	case h.Type&dh.PackageHeartbeat != 0 && h.ResponseStatus == dh.Response_OK || h.Type&dh.PackageHeartbeat != 0 && h.Type&dh.PackageRequest != 0:
		return lf, c.ReadBody(nil)
	case h.Type&dh.PackageRequest != 0:
		req := make([]any, 7)
		if err := c.ReadBody(req); err != nil {
			return lf, err
		}
		lf.DubboVersion, _ = req[0].(string)
		lf.Path, _ = req[1].(string)
		lf.Version, _ = req[2].(string)
		lf.Method, _ = req[3].(string)
		lf.Types, _ = req[4].(string)
		lf.Args, _ = req[5].([]any)
		lf.Attachments, _ = req[6].(map[string]any)
	default:
		resp := dh.NewResponse(nil, nil, nil)
		if err := c.ReadBody(resp); err != nil {
			return lf, err
		}
		lf.Value, lf.Exception, lf.Attachments = resp.RspObj, resp.Exception, resp.Attachments
	}
	return lf, nil
}

// decode decodes one whole frame with the package Decode.
func decode(t testing.TB, b []byte) *dubbo.Frame {
	t.Helper()
	f, n, err := dubbo.Decode(b, 0)
	require.NoError(t, err)
	require.Equal(t, len(b), n)
	return f
}

// encode writes a frame through a session, as the proxy does.
func encode(t testing.TB, f xprotocol.Frame) []byte {
	t.Helper()
	b, err := dubbo.Proto.NewSession(xprotocol.SessionOptions{}).Encode(nil, f)
	require.NoError(t, err)
	return b
}

// headers collects the header view in wire order.
func headers(f xprotocol.Frame) [][2]string {
	out := [][2]string{}
	f.Header().Range(func(k, v []byte) bool {
		out = append(out, [2]string{string(k), string(v)})
		return true
	})
	return out
}

// attachmentsOf collects the attachment part of the header view as the
// library would see string attachments (a map; the last value of a key).
func attachmentsOf(f *dubbo.Frame) map[string]string {
	out := map[string]string{}
	skip := 0
	if f.Kind() != xprotocol.KindResponse {
		skip = 5 // the leading strings come first
	}
	f.Header().Range(func(k, v []byte) bool {
		if skip > 0 {
			skip--
			return true
		}
		out[string(k)] = string(v)
		return true
	})
	return out
}

// stringAttachments keeps the library's string attachments, rendering the
// other scalars as the header view does.
func stringAttachments(m map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = v
		case int32, int64:
			out[k] = fmt.Sprint(v)
		case bool:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

var typicalService = dh.Service{Path: "com.example.EchoService", Interface: "com.example.EchoService",
	Method: "echo", Version: "1.0.0", Group: "gz", Timeout: 3 * time.Second}
