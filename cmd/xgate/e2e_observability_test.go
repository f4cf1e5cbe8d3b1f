package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
)

// obsGateway runs xgate with an unfiltered listener (edge: Bolt to one
// cluster by a named route, HTTP/1.1 to another by an unnamed one, /dead to
// a host nobody listens on), a listener with a header_auth filter (its
// secret must not show in /config), and a cluster with an active health
// check on a live and a dead host.
func obsGateway(t *testing.T) (g *gateway, boltAddr, webAddr, dead, dead2 string) {
	t.Helper()
	be := echoServer(t, boltpeer.ServerOptions{Name: "b"})
	web := httpBackend(t, "w", false)
	dead, dead2 = freeAddr(t), freeAddr(t)
	g = startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - match: {protocol: bolt}
        name: bolt-route
        cluster: bolt
      - match: {path_prefix: /dead}
        cluster: dead
      - cluster: web
  - name: auth
    address: "%s"
    filters:
      - {name: header_auth, config: {header: x-token, values: [obs-s3cret-token]}}
    routes: [{cluster: web}]
clusters:
  - name: bolt
    protocol: bolt
    endpoints: [{address: "%s", weight: 3, metadata: {zone: a}}]
  - {name: web, protocol: http1, endpoints: ["%s"]}
  - {name: dead, protocol: http1, connect_timeout: 500ms, endpoints: ["%s"]}
  - name: checked
    protocol: bolt
    endpoints: ["%s", "%s"]
    health_check: {kind: tcp, interval: 200ms, timeout: 200ms}
`, freeAddr(t), be.Addr(), web.Addr(), dead, be.Addr(), dead2))
	return g, be.Addr(), web.Addr(), dead, dead2
}

// adminDo sends a request without a body to an admin path and returns
// the status and body.
func (g *gateway) adminDo(t *testing.T, method, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+g.admin+path, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// scrape returns every series of /metrics by name and labels.
func (g *gateway) scrape(t *testing.T) map[string]float64 {
	t.Helper()
	code, body := g.adminDo(t, "GET", "/metrics")
	require.Equal(t, 200, code)
	out := map[string]float64{}
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		require.Positive(t, i, line)
		var v float64
		_, err := fmt.Sscan(line[i+1:], &v)
		require.NoError(t, err, line)
		out[line[:i]] = v
	}
	return out
}

// mismatched counts the series of want whose value in got differs.
func mismatched(got, want map[string]float64) int {
	n := 0
	for series, v := range want {
		if got[series] != v {
			n++
		}
	}
	return n
}

// TestObservabilityMetrics: after Bolt and HTTP/1.1 requests, the series
// per listener and protocol, per route and per host exist with the right
// labels and counts, histograms counted every request, bytes flowed both
// ways, and nothing is left in flight.
func TestObservabilityMetrics(t *testing.T) {
	g, boltAddr, webAddr, _, _ := obsGateway(t)
	const nBolt, nHTTP = 5, 3
	c := dialBolt(t, g.addr)
	for i := range nBolt {
		r, err := c.Call(ctxTimeout(t, 10*time.Second), "com.example.EchoService", "echo", []byte(fmt.Sprint("call-", i)))
		require.NoError(t, err)
		require.Equal(t, bolt.StatusSuccess, r.Status)
	}
	hc := newHTTPClient(t, false)
	for range nHTTP {
		resp, body := do(t, hc, "GET", "http://"+g.addr+"/whoami", nil)
		require.Equal(t, 200, resp.StatusCode)
		require.Equal(t, "w", string(body))
	}

	exact := map[string]float64{
		`xgate_downstream_requests_total{listener="edge",protocol="bolt"}`:                                        nBolt,
		`xgate_downstream_requests_total{listener="edge",protocol="http1"}`:                                       nHTTP,
		`xgate_downstream_responses_total{listener="edge",protocol="bolt",status="ok"}`:                           nBolt,
		`xgate_downstream_responses_total{listener="edge",protocol="http1",status="ok"}`:                          nHTTP,
		`xgate_route_requests_total{cluster="bolt",listener="edge",route="bolt-route"}`:                           nBolt,
		`xgate_route_requests_total{cluster="web",listener="edge",route="routes[2]"}`:                             nHTTP,
		`xgate_route_responses_total{cluster="bolt",listener="edge",route="bolt-route",status="ok"}`:              nBolt,
		`xgate_route_responses_total{cluster="web",listener="edge",route="routes[2]",status="ok"}`:                nHTTP,
		`xgate_route_request_duration_seconds_count{cluster="bolt",listener="edge",route="bolt-route"}`:           nBolt,
		`xgate_route_request_duration_seconds_count{cluster="web",listener="edge",route="routes[2]"}`:             nHTTP,
		`xgate_requests_total{cluster="bolt",listener="edge"}`:                                                    nBolt,
		fmt.Sprintf(`xgate_upstream_host_requests_total{cluster="bolt",host="%s"}`, boltAddr):                     nBolt,
		fmt.Sprintf(`xgate_upstream_host_requests_total{cluster="web",host="%s"}`, webAddr):                       nHTTP,
		fmt.Sprintf(`xgate_upstream_host_responses_total{cluster="bolt",host="%s",status="ok"}`, boltAddr):        nBolt,
		fmt.Sprintf(`xgate_upstream_request_duration_seconds_count{cluster="bolt",host="%s"}`, boltAddr):          nBolt,
		fmt.Sprintf(`xgate_upstream_request_duration_seconds_count{cluster="web",host="%s"}`, webAddr):            nHTTP,
		fmt.Sprintf(`xgate_upstream_request_duration_seconds_bucket{cluster="bolt",host="%s",le="10"}`, boltAddr): nBolt,
		`xgate_upstream_responses_total{cluster="bolt",status="ok"}`:                                              nBolt,
		fmt.Sprintf(`xgate_upstream_connections_active{cluster="bolt",host="%s"}`, boltAddr):                      1,
		fmt.Sprintf(`xgate_upstream_requests_active{cluster="bolt",host="%s"}`, boltAddr):                         0,
		fmt.Sprintf(`xgate_upstream_host_healthy{cluster="bolt",host="%s"}`, boltAddr):                            1,
		`xgate_upstream_hosts{cluster="bolt",state="healthy"}`:                                                    1,
		`xgate_downstream_requests_active{listener="edge"}`:                                                       0,
	}
	// The client may have its reply before the gateway's loop has finished
	// the request's bookkeeping: poll until it has.
	var got map[string]float64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		got = g.scrape(t)
		if mismatched(got, exact) == 0 {
			break
		}
	}
	for series, want := range exact {
		assert.Equal(t, want, got[series], series)
	}
	positive := []string{
		`xgate_route_request_duration_seconds_sum{cluster="bolt",listener="edge",route="bolt-route"}`,
		fmt.Sprintf(`xgate_upstream_request_duration_seconds_sum{cluster="web",host="%s"}`, webAddr),
		`xgate_downstream_received_bytes_total{listener="edge",protocol="bolt"}`,
		`xgate_downstream_sent_bytes_total{listener="edge",protocol="bolt"}`,
		`xgate_downstream_received_bytes_total{listener="edge",protocol="http1"}`,
		`xgate_downstream_sent_bytes_total{listener="edge",protocol="http1"}`,
		`xgate_upstream_sent_bytes_total{cluster="bolt"}`,
		`xgate_upstream_received_bytes_total{cluster="bolt"}`,
		`xgate_upstream_sent_bytes_total{cluster="web"}`,
		`xgate_upstream_received_bytes_total{cluster="web"}`,
		fmt.Sprintf(`xgate_upstream_connections_active{cluster="web",host="%s"}`, webAddr),
		`xgate_downstream_connections_active{listener="edge"}`,
	}
	for _, series := range positive {
		assert.Positive(t, g.metric(series), series)
	}
	// Bytes are counted, not guessed: a Bolt call is at least its header
	// (22 bytes) plus content, each way.
	assert.GreaterOrEqual(t, g.metric(`xgate_downstream_received_bytes_total{listener="edge",protocol="bolt"}`), float64(nBolt*(22+6)))
	// Buckets are cumulative: +Inf holds every observation.
	assert.Equal(t, float64(nBolt), g.metric(`xgate_route_request_duration_seconds_bucket{cluster="bolt",listener="edge",route="bolt-route",le="+Inf"}`))
	assert.Zero(t, g.metric(`xgate_outlier_ejections_total{cluster="bolt"}`))
}

// TestAdminClustersConfigPprof: /clusters shows hosts with weights,
// metadata and health (an ejected and an unhealthy host among them),
// /config shows defaults and masks a header_auth secret, and pprof
// answers on the admin address.
func TestAdminClustersConfigPprof(t *testing.T) {
	g, boltAddr, _, dead, dead2 := obsGateway(t)

	type hostView struct {
		Address           string            `json:"address"`
		Health            string            `json:"health"`
		Weight            int               `json:"weight"`
		Metadata          map[string]string `json:"metadata"`
		ActiveRequests    int               `json:"active_requests"`
		ActiveConnections int               `json:"active_connections"`
	}
	type view struct {
		Clusters []struct {
			Name     string     `json:"name"`
			Protocol string     `json:"protocol"`
			LB       string     `json:"lb"`
			Hosts    []hostView `json:"hosts"`
		} `json:"clusters"`
	}
	clusters := func() map[string][]hostView {
		code, body := g.adminDo(t, "GET", "/clusters")
		require.Equal(t, 200, code, body)
		var v view
		require.NoError(t, json.Unmarshal([]byte(body), &v), body)
		out := map[string][]hostView{}
		for _, c := range v.Clusters {
			out[c.Name] = c.Hosts
		}
		return out
	}
	cs := clusters()
	require.Len(t, cs["bolt"], 1)
	assert.Equal(t, hostView{Address: boltAddr, Health: "healthy", Weight: 3, Metadata: map[string]string{"zone": "a"}}, cs["bolt"][0])
	require.Len(t, cs["checked"], 2)

	// The active health check finds the dead host of "checked" unhealthy.
	require.Eventually(t, func() bool {
		h := clusters()["checked"]
		return len(h) == 2 && h[0].Health == "healthy" && h[1].Address == dead2 && h[1].Health == "unhealthy"
	}, 10*time.Second, 20*time.Millisecond, "checked: %+v", clusters()["checked"])

	// A failed connection ejects the host of "dead" for a short backoff
	// (250ms first): look right after a request fails.
	hc := newHTTPClient(t, false)
	ejected := false
	for deadline := time.Now().Add(10 * time.Second); !ejected && time.Now().Before(deadline); {
		resp, _ := do(t, hc, "GET", "http://"+g.addr+"/dead", nil)
		require.Equal(t, 503, resp.StatusCode)
		h := clusters()["dead"]
		require.Len(t, h, 1)
		assert.Equal(t, dead, h[0].Address)
		ejected = h[0].Health == "ejected"
	}
	assert.True(t, ejected, "the dead host was never shown ejected")
	assert.Equal(t, 1.0, g.metric(`xgate_upstream_hosts{cluster="checked",state="unhealthy"}`))
	assert.Equal(t, 0.0, g.metric(fmt.Sprintf(`xgate_upstream_host_healthy{cluster="checked",host="%s"}`, dead2)))

	// /config: defaults filled in, the header_auth token masked.
	code, cfg := g.adminDo(t, "GET", "/config")
	require.Equal(t, 200, code, cfg)
	assert.NotContains(t, cfg, "obs-s3cret-token")
	assert.Contains(t, cfg, "values: '***'")
	assert.Contains(t, cfg, "header: x-token")
	assert.Contains(t, cfg, "detect_timeout: 5s", "a default")
	assert.Contains(t, cfg, "max_connections: 10000", "a default")
	code, js := g.adminDo(t, "GET", "/config?format=json")
	require.Equal(t, 200, code, js)
	assert.NotContains(t, js, "obs-s3cret-token")
	var parsed struct {
		Listeners []struct {
			Name    string `json:"name"`
			Filters []struct {
				Name   string         `json:"name"`
				Config map[string]any `json:"config"`
			} `json:"filters"`
		} `json:"listeners"`
	}
	require.NoError(t, json.Unmarshal([]byte(js), &parsed))
	require.Len(t, parsed.Listeners, 2)
	require.Len(t, parsed.Listeners[1].Filters, 1)
	assert.Equal(t, "***", parsed.Listeners[1].Filters[0].Config["values"])

	// pprof, on the admin mux.
	code, prof := g.adminDo(t, "GET", "/debug/pprof/goroutine?debug=1")
	require.Equal(t, 200, code)
	assert.Contains(t, prof, "goroutine profile:")
	code, idx := g.adminDo(t, "GET", "/debug/pprof/")
	require.Equal(t, 200, code)
	assert.Contains(t, idx, "heap")
}

// TestAdminLogLevel: the log level changes at run time: a debug line is
// not written at info, and is once the level is debug again.
func TestAdminLogLevel(t *testing.T) {
	be := echoServer(t, boltpeer.ServerOptions{Name: "b"})
	g := startGateway(t, boltConfig("3s", be.Addr())) // -log-level debug
	code, body := g.adminDo(t, "GET", "/logging")
	require.Equal(t, 200, code)
	assert.Equal(t, "level=debug\n", body)
	code, body = g.adminDo(t, "PUT", "/logging?level=info")
	require.Equal(t, 200, code, body)
	assert.Equal(t, "level=info\n", body)
	code, _ = g.adminDo(t, "PUT", "/logging?level=loud")
	assert.Equal(t, 400, code)
	code, _ = g.adminDo(t, "PUT", "/logging")
	assert.Equal(t, 400, code)

	// A malformed Bolt frame on a detected connection: logged at debug
	// ("decode error") before the connection is closed.
	breakConn := func() {
		t.Helper()
		c := dialBolt(t, g.addr)
		_, err := c.Call(ctxTimeout(t, 5*time.Second), "com.example.EchoService", "echo", []byte("x"))
		require.NoError(t, err)
		require.NoError(t, c.WriteRaw([]byte{0x01, 0x01, 0x00, 0x09, 0x01, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}))
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("malformed frame did not close the connection")
		}
	}
	const decodeErrs = `xgate_decode_errors_total{kind="malformed",listener="edge",protocol="bolt",side="downstream"}`
	breakConn()
	require.Equal(t, 1.0, g.metric(decodeErrs))
	// The line would have been written before the connection closed, so
	// before the level change below is logged.
	code, body = g.adminDo(t, "POST", "/logging?level=debug")
	require.Equal(t, 200, code, body)
	g.waitLog(t, `msg="log level changed" from=INFO to=DEBUG`)
	assert.NotContains(t, g.logs(), `msg="decode error"`, "a debug line was written at level info")

	breakConn()
	require.Equal(t, 2.0, g.metric(decodeErrs))
	g.waitLog(t, `msg="decode error"`)
	assert.Equal(t, 1, strings.Count(g.logs(), `msg="decode error"`))
}
