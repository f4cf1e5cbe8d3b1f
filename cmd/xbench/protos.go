package main

import (
	"encoding"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/protobuf/proto"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/dubbo"
	"github.com/xgate/xgate/codecs/http2"
	"github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/xprotocol"
)

// Protocols the tool drives.
var protocolNames = []string{"bolt", "dubbo", "thrift", "http1", "h2", "grpc"}

// thriftVariants maps -variant values to Thrift variants.
var thriftVariants = map[string]thrift.Variant{
	"framed-binary":  thrift.BinaryFramed,
	"framed-compact": thrift.CompactFramed,
	"binary":         thrift.BinaryUnframed,
	"compact":        thrift.CompactUnframed,
}

// Names of the services and methods called (the echo servers' own).
const (
	boltService  = "com.example.EchoService"
	dubboService = "com.example.EchoService"
	echoMethod   = "echo"
	grpcPath     = "/grpc.testing.TestService/UnaryCall"
	httpPath     = "/echo"
)

// newSpec returns the driver of protocol (and variant, for Thrift) for
// requests carrying payload bytes to addr.
func newSpec(protocol, variant, addr string, payload int) (*protoSpec, error) {
	body := make([]byte, payload)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	switch protocol {
	case "bolt":
		f, err := bolt.Build(bolt.Message{Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: 1,
			Timeout: 3 * time.Second, Class: "java.lang.String",
			Headers: [][2]string{{"service", boltService}, {"sofa_head_method_name", echoMethod}}, Content: body})
		if err != nil {
			return nil, fmt.Errorf("building the bolt request: %w", err)
		}
		return templateSpec(bolt.Proto, 0, f, 32, func(b []byte, id uint64) {
			binary.BigEndian.PutUint32(b[5:], uint32(id)) // proto, type, cmdcode(2), ver2, requestId
		}, nil)
	case "dubbo":
		f, err := dubbo.BuildRequest(dubbo.Request{ID: 1, Path: dubboService, Version: "1.0.0", Method: echoMethod,
			ParamTypes: "Ljava/lang/String;", Args: []any{string(body)},
			Attachments: []dubbo.Attachment{{Key: "path", Value: dubboService}, {Key: "interface", Value: dubboService},
				{Key: "version", Value: "1.0.0"}, {Key: "timeout", Value: "3000"}}})
		if err != nil {
			return nil, fmt.Errorf("building the dubbo request: %w", err)
		}
		return templateSpec(dubbo.Proto, 0, f, 62, func(b []byte, id uint64) {
			binary.BigEndian.PutUint64(b[4:], id) // magic(2), flag, status, id
		}, nil)
	case "thrift":
		v, ok := thriftVariants[variant]
		if !ok {
			return nil, fmt.Errorf("unknown thrift variant %q (framed-binary, framed-compact, binary, compact)", variant)
		}
		return thriftSpec(v, body)
	case "http1":
		return http1Spec(addr, body), nil
	case "h2":
		fields := [][2]string{{":method", "POST"}, {":scheme", "http"}, {":authority", addr}, {":path", httpPath},
			{"content-type", "application/octet-stream"}, {"content-length", strconv.Itoa(len(body))}}
		return h2Spec(fields, body), nil
	case "grpc":
		msg, err := proto.Marshal(&grpc_testing.SimpleRequest{ResponseSize: int32(payload),
			Payload: &grpc_testing.Payload{Body: body}})
		if err != nil {
			return nil, fmt.Errorf("marshalling the grpc request: %w", err)
		}
		framed := binary.BigEndian.AppendUint32([]byte{0}, uint32(len(msg)))
		framed = append(framed, msg...)
		fields := [][2]string{{":method", "POST"}, {":scheme", "http"}, {":authority", addr}, {":path", grpcPath},
			{"content-type", "application/grpc"}, {"te", "trailers"}}
		return h2Spec(fields, framed), nil
	}
	return nil, fmt.Errorf("unknown protocol %q (%s)", protocol, strings.Join(protocolNames, ", "))
}

// thriftSpec drives Echo.echo(msg) in variant v. Compact seqids are kept
// four varint bytes long (bit 21 set) so they can be patched in place.
func thriftSpec(v thrift.Variant, body []byte) (*protoSpec, error) {
	var args []byte
	if v.Compact() {
		args = append(args, 0x18) // field delta 1, type binary
		args = binary.AppendUvarint(args, uint64(len(body)))
	} else {
		args = append(args, 11, 0, 1) // type string, field id 1
		args = binary.BigEndian.AppendUint32(args, uint32(len(body)))
	}
	args = append(append(args, body...), 0) // STOP
	const compactBit = 1 << 21
	f, err := thrift.Build(thrift.Message{Variant: v, Type: thrift.TypeCall, Name: echoMethod, SeqID: compactBit, Body: args})
	if err != nil {
		return nil, fmt.Errorf("building the thrift request: %w", err)
	}
	prefix := 0
	if v.Framed() {
		prefix = 4
	}
	put := func(b []byte, id uint64) { // version(4), name length(4), name, seqid(4)
		binary.BigEndian.PutUint32(b[prefix+8+len(echoMethod):], uint32(id))
	}
	bits, unwire := uint(31), func(id uint64) uint64 { return id }
	if v.Compact() {
		bits, unwire = 21, func(id uint64) uint64 { return id &^ compactBit }
		put = func(b []byte, id uint64) { // protocol id, type and version, seqid varint
			s := id | compactBit
			p := b[prefix+2:]
			p[0], p[1], p[2], p[3] = byte(s)|0x80, byte(s>>7)|0x80, byte(s>>14)|0x80, byte(s>>21)
		}
	}
	spec, err := templateSpec(thrift.Proto, uint8(v), f, bits, put, unwire)
	if err != nil {
		return nil, err
	}
	if !v.Framed() {
		spec.inOrder = true
		spec.maxInFlight = 1 // see the package doc: pipelined unframed calls look oneway to a gateway
	}
	return spec, nil
}

// templateSpec drives a single-message protocol by patching the id of a
// prebuilt request; responses are decoded by the codec's client session.
func templateSpec(p xprotocol.Protocol, variant uint8, f interface {
	encoding.BinaryAppender
	Release()
}, bits uint, put func(b []byte, id uint64), unwire func(uint64) uint64) (*protoSpec, error) {
	tmpl, err := f.AppendBinary(nil)
	f.Release()
	if err != nil {
		return nil, fmt.Errorf("encoding the %s request: %w", p.Name(), err)
	}
	if unwire == nil {
		unwire = func(id uint64) uint64 { return id }
	}
	// Check the patch: the codec must read back the id written.
	probe := append([]byte(nil), tmpl...)
	const want = 0x12345
	put(probe, want)
	g, _, err := p.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleServer}).Decode(probe)
	if err != nil {
		return nil, fmt.Errorf("decoding the %s request template: %w", p.Name(), err)
	}
	got := unwire(g.StreamID())
	g.Release()
	if got != want {
		return nil, fmt.Errorf("%s request template: id patched as %#x, read back %#x", p.Name(), want, got)
	}
	return &protoSpec{idBits: bits, newConn: func() (clientConn, error) {
		return &templateConn{tmpl: tmpl, put: put, unwire: unwire,
			sess: p.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleClient, Variant: variant})}, nil
	}}, nil
}

// templateConn is a templateSpec connection.
type templateConn struct {
	tmpl   []byte
	put    func(b []byte, id uint64)
	unwire func(uint64) uint64
	sess   xprotocol.Session
}

func (c *templateConn) appendRequest(dst []byte, id uint64) ([]byte, error) {
	n := len(dst)
	dst = append(dst, c.tmpl...)
	c.put(dst[n:], id)
	return dst, nil
}

func (c *templateConn) parse(src []byte) (reply, int, error) {
	f, n, err := c.sess.Decode(src)
	if err != nil || f == nil {
		return reply{}, n, err
	}
	defer f.Release()
	if f.Kind() != xprotocol.KindResponse || f.Heartbeat() {
		return reply{}, n, nil
	}
	r := reply{id: c.unwire(f.StreamID()), done: true}
	if st := f.Status(); st != xprotocol.StatusOK {
		r.failed = st.String()
	}
	return r, n, nil
}

func (c *templateConn) appendPending(dst []byte) []byte { return dst }

// h2Spec drives HTTP/2 (and gRPC) requests through the codec's client
// session: it numbers streams, keeps HPACK state and flow control, and
// acknowledges SETTINGS and PING.
func h2Spec(fields [][2]string, body []byte) *protoSpec {
	return &protoSpec{idBits: 62, newConn: func() (clientConn, error) {
		return &h2Conn{fields: fields, body: body,
			sess: http2.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleClient})}, nil
	}}
}

// h2Conn is an h2Spec connection.
type h2Conn struct {
	fields [][2]string
	body   []byte
	sess   xprotocol.Session
	failed map[uint64]string // streams whose head reported a failure
}

func (c *h2Conn) appendRequest(dst []byte, id uint64) ([]byte, error) {
	f := http2.NewRequest(id, c.fields, c.body, true)
	defer f.Release()
	return c.sess.Encode(dst, f)
}

func (c *h2Conn) parse(src []byte) (reply, int, error) {
	f, n, err := c.sess.Decode(src)
	if err != nil || f == nil {
		return reply{}, n, err
	}
	defer f.Release()
	r := reply{id: f.StreamID(), done: f.EndStream()}
	switch f.Kind() {
	case xprotocol.KindGoAway:
		return reply{}, n, fmt.Errorf("GOAWAY: %s", f.Status())
	case xprotocol.KindReset:
		r.done, r.failed = true, "reset "+f.Status().String()
	default:
		if st := f.Status(); st != xprotocol.StatusOK {
			r.failed = st.String()
		}
	}
	if r.failed != "" && !r.done {
		if c.failed == nil {
			c.failed = map[uint64]string{}
		}
		c.failed[r.id] = r.failed
	} else if r.done && c.failed != nil {
		if why, ok := c.failed[r.id]; ok {
			delete(c.failed, r.id)
			r.failed = why
		}
	}
	return r, n, nil
}

func (c *h2Conn) appendPending(dst []byte) []byte {
	if fl, ok := c.sess.(xprotocol.Flusher); ok {
		return fl.AppendPending(dst)
	}
	return dst
}
