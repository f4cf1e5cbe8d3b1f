package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
	"github.com/xgate/xgate/codecs/dubbo/dubbopeer"
	xthrift "github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/codecs/thrift/thriftpeer"
	"github.com/xgate/xgate/conformance/grpcpeer"
)

// TestOnePortEveryProtocol runs Bolt v1, Bolt v2 with CRC, Dubbo, Thrift
// (framed binary, multiplexed; unframed compact, plain), HTTP/1.1, HTTP/2
// (h2c) and gRPC clients at the same time against one `protocols: [auto]`
// listener.
func TestOnePortEveryProtocol(t *testing.T) {
	boltSrv := echoServer(t, boltpeer.ServerOptions{Name: "bolt"})
	dubboSrv := dubboServer(t, dubbopeer.ServerOptions{Name: "dubbo"})
	framed := thriftServer(t, thriftpeer.ServerOptions{Variant: xthrift.BinaryFramed, Multiplexed: true, Name: "framed"})
	unframed := thriftServer(t, thriftpeer.ServerOptions{Variant: xthrift.CompactUnframed, Multiplexed: true, Name: "unframed"})
	web := httpBackend(t, "web", true)
	rpc := grpcBackend(t, grpcpeer.Options{Name: "rpc"})
	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    protocols: [auto]
    routes:
      - match: {service: com.example.EchoService}
        cluster: bolt
      - match: {service: com.example.DemoService}
        cluster: dubbo
      - match: {protocol: thrift, service: Echo}
        cluster: thrift-framed
      - match: {protocol: thrift}
        cluster: thrift-unframed
      - match: {protocol: grpc}
        cluster: grpc
      - match: {path_prefix: /echo}
        cluster: web
clusters:
  - {name: bolt, protocol: bolt, endpoints: [%s]}
  - {name: dubbo, protocol: dubbo, endpoints: [%s]}
  - {name: thrift-framed, protocol: thrift, endpoints: [%s]}
  - {name: thrift-unframed, protocol: thrift, endpoints: [%s]}
  - {name: grpc, protocol: grpc, endpoints: [%s]}
  - {name: web, protocol: http2, endpoints: [%s]}
`, boltSrv.Addr(), dubboSrv.Addr(), framed.Addr(), unframed.Addr(), rpc.Addr(), web.Addr()))

	const n = 50
	ctx := ctxTimeout(t, 30*time.Second)
	var wg sync.WaitGroup
	run := func(name string, call func(i int) (string, error)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				got, err := call(i)
				if !assert.NoError(t, err, "%s call %d", name, i) {
					return
				}
				assert.Equal(t, fmt.Sprintf("%s-%d", name, i), got)
			}
		}()
	}
	for _, v := range []struct {
		name  string
		proto byte
		crc   bool
	}{{"boltv1", bolt.ProtoV1, false}, {"boltv2", bolt.ProtoV2, true}} {
		c := dialBolt(t, g.addr)
		c.Proto, c.CRC = v.proto, v.crc
		run(v.name, func(i int) (string, error) {
			r, err := c.Call(ctx, "com.example.EchoService", "echo", fmt.Appendf(nil, "%s-%d", v.name, i))
			if err != nil {
				return "", err
			}
			return string(r.Content), nil
		})
	}
	dc := dialDubbo(t, g.addr)
	run("dubbo", func(i int) (string, error) {
		r, err := dc.Call(ctx, "com.example.DemoService", "echo", fmt.Sprintf("dubbo-%d", i))
		if err != nil {
			return "", err
		}
		return fmt.Sprint(r.Value), nil
	})
	for _, v := range []struct {
		name    string
		variant xthrift.Variant
		mux     bool
	}{{"framed", xthrift.BinaryFramed, true}, {"unframed", xthrift.CompactUnframed, false}} {
		c := dialThrift(t, g.addr, thriftpeer.ClientOptions{Variant: v.variant, Multiplexed: v.mux})
		run(v.name, func(i int) (string, error) {
			got, err := c.Echo.Echo(ctx, fmt.Sprintf("%s %s-%d", thriftpeer.WhoAmI, v.name, i))
			// The server answers "<its name>:whoami <msg>": it must be the
			// server of the client's own variant.
			rest, ok := strings.CutPrefix(got, v.name+":"+thriftpeer.WhoAmI+" ")
			if err == nil && !ok {
				return got, nil
			}
			return rest, err
		})
	}
	for _, h2c := range []bool{false, true} {
		name := map[bool]string{false: "http1", true: "h2c"}[h2c]
		c := newHTTPClient(t, h2c)
		run(name, func(i int) (string, error) {
			resp, err := c.Post("http://"+g.addr+"/echo", "text/plain", strings.NewReader(fmt.Sprintf("%s-%d", name, i)))
			if err != nil {
				return "", err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			return string(b), err
		})
	}
	cc := grpcDial(t, g.addr)
	run("grpc", func(i int) (string, error) {
		var hdr metadata.MD
		mctx := metadata.AppendToOutgoingContext(ctx, "x-echo-n", fmt.Sprintf("grpc-%d", i))
		if _, err := grpcpeer.Unary(mctx, cc, 10, 10, grpc.Header(&hdr)); err != nil {
			return "", err
		}
		return strings.Join(hdr.Get("x-echo-n"), ","), nil
	})
	wg.Wait()
	for _, proto := range []string{"bolt", "dubbo", "thrift", "http1", "http2"} {
		require.GreaterOrEqual(t, g.metric(fmt.Sprintf(`xgate_detect_total{listener="edge",protocol="%s",result="matched"}`, proto)), 1.0, proto)
	}
}
