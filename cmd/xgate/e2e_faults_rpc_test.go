package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	dh "dubbo.apache.org/dubbo-go/v3/protocol/dubbo/hessian2"
	athrift "github.com/apache/thrift/lib/go/thrift"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xhttp2 "golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"

	"github.com/xgate/xgate/codecs/dubbo"
	"github.com/xgate/xgate/codecs/dubbo/dubbopeer"
	xthrift "github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/codecs/thrift/thriftpeer"
	"github.com/xgate/xgate/conformance/grpcpeer"
	"github.com/xgate/xgate/conformance/thrift/gen-go/echo"
)

// The adversary fault tests of e2e_faults_test.go for the RPC protocols:
// Dubbo, Thrift (binary, framed and unframed) and gRPC.

const dubboDemo = "com.example.DemoService"

// rpcRoute is one route line and the cluster it sends to.
type rpcRoute struct {
	match    string // the route's match, YAML flow style; "" for none
	cluster  string
	protocol string // the cluster's protocol
	endpoint string
}

// startRPCFaultEnv starts a gateway with one auto listener and a cluster
// per route (in order), and records its idle goroutine count.
func startRPCFaultEnv(t *testing.T, routes ...rpcRoute) *faultEnv {
	t.Helper()
	var rs, cs strings.Builder
	for _, r := range routes {
		fmt.Fprintf(&rs, "      - {match: {%s}, cluster: %s}\n", r.match, r.cluster)
		fmt.Fprintf(&cs, "  - {name: %s, protocol: %s, endpoints: [%s], request_timeout: 3s, connect_timeout: 500ms}\n",
			r.cluster, r.protocol, r.endpoint)
	}
	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    protocols: [auto]
    routes:
%sclusters:
%s`, rs.String(), cs.String()))
	return &faultEnv{g: g, baseGoroutines: g.metric("go_goroutines")}
}

// dubboRequestBytes is one two-way Dubbo request (hessian2), encoded by
// dubbo-go's codec.
func dubboRequestBytes(t *testing.T, id int64, service, arg string) []byte {
	t.Helper()
	b, err := dh.NewHessianCodec(nil).Write(
		dh.Service{Path: service, Interface: service, Method: "echo", Timeout: 5 * time.Second},
		dh.DubboHeader{SerialID: 2, Type: dh.PackageRequest_TwoWay, ID: id},
		dh.NewRequest([]any{arg}, map[string]any{}))
	require.NoError(t, err)
	return b
}

// thriftBinary returns the Apache library's binary protocol over trans,
// framed or not.
func thriftBinary(trans athrift.TTransport, framed bool) athrift.TProtocol {
	conf := &athrift.TConfiguration{}
	if framed {
		trans = athrift.NewTFramedTransportConf(trans, conf)
	}
	return athrift.NewTBinaryProtocolConf(trans, conf)
}

// thriftMessage is one binary Thrift message (framed or not) written by
// the Apache library: body is its struct (EchoEchoArgs or EchoEchoResult).
func thriftMessage(framed bool, name string, typ athrift.TMessageType, seq int32, body athrift.TStruct) ([]byte, error) {
	ctx := context.Background()
	mem := athrift.NewTMemoryBuffer()
	p := thriftBinary(mem, framed)
	if err := p.WriteMessageBegin(ctx, name, typ, seq); err != nil {
		return nil, err
	}
	if err := body.Write(ctx, p); err != nil {
		return nil, err
	}
	if err := p.WriteMessageEnd(ctx); err != nil {
		return nil, err
	}
	if err := p.Flush(ctx); err != nil {
		return nil, err
	}
	return mem.Bytes(), nil
}

// thriftCallBytes is one binary Thrift echo call.
func thriftCallBytes(t *testing.T, framed bool, name string, seq int32, msg string) []byte {
	t.Helper()
	b, err := thriftMessage(framed, name, athrift.CALL, seq, &echo.EchoEchoArgs{Msg: msg})
	require.NoError(t, err)
	return b
}

// TestFaultRPCClientResetMidFrame: a client that sends half a Dubbo frame,
// or half a binary Thrift message (framed, and unframed), and then resets
// the connection is dropped: nothing reaches the upstream, the close is
// counted (xgate_downstream_incomplete_closes_total), the gateway's
// goroutines settle and it keeps serving the protocol.
func TestFaultRPCClientResetMidFrame(t *testing.T) {
	dub := dubboServer(t, dubbopeer.ServerOptions{Name: "dubbo"})
	framed := thriftServer(t, thriftpeer.ServerOptions{Variant: xthrift.BinaryFramed, Multiplexed: true, Name: "framed"})
	unframed := thriftServer(t, thriftpeer.ServerOptions{Variant: xthrift.BinaryUnframed, Name: "unframed"})
	e := startRPCFaultEnv(t,
		rpcRoute{"protocol: dubbo", "dubbo", "dubbo", dub.Addr()},
		// Multiplexed ("Echo:echo") names are the framed clients', plain
		// ones the unframed clients'.
		rpcRoute{"protocol: thrift, service: Echo", "thrift-framed", "thrift", framed.Addr()},
		rpcRoute{"protocol: thrift", "thrift-unframed", "thrift", unframed.Addr()})

	arg := strings.Repeat("x", 300)
	cases := []struct {
		name, protocol string
		whole          []byte
		upstream       func() int64
		serves         func(t *testing.T)
	}{
		{
			name: "dubbo", protocol: "dubbo", whole: dubboRequestBytes(t, 9, dubboDemo, arg), upstream: dub.Requests,
			serves: func(t *testing.T) {
				r, err := dialDubbo(t, e.g.addr).Call(ctxTimeout(t, 10*time.Second), dubboDemo, "echo", "after")
				require.NoError(t, err)
				assert.EqualValues(t, dubboOK, r.Status)
				assert.Equal(t, "after", r.Value)
			},
		},
		{
			name: "thrift-framed", protocol: "thrift", upstream: func() int64 { return int64(len(framed.Calls())) },
			whole: thriftCallBytes(t, true, "Echo:echo", 9, arg),
			serves: func(t *testing.T) {
				c := dialThrift(t, e.g.addr, thriftpeer.ClientOptions{Variant: xthrift.BinaryFramed, Multiplexed: true, Timeout: 10 * time.Second})
				got, err := c.Echo.Echo(ctxTimeout(t, 10*time.Second), "after")
				require.NoError(t, err)
				assert.Equal(t, "after", got)
			},
		},
		{
			name: "thrift-unframed", protocol: "thrift", upstream: func() int64 { return int64(len(unframed.Calls())) },
			whole: thriftCallBytes(t, false, "echo", 9, arg),
			serves: func(t *testing.T) {
				c := dialThrift(t, e.g.addr, thriftpeer.ClientOptions{Variant: xthrift.BinaryUnframed, Timeout: 10 * time.Second})
				got, err := c.Echo.Echo(ctxTimeout(t, 10*time.Second), "after")
				require.NoError(t, err)
				assert.Equal(t, "after", got)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			matched := fmt.Sprintf(`xgate_detect_total{listener="edge",protocol="%s",result="matched"}`, tc.protocol)
			detected := e.g.metric(matched)
			abandoned := e.g.metric(`xgate_downstream_incomplete_closes_total{listener="edge"}`)
			requests := e.g.metric(`xgate_downstream_requests_total{listener="edge",protocol="` + tc.protocol + `"}`)
			before := tc.upstream()
			c := dialRaw(t, e.g.addr)
			_, err := c.Write(tc.whole[:len(tc.whole)/2])
			require.NoError(t, err)
			// The gateway has read the partial frame once it has told the
			// protocol; then the client resets.
			e.waitMetric(t, matched, detected+1)
			reset(t, c)
			e.waitMetric(t, `xgate_downstream_incomplete_closes_total{listener="edge"}`, abandoned+1)
			e.settled(t)
			assert.Equal(t, before, tc.upstream(), "nothing reached the upstream")
			assert.Equal(t, requests, e.g.metric(`xgate_downstream_requests_total{listener="edge",protocol="`+tc.protocol+`"}`),
				"the half frame was not taken for a request")
			tc.serves(t)
		})
	}
	e.settled(t)
}

// dubboHalfReply reads one Dubbo request and answers half of an OK
// response to it, then resets: the upstream dies mid-response.
func dubboHalfReply(c *net.TCPConn) {
	var hdr [dh.HEADER_LENGTH]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return
	}
	if _, err := io.CopyN(io.Discard, c, int64(binary.BigEndian.Uint32(hdr[12:16]))); err != nil {
		return
	}
	id := int64(binary.BigEndian.Uint64(hdr[4:12]))
	resp, err := dh.NewHessianCodec(nil).Write(dh.Service{},
		dh.DubboHeader{SerialID: 2, Type: dh.PackageResponse, ID: id, ResponseStatus: dh.Response_OK},
		dh.NewResponse(strings.Repeat("r", 200), nil, map[string]any{}))
	if err != nil {
		return
	}
	_, _ = c.Write(resp[:len(resp)/2])
	_ = c.SetLinger(0)
}

// thriftHalfReply reads one binary Thrift call (framed or not) with the
// Apache library and answers half of its reply, then resets.
func thriftHalfReply(framed bool) func(c *net.TCPConn) {
	return func(c *net.TCPConn) {
		ctx := context.Background()
		in := thriftBinary(athrift.NewTSocketFromConnConf(c, &athrift.TConfiguration{}), framed)
		name, _, seq, err := in.ReadMessageBegin(ctx)
		if err != nil {
			return
		}
		if err := in.Skip(ctx, athrift.STRUCT); err != nil {
			return
		}
		if err := in.ReadMessageEnd(ctx); err != nil {
			return
		}
		if i := strings.IndexByte(name, ':'); i >= 0 {
			name = name[i+1:] // a multiplexing server answers the bare name
		}
		ok := strings.Repeat("r", 200)
		reply, err := thriftMessage(framed, name, athrift.REPLY, seq, &echo.EchoEchoResult{Success: &ok})
		if err != nil {
			return
		}
		_, _ = c.Write(reply[:len(reply)/2])
		_ = c.SetLinger(0)
	}
}

// h2Request serves HTTP/2 on c as a server until a request stream has
// ended, and returns its id and a framer on c.
func h2Request(c *net.TCPConn) (*xhttp2.Framer, uint32, bool) {
	preface := make([]byte, len(xhttp2.ClientPreface))
	if _, err := io.ReadFull(c, preface); err != nil || string(preface) != xhttp2.ClientPreface {
		return nil, 0, false
	}
	fr := xhttp2.NewFramer(c, c)
	if err := fr.WriteSettings(); err != nil {
		return nil, 0, false
	}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return nil, 0, false
		}
		switch f := f.(type) {
		case *xhttp2.SettingsFrame:
			if !f.IsAck() {
				if err := fr.WriteSettingsAck(); err != nil {
					return nil, 0, false
				}
			}
		case *xhttp2.HeadersFrame:
			if f.StreamEnded() {
				return fr, f.StreamID, true
			}
		case *xhttp2.DataFrame:
			if f.StreamEnded() {
				return fr, f.StreamID, true
			}
		}
	}
}

// grpcResponseHead is an encoded HEADERS frame of a gRPC response head.
func grpcResponseHead(stream uint32) []byte {
	var hb, out bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	_ = enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
	_ = enc.WriteField(hpack.HeaderField{Name: "content-type", Value: "application/grpc"})
	_ = xhttp2.NewFramer(&out, nil).WriteHeaders(xhttp2.HeadersFrameParam{StreamID: stream, BlockFragment: hb.Bytes(), EndHeaders: true})
	return out.Bytes()
}

// grpcMessageFrame is an encoded DATA frame of one gRPC message of n bytes.
func grpcMessageFrame(stream uint32, n int) []byte {
	msg := make([]byte, 5+n)
	binary.BigEndian.PutUint32(msg[1:5], uint32(n))
	var out bytes.Buffer
	_ = xhttp2.NewFramer(&out, nil).WriteData(stream, false, msg)
	return out.Bytes()
}

// TestFaultRPCUpstreamResetMidResponse: an upstream that reads a request,
// writes half of its response and resets the connection. The client gets
// the protocol's error reply for its own request, not a hang or a broken
// connection: Dubbo a CHANNEL_INACTIVE response to the request's id;
// Thrift (binary framed and unframed) a TApplicationException
// INTERNAL_ERROR the Apache generated client raises; gRPC status
// UNAVAILABLE when the response head had not reached the client, and the
// stream reset with INTERNAL_ERROR (grpc-go: codes.Internal) when it had.
// Each time the upstream close is counted as remote, the reply as the
// gateway's own "unavailable" (not a timeout), the request is not tried
// again, the client's connection keeps working and the gateway's
// goroutines settle.
func TestFaultRPCUpstreamResetMidResponse(t *testing.T) {
	dubboReset := startRawBackend(t, dubboHalfReply)
	dubboResetMany := startRawBackend(t, dubboHalfReply)
	framedReset := startRawBackend(t, thriftHalfReply(true))
	unframedReset := startRawBackend(t, thriftHalfReply(false))
	grpcHead := startRawBackend(t, func(c *net.TCPConn) {
		if _, stream, ok := h2Request(c); ok {
			head := grpcResponseHead(stream)
			_, _ = c.Write(head[:len(head)/2])
			_ = c.SetLinger(0)
		}
	})
	headSeen := make(chan struct{}, 1)
	grpcBody := startRawBackend(t, func(c *net.TCPConn) {
		if _, stream, ok := h2Request(c); ok {
			data := grpcMessageFrame(stream, 200)
			_, _ = c.Write(append(grpcResponseHead(stream), data[:len(data)/2]...))
			select {
			case <-headSeen: // the client has the head
			case <-time.After(10 * time.Second):
			}
			_ = c.SetLinger(0)
		}
	})
	dub := dubboServer(t, dubbopeer.ServerOptions{Name: "dubbo"})
	framed := thriftServer(t, thriftpeer.ServerOptions{Variant: xthrift.BinaryFramed, Multiplexed: true, Name: "framed"})
	unframed := thriftServer(t, thriftpeer.ServerOptions{Variant: xthrift.BinaryUnframed, Name: "unframed"})
	gbe := grpcBackend(t, grpcpeer.Options{Name: "grpc"})
	e := startRPCFaultEnv(t,
		rpcRoute{"protocol: dubbo, service: com.example.Reset", "dubbo-reset", "dubbo", dubboReset.Addr()},
		rpcRoute{"protocol: dubbo, service: com.example.ResetMany", "dubbo-reset-many", "dubbo", dubboResetMany.Addr()},
		rpcRoute{"protocol: dubbo", "dubbo", "dubbo", dub.Addr()},
		rpcRoute{"protocol: thrift, service: Echo", "thrift-framed-reset", "thrift", framedReset.Addr()},
		rpcRoute{"protocol: thrift, service: Calc", "thrift-framed", "thrift", framed.Addr()},
		rpcRoute{"protocol: thrift, method: echo", "thrift-unframed-reset", "thrift", unframedReset.Addr()},
		rpcRoute{"protocol: thrift", "thrift-unframed", "thrift", unframed.Addr()},
		rpcRoute{"protocol: grpc, service: head.Service", "grpc-head", "grpc", grpcHead.Addr()},
		rpcRoute{"protocol: grpc, service: body.Service", "grpc-body", "grpc", grpcBody.Addr()},
		rpcRoute{"protocol: grpc", "grpc", "grpc", gbe.Addr()})
	remote := func(cluster string) string {
		return fmt.Sprintf(`xgate_upstream_connections_closed_total{cluster="%s",reason="remote"}`, cluster)
	}
	const (
		unavailable = `xgate_local_replies_total{listener="edge",status="unavailable"}`
		timeouts    = `xgate_local_replies_total{listener="edge",status="timeout"}`
		accepted    = `xgate_downstream_connections_total{listener="edge"}`
	)
	// replied checks the gateway's own reply was counted as unavailable
	// (not a timeout) and the upstream close as remote, once.
	replied := func(t *testing.T, cluster string, unavailableBefore, timeoutsBefore float64, be *rawBackend) {
		t.Helper()
		e.waitMetric(t, unavailable, unavailableBefore+1)
		e.waitMetric(t, remote(cluster), 1)
		assert.Equal(t, timeoutsBefore, e.g.metric(timeouts), "the reply was not a timeout")
		assert.Equal(t, int64(1), be.conns.Load(), "the request was not tried again")
	}

	t.Run("dubbo", func(t *testing.T) {
		ub, tb := e.g.metric(unavailable), e.g.metric(timeouts)
		c := dialRaw(t, e.g.addr)
		const id = 0x0102030405
		_, err := c.Write(dubboRequestBytes(t, id, "com.example.Reset", "x"))
		require.NoError(t, err)
		// Read the reply by hand, to see its id and status byte.
		var hdr [dh.HEADER_LENGTH]byte
		_, err = io.ReadFull(c, hdr[:])
		require.NoError(t, err, "an error reply, not a broken connection")
		assert.Equal(t, []byte{0xda, 0xbb}, hdr[:2])
		assert.Zero(t, hdr[2]&0x80, "a response (no request flag)")
		assert.EqualValues(t, id, binary.BigEndian.Uint64(hdr[4:12]), "the reply answers the request's id")
		assert.Equal(t, dubbo.StatusChannelInactive, dubbo.RespStatus(hdr[3]), "got %v", dubbo.RespStatus(hdr[3]))
		body := make([]byte, binary.BigEndian.Uint32(hdr[12:16]))
		_, err = io.ReadFull(c, body)
		require.NoError(t, err, "a whole reply")
		replied(t, "dubbo-reset", ub, tb, dubboReset)

		// dubbo-go's client reads it as an error response; the
		// connection is still good.
		conns := e.g.metric(accepted)
		dc := dialDubbo(t, e.g.addr)
		r, err := dc.Call(ctxTimeout(t, 10*time.Second), dubboDemo, "echo", "ok")
		require.NoError(t, err)
		assert.EqualValues(t, dubboOK, r.Status)
		r, err = dc.Call(ctxTimeout(t, 10*time.Second), "com.example.Reset", "echo", "x")
		require.NoError(t, err, "an error reply, not a broken connection")
		assert.Equal(t, dubbo.StatusChannelInactive, dubbo.RespStatus(r.Status))
		assert.NotEmpty(t, r.ErrorMessage)
		r, err = dc.Call(ctxTimeout(t, 10*time.Second), dubboDemo, "echo", "still")
		require.NoError(t, err, "the client's connection lives on")
		assert.Equal(t, "still", r.Value)
		assert.Equal(t, conns+1, e.g.metric(accepted), "one client connection throughout")
	})
	t.Run("dubbo/multiplexed", func(t *testing.T) {
		// Several requests in flight on one client connection when the
		// upstream resets: each gets its own error reply, by its own id.
		ub := e.g.metric(unavailable)
		c := dialRaw(t, e.g.addr)
		ids := []int64{101, 102, 103}
		var reqs []byte
		for _, id := range ids {
			reqs = append(reqs, dubboRequestBytes(t, id, "com.example.ResetMany", "x")...)
		}
		_, err := c.Write(reqs)
		require.NoError(t, err)
		var got []int64
		for range ids {
			var hdr [dh.HEADER_LENGTH]byte
			_, err = io.ReadFull(c, hdr[:])
			require.NoError(t, err, "an error reply, not a broken connection")
			assert.Equal(t, dubbo.StatusChannelInactive, dubbo.RespStatus(hdr[3]), "got %v", dubbo.RespStatus(hdr[3]))
			got = append(got, int64(binary.BigEndian.Uint64(hdr[4:12])))
			_, err = io.CopyN(io.Discard, c, int64(binary.BigEndian.Uint32(hdr[12:16])))
			require.NoError(t, err, "a whole reply")
		}
		assert.ElementsMatch(t, ids, got, "one reply per request id")
		e.waitMetric(t, unavailable, ub+float64(len(ids)))
		e.waitMetric(t, remote("dubbo-reset-many"), 1)
	})
	for _, v := range []xthrift.Variant{xthrift.BinaryFramed, xthrift.BinaryUnframed} {
		t.Run("thrift-"+v.String(), func(t *testing.T) {
			cluster, be := "thrift-framed-reset", framedReset
			if !v.Framed() {
				cluster, be = "thrift-unframed-reset", unframedReset
			}
			ub, tb := e.g.metric(unavailable), e.g.metric(timeouts)
			conns := e.g.metric(accepted)
			c := dialThrift(t, e.g.addr, thriftpeer.ClientOptions{Variant: v, Multiplexed: v.Framed(), Timeout: 10 * time.Second})
			ctx := ctxTimeout(t, 10*time.Second)
			_, err := c.Echo.Echo(ctx, "x")
			var ae athrift.TApplicationException
			require.ErrorAs(t, err, &ae, "an exception, not a broken connection or a hang")
			assert.EqualValues(t, athrift.INTERNAL_ERROR, ae.TypeId(), "%v (not BAD_SEQUENCE_ID: the reply is the call's)", ae)
			replied(t, cluster, ub, tb, be)
			// The client's connection lives on.
			if v.Framed() {
				p, err := c.Calc.Mul(ctx, 6, 7)
				require.NoError(t, err)
				assert.EqualValues(t, 42, p)
			} else {
				sum, err := c.Echo.Add(ctx, 2, 40)
				require.NoError(t, err)
				assert.EqualValues(t, 42, sum)
			}
			assert.Equal(t, conns+1, e.g.metric(accepted), "one client connection throughout")
		})
	}
	t.Run("grpc/head", func(t *testing.T) {
		ub, tb, conns := e.g.metric(unavailable), e.g.metric(timeouts), e.g.metric(accepted)
		cc := grpcDial(t, e.g.addr)
		ctx := ctxTimeout(t, 10*time.Second)
		err := cc.Invoke(ctx, "/head.Service/Call", &testpb.Empty{}, &testpb.Empty{})
		assert.Equal(t, codes.Unavailable, status.Code(err), "%v", err)
		replied(t, "grpc-head", ub, tb, grpcHead)
		_, err = grpcpeer.Unary(ctx, cc, 10, 10)
		require.NoError(t, err, "the client's connection lives on")
		assert.Equal(t, conns+1, e.g.metric(accepted), "one client connection throughout")
	})
	t.Run("grpc/body", func(t *testing.T) {
		conns := e.g.metric(accepted)
		cc := grpcDial(t, e.g.addr)
		ctx := ctxTimeout(t, 10*time.Second)
		s, err := cc.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, "/body.Service/Stream")
		require.NoError(t, err)
		require.NoError(t, s.SendMsg(&testpb.Empty{}))
		require.NoError(t, s.CloseSend())
		md, err := s.Header()
		require.NoError(t, err)
		assert.Equal(t, []string{"application/grpc"}, md.Get("content-type"), "the head was forwarded")
		headSeen <- struct{}{}
		err = s.RecvMsg(&testpb.Empty{})
		assert.Equal(t, codes.Internal, status.Code(err), "%v", err)
		assert.Contains(t, fmt.Sprint(err), "INTERNAL_ERROR",
			"a RST_STREAM INTERNAL_ERROR, not REFUSED_STREAM: the request was processed")
		e.waitMetric(t, remote("grpc-body"), 1)
		assert.Equal(t, int64(1), grpcBody.conns.Load(), "the request was not tried again")
		_, err = grpcpeer.Unary(ctx, cc, 10, 10)
		require.NoError(t, err, "the client's connection lives on")
		assert.Equal(t, conns+1, e.g.metric(accepted), "one client connection throughout")
	})
	e.settled(t) // the subtests' clients were closed by their cleanups
}

// TestFaultGRPCClientAbortMidStream: a grpc-go client that cancels a
// client-streaming call after sending part of it has the cancel relayed:
// the backend's handler sees its stream cancelled (grpcpeer counts it),
// the gateway counts a client stream reset, the client's connection keeps
// working and the gateway's goroutines settle.
func TestFaultGRPCClientAbortMidStream(t *testing.T) {
	be := grpcBackend(t, grpcpeer.Options{Name: "grpc"})
	e := startRPCFaultEnv(t, rpcRoute{"protocol: grpc", "grpc", "grpc", be.Addr()})
	resets := e.g.metric(`xgate_downstream_stream_resets_total{listener="edge"}`)
	cc, err := grpcpeer.Dial(e.g.addr)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := grpcpeer.Client(cc).StreamingInputCall(ctx)
	require.NoError(t, err)
	for range 3 {
		require.NoError(t, stream.Send(&testpb.StreamingInputCallRequest{Payload: grpcpeer.NewPayload(1000)}))
	}
	require.NoError(t, be.WaitRequests(ctxTimeout(t, 10*time.Second), 1), "the call reached the backend")
	cancel()
	_, err = stream.CloseAndRecv()
	assert.Equal(t, codes.Canceled, status.Code(err), "%v", err)
	require.NoError(t, be.WaitCancelled(ctxTimeout(t, 10*time.Second), 1), "the backend's stream was cancelled")
	e.waitMetric(t, `xgate_downstream_stream_resets_total{listener="edge"}`, resets+1)
	// The client's connection lives on.
	total, err := grpcpeer.ClientStream(ctxTimeout(t, 10*time.Second), cc, []int{1, 2, 3})
	require.NoError(t, err)
	assert.Equal(t, 6, total)
	assert.Equal(t, 1.0, e.g.metric(`xgate_downstream_connections_total{listener="edge"}`), "one client connection throughout")
	require.NoError(t, cc.Close())
	e.settled(t)
}
