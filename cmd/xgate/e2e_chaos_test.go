package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
	"github.com/xgate/xgate/conformance/httppeer"
)

// outcome tallies a load run: successes, protocol-correct error replies,
// other failures (a broken connection, a malformed reply) and hangs (the
// client gave up before the gateway answered).
type outcome struct{ ok, protoErr, broken, hung atomic.Int64 }

func (o *outcome) String() string {
	return fmt.Sprintf("ok=%d protocol-errors=%d broken=%d hung=%d", o.ok.Load(), o.protoErr.Load(), o.broken.Load(), o.hung.Load())
}

// TestUpstreamsKilledUnderLoad kills and restarts one of two upstreams of
// a multiplexed (Bolt) and a ping-pong (HTTP/1.1) cluster while clients
// keep calling: every request either succeeds or gets the protocol's error
// reply within the gateway's timeout; none hangs.
func TestUpstreamsKilledUnderLoad(t *testing.T) {
	boltStable := echoServer(t, boltpeer.ServerOptions{Name: "stable"})
	webStable := httpBackend(t, "stable", false)
	boltAddr, webAddr := freeAddr(t), freeAddr(t)
	startBolt := func() *boltpeer.Server {
		ln, err := net.Listen("tcp", boltAddr)
		require.NoError(t, err)
		return boltpeer.Serve(ln, boltpeer.ServerOptions{Name: "flaky"})
	}
	startWeb := func() *httppeer.Server {
		s, err := httppeer.Start(httppeer.Options{Address: webAddr, Name: "flaky"})
		require.NoError(t, err)
		return s
	}
	flakyBolt, flakyWeb := startBolt(), startWeb()
	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - match: {protocol: bolt}
        cluster: bolt
      - cluster: web
clusters:
  - {name: bolt, protocol: bolt, endpoints: [%s, %s], request_timeout: 2s, connect_timeout: 300ms}
  - {name: web, protocol: http1, endpoints: [%s, %s], request_timeout: 2s, connect_timeout: 300ms}
`, boltStable.Addr(), boltAddr, webStable.Addr(), webAddr))

	var boltRes, webRes outcome
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	bc := dialBolt(t, g.addr)
	hc := newHTTPClient(t, false)
	hc.Timeout = 10 * time.Second // well past the gateway's 2s: a client timeout is a hang
	for range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				r, err := bc.Call(cctx, "svc", "echo", []byte("x"))
				cancel()
				switch {
				case errors.Is(err, context.DeadlineExceeded):
					boltRes.hung.Add(1)
				case err != nil:
					boltRes.broken.Add(1)
					t.Logf("bolt: %v", err)
				case r.Status == bolt.StatusSuccess:
					boltRes.ok.Add(1)
				default:
					boltRes.protoErr.Add(1)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				resp, err := hc.Get("http://" + g.addr + "/whoami")
				var nerr net.Error
				switch {
				case errors.As(err, &nerr) && nerr.Timeout():
					webRes.hung.Add(1)
				case err != nil:
					webRes.broken.Add(1)
					t.Logf("http: %v", err)
				default:
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if resp.StatusCode == 200 {
						webRes.ok.Add(1)
					} else {
						webRes.protoErr.Add(1)
					}
				}
			}
		}()
	}
	// Three kill/restart rounds, each waiting for traffic to flow in
	// between (a signal, not a sleep).
	for round := range 3 {
		before := boltRes.ok.Load() + webRes.ok.Load()
		require.NoError(t, flakyBolt.Close())
		require.NoError(t, flakyWeb.Close())
		require.Eventually(t, func() bool { return boltRes.ok.Load()+webRes.ok.Load() > before+200 }, 20*time.Second, 5*time.Millisecond,
			"round %d: the stable hosts keep serving", round)
		flakyBolt, flakyWeb = startBolt(), startWeb()
		boltServed, webServed := flakyBolt.Requests(), flakyWeb.Requests()
		require.Eventually(t, func() bool {
			return flakyBolt.Requests() > boltServed && flakyWeb.Requests() > webServed
		}, 20*time.Second, 5*time.Millisecond, "round %d: the restarted hosts are used again", round)
	}
	stop()
	wg.Wait()
	_ = flakyBolt.Close()
	_ = flakyWeb.Close()
	t.Logf("bolt: %s; http: %s", &boltRes, &webRes)
	for name, o := range map[string]*outcome{"bolt": &boltRes, "http": &webRes} {
		assert.Zero(t, o.hung.Load(), "%s: hung requests", name)
		assert.Zero(t, o.broken.Load(), "%s: requests without a protocol-correct answer", name)
		assert.Positive(t, o.ok.Load(), name)
	}
}
