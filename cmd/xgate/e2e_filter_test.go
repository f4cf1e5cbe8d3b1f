package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
)

// filterGateway runs xgate with filters on its listener, routing Bolt to
// one backend and everything else to an HTTP/1.1 backend.
func filterGateway(t *testing.T, filters string) (*gateway, *boltpeer.Server) {
	t.Helper()
	boltBE := echoServer(t, boltpeer.ServerOptions{Name: "b"})
	web := httpBackend(t, "w", false)
	return startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    filters:
%s
    routes:
      - match: {protocol: bolt}
        cluster: bolt
      - cluster: web
clusters:
  - {name: bolt, protocol: bolt, endpoints: [%s]}
  - {name: web, protocol: http1, endpoints: [%s]}
`, filters, boltBE.Addr(), web.Addr())), boltBE
}

func TestFilterHeaderAuth(t *testing.T) {
	g, _ := filterGateway(t, `      - {name: header_auth, config: {header: x-token, values: [s3cret]}}`)
	c := dialBolt(t, g.addr)
	ctx := ctxTimeout(t, 10*time.Second)
	r, err := c.Do(ctx, [][2]string{{"service", "svc"}, {"sofa_head_method_name", "m"}}, []byte("x"))
	require.NoError(t, err)
	assert.NotEqual(t, bolt.StatusSuccess, r.Status, "Bolt without the token is refused")
	r, err = c.Do(ctx, [][2]string{{"service", "svc"}, {"sofa_head_method_name", "m"}, {"x-token", "s3cret"}}, []byte("x"))
	require.NoError(t, err)
	assert.Equal(t, bolt.StatusSuccess, r.Status)

	hc := newHTTPClient(t, false)
	resp, _ := do(t, hc, "GET", "http://"+g.addr+"/whoami", nil)
	assert.Equal(t, 400, resp.StatusCode, "HTTP without the token is refused")
	resp, body := do(t, hc, "GET", "http://"+g.addr+"/whoami", nil, "X-Token", "s3cret")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "w", string(body))
}

func TestFilterLocalRateLimit(t *testing.T) {
	g, _ := filterGateway(t, `      - {name: local_rate_limit, config: {max_tokens: 5, tokens_per_fill: 1, fill_interval: 1h}}`)
	c := dialBolt(t, g.addr)
	hc := newHTTPClient(t, false)
	ctx := ctxTimeout(t, 10*time.Second)
	ok, limited := 0, 0
	for i := range 10 {
		if i%2 == 0 {
			r, err := c.Call(ctx, "svc", "m", []byte("x"))
			require.NoError(t, err)
			if r.Status == bolt.StatusSuccess {
				ok++
			} else {
				assert.Equal(t, bolt.StatusServerThreadpoolBusy, r.Status)
				limited++
			}
			continue
		}
		resp, _ := do(t, hc, "GET", "http://"+g.addr+"/whoami", nil)
		if resp.StatusCode == 200 {
			ok++
		} else {
			assert.Equal(t, 503, resp.StatusCode)
			limited++
		}
	}
	assert.Equal(t, 5, ok, "the bucket holds 5 tokens and does not refill within the test")
	assert.Equal(t, 5, limited)
}

func TestFilterFaultAbortAndDelay(t *testing.T) {
	g, boltBE := filterGateway(t, `      - {name: fault, config: {abort: unavailable, abort_percent: 100, header_control: true}}`)
	c := dialBolt(t, g.addr)
	ctx := ctxTimeout(t, 10*time.Second)
	r, err := c.Call(ctx, "svc", "m", []byte("x"))
	require.NoError(t, err)
	assert.NotEqual(t, bolt.StatusSuccess, r.Status, "aborted by the fault filter")
	assert.Zero(t, boltBE.Requests(), "an aborted request never reaches the upstream")
	resp, _ := do(t, newHTTPClient(t, false), "GET", "http://"+g.addr+"/whoami", nil)
	assert.Equal(t, 503, resp.StatusCode)

	g2, _ := filterGateway(t, `      - {name: fault, config: {delay: 300ms, delay_percent: 100}}`)
	start := time.Now()
	resp, body := do(t, newHTTPClient(t, false), "GET", "http://"+g2.addr+"/whoami", nil)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "w", string(body))
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "the delay is applied (a lower bound, never an upper one)")
	c2 := dialBolt(t, g2.addr)
	r, err = c2.Call(ctx, "svc", "m", []byte("x"))
	require.NoError(t, err)
	assert.Equal(t, bolt.StatusSuccess, r.Status, "a delayed Bolt request still succeeds")
}

func TestFilterAccessLogJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	g, _ := filterGateway(t, fmt.Sprintf(`      - {name: access_log, config: {path: %s, json: true}}`, path))
	c := dialBolt(t, g.addr)
	ctx := ctxTimeout(t, 10*time.Second)
	_, err := c.Call(ctx, "com.example.Svc", "hello", []byte("x"))
	require.NoError(t, err)
	resp, _ := do(t, newHTTPClient(t, false), "GET", "http://"+g.addr+"/whoami", nil)
	require.Equal(t, 200, resp.StatusCode)
	g.stop() // the writer flushes on shutdown
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var recs []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "line %q", sc.Text())
		recs = append(recs, m)
	}
	require.Len(t, recs, 2)
	t.Logf("records: %v", recs)
	protos := map[any]bool{}
	for _, r := range recs {
		protos[r["protocol"]] = true
	}
	assert.True(t, protos["bolt"] && protos["http1"], "one record per protocol: %v", recs)
}
