package main

import (
	"fmt"
	"sync"
	"testing"
	"time"

	athrift "github.com/apache/thrift/lib/go/thrift"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	xthrift "github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/codecs/thrift/thriftpeer"
	"github.com/xgate/xgate/conformance/thrift/gen-go/echo"
)

func thriftServer(t *testing.T, opts thriftpeer.ServerOptions) *thriftpeer.Server {
	t.Helper()
	s, err := thriftpeer.Serve(opts)
	require.NoError(t, err)
	t.Cleanup(s.Stop)
	return s
}

func dialThrift(t *testing.T, addr string, opts thriftpeer.ClientOptions) *thriftpeer.Client {
	t.Helper()
	c, err := thriftpeer.Dial(addr, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// thriftConfig routes the multiplexed services by name and plain names
// through a catch-all.
func thriftConfig(endpoint string) string {
	return fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - match: {service: Echo, method: nothing-routes-here}
        cluster: other
      - match: {service: Echo}
        cluster: echo
      - match: {service: Calc}
        cluster: echo
      - match: {method: echo}
        cluster: echo
      - match: {method: add}
        cluster: echo
      - match: {method: ping}
        cluster: echo
      - match: {method: fire}
        cluster: echo
      - match: {method: fail}
        cluster: echo
clusters:
  - name: echo
    protocol: thrift
    request_timeout: 500ms
    max_connections_per_host: 4
    endpoints: [%s]
  - name: other
    endpoints: [127.0.0.1:1]
`, endpoint)
}

// TestThriftThroughGateway: the generated Go client talks to the generated
// Go server through xgate, in binary and compact, framed and unframed,
// with plain and multiplexed names.
func TestThriftThroughGateway(t *testing.T) {
	for _, v := range xthrift.AllVariants() {
		t.Run(v.String(), func(t *testing.T) {
			t.Parallel()
			held := make(chan struct{}, 1)
			srv := thriftServer(t, thriftpeer.ServerOptions{Variant: v, Multiplexed: true, Name: "s",
				Hold: func(c thriftpeer.Call) bool {
					if c.Msg == "hold" {
						held <- struct{}{}
						return true
					}
					return false
				}})
			g := startGateway(t, thriftConfig(srv.Addr()))
			ctx := ctxTimeout(t, 20*time.Second)

			for _, mux := range []bool{false, true} {
				c := dialThrift(t, g.addr, thriftpeer.ClientOptions{Variant: v, Multiplexed: mux})
				got, err := c.Echo.Echo(ctx, "hello")
				require.NoError(t, err, "mux=%v", mux)
				assert.Equal(t, "hello", got)
				sum, err := c.Echo.Add(ctx, 2, 40)
				require.NoError(t, err)
				assert.EqualValues(t, 42, sum)
				require.NoError(t, c.Echo.Ping(ctx))

				// A declared exception travels inside a reply.
				_, err = c.Echo.Fail(ctx, "declared")
				var ee *echo.EchoError
				require.ErrorAs(t, err, &ee)
				assert.Equal(t, "declared", ee.Message)
				// An undeclared failure is a TApplicationException.
				_, err = c.Echo.Fail(ctx, thriftpeer.FailInternal)
				var ae athrift.TApplicationException
				require.ErrorAs(t, err, &ae)
				assert.EqualValues(t, athrift.INTERNAL_ERROR, ae.TypeId())

				// Oneway reaches the server; the connection stays usable.
				srv.Reset()
				require.NoError(t, c.Echo.Fire(ctx, "fired"))
				calls, err := srv.WaitCalls(ctx, 1)
				require.NoError(t, err)
				assert.Equal(t, "fire", calls[0].Method)
				assert.Equal(t, "fired", calls[0].Msg)
				got, err = c.Echo.Echo(ctx, "after oneway")
				require.NoError(t, err)
				assert.Equal(t, "after oneway", got)
				if mux {
					p, err := c.Calc.Mul(ctx, 6, 7)
					require.NoError(t, err)
					assert.EqualValues(t, 42, p)
				}
			}

			// Several clients at once: framed variants share multiplexed
			// upstream connections (seqids rewritten), unframed ones go
			// through the ping-pong pool.
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, err := thriftpeer.Dial(g.addr, thriftpeer.ClientOptions{Variant: v, Multiplexed: i%2 == 0})
					if !assert.NoError(t, err) {
						return
					}
					defer c.Close()
					for j := range 20 {
						msg := fmt.Sprintf("c%d-%d", i, j)
						got, err := c.Echo.Echo(ctx, msg)
						if !assert.NoError(t, err) || !assert.Equal(t, msg, got) {
							return
						}
					}
				}()
			}
			wg.Wait()

			// No route: the gateway answers UNKNOWN_METHOD itself.
			c := dialThrift(t, g.addr, thriftpeer.ClientOptions{Variant: v, Multiplexed: true})
			_, err := c.Calc.Mul(ctx, 1, 2) // routed (service Calc)
			require.NoError(t, err)
			plain := dialThrift(t, g.addr, thriftpeer.ClientOptions{Variant: v})
			_, err = plain.Calc.Mul(ctx, 1, 2) // plain "mul": no route
			var ae athrift.TApplicationException
			require.ErrorAs(t, err, &ae)
			assert.EqualValues(t, athrift.UNKNOWN_METHOD, ae.TypeId())
			assert.Contains(t, ae.Error(), "no route")

			// Timeout: the server holds the call; the gateway answers in time.
			start := time.Now()
			_, err = c.Echo.Echo(ctx, "hold")
			require.ErrorAs(t, err, &ae)
			assert.EqualValues(t, athrift.INTERNAL_ERROR, ae.TypeId())
			assert.Contains(t, ae.Error(), "timeout")
			assert.GreaterOrEqual(t, time.Since(start), 500*time.Millisecond)
			<-held
			srv.Release()
			// The connection still works afterwards (a late reply, if any,
			// is dropped, never delivered to the next call).
			got, err := c.Echo.Echo(ctx, "after timeout")
			require.NoError(t, err)
			assert.Equal(t, "after timeout", got)
		})
	}
}
