package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
)

func reloadConfig(boltAddr, httpAddr, extra string) string {
	return fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - match: {protocol: bolt}
        cluster: bolt
      - cluster: web
%s
clusters:
  - {name: bolt, protocol: bolt, endpoints: [%s]}
  - {name: web, protocol: http1, endpoints: [%s]}
`, extra, boltAddr, httpAddr)
}

// TestReloadUnderLoad keeps a multiplexed (Bolt) and a ping-pong (HTTP/1.1)
// client busy while the configuration is reloaded twice — by SIGHUP, to
// new backends and with a new listener, and by POST /reload with an invalid
// file, which is refused — and counts zero failed requests.
func TestReloadUnderLoad(t *testing.T) {
	boltA := echoServer(t, boltpeer.ServerOptions{Name: "a"})
	boltB := echoServer(t, boltpeer.ServerOptions{Name: "b"})
	webA := httpBackend(t, "a", false)
	webB := httpBackend(t, "b", false)
	g := startGateway(t, reloadConfig(boltA.Addr(), webA.Addr(), ""))

	var ok, failed atomic.Int64
	var servedBy sync.Map // "proto/backend" -> true
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	bc := dialBolt(t, g.addr)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				r, err := bc.Call(cctx, "svc", "echo", []byte("x"))
				cancel()
				if err != nil || r.Status != bolt.StatusSuccess {
					failed.Add(1)
					t.Logf("bolt: %v %+v", err, r)
					continue
				}
				ok.Add(1)
				servedBy.Store("bolt/"+r.Headers["server"], true)
			}
		}()
	}
	hc := newHTTPClient(t, false)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				resp, err := hc.Get("http://" + g.addr + "/whoami")
				if err != nil {
					failed.Add(1)
					t.Logf("http: %v", err)
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
					t.Logf("http: %d %s", resp.StatusCode, body)
					continue
				}
				ok.Add(1)
				servedBy.Store("http/"+strings.TrimSpace(string(body)), true)
			}
		}()
	}
	served := func(key string) func() bool {
		return func() bool { _, ok := servedBy.Load(key); return ok }
	}
	require.Eventually(t, served("bolt/a"), 10*time.Second, 5*time.Millisecond)
	require.Eventually(t, served("http/a"), 10*time.Second, 5*time.Millisecond)

	// Reload 1 (SIGHUP): new backends for both clusters, and a new listener.
	second := freeAddr(t)
	g.rewrite(t, reloadConfig(boltB.Addr(), webB.Addr(), fmt.Sprintf(`  - name: second
    address: "%s"
    routes: [{cluster: web}]`, second)))
	require.NoError(t, g.cmd.Process.Signal(syscall.SIGHUP))
	g.waitLog(t, "configuration reloaded")
	require.Eventually(t, served("bolt/b"), 10*time.Second, 5*time.Millisecond, "new Bolt requests go to the new cluster")
	require.Eventually(t, served("http/b"), 10*time.Second, 5*time.Millisecond, "new HTTP requests go to the new cluster")
	resp, err := hc.Get("http://" + second + "/whoami")
	require.NoError(t, err, "the new listener serves")
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, "b", strings.TrimSpace(string(body)))

	// Reload 2 (POST /reload): an invalid file is refused; the running
	// configuration keeps serving.
	g.rewrite(t, "listeners: [{name: broken}]\n")
	resp, err = http.Post("http://"+g.admin+"/reload", "text/plain", nil)
	require.NoError(t, err)
	msg, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, string(msg), "listeners[0].address")
	before := ok.Load()
	require.Eventually(t, func() bool { return ok.Load() > before+100 }, 10*time.Second, 5*time.Millisecond, "still serving after a refused reload")

	stop()
	wg.Wait()
	assert.Zero(t, failed.Load(), "requests failed across the reloads")
	assert.Positive(t, ok.Load())
	assert.Equal(t, 1.0, g.metric(`xgate_config_reloads_total{result="ok"}`))
	assert.Equal(t, 1.0, g.metric(`xgate_config_reloads_total{result="refused"}`))
}

// TestRoutePluginPushedConfig: the zone_affinity route plugin sends
// requests to hosts of the local zone, and a configuration pushed on the
// admin API (POST /route_plugins/zone_affinity/config) moves them to
// another zone at once, without a reload.
func TestRoutePluginPushedConfig(t *testing.T) {
	a := echoServer(t, boltpeer.ServerOptions{Name: "in-a"})
	b := echoServer(t, boltpeer.ServerOptions{Name: "in-b"})
	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - cluster: zoned
        plugins: [{name: zone_affinity, config: {local_zone: a}}]
clusters:
  - name: zoned
    protocol: bolt
    endpoints:
      - {address: "%s", metadata: {zone: a}}
      - {address: "%s", metadata: {zone: b}}
`, a.Addr(), b.Addr()))
	c := dialBolt(t, g.addr)
	servedBy := func() map[string]int {
		out := map[string]int{}
		for range 10 {
			r, err := c.Call(ctxTimeout(t, 10*time.Second), "svc", "m", []byte("x"))
			require.NoError(t, err)
			out[r.Headers["server"]]++
		}
		return out
	}
	assert.Equal(t, map[string]int{"in-a": 10}, servedBy(), "the local zone a")
	resp, err := http.Post("http://"+g.admin+"/route_plugins/zone_affinity/config", "application/json", strings.NewReader(`{"local_zone": "b"}`))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, map[string]int{"in-b": 10}, servedBy(), "the pushed zone b")
	resp, err = http.Post("http://"+g.admin+"/route_plugins/zone_affinity/config", "application/json", strings.NewReader(`{"local_zone": 7}`))
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, 400, resp.StatusCode, "an invalid configuration is refused")
	assert.Equal(t, map[string]int{"in-b": 10}, servedBy(), "and the live one stays")
}
