package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/bolt/boltpeer"
	"github.com/xgate/xgate/conformance/httppeer"
	"github.com/xgate/xgate/conformance/peerserver"
	"github.com/xgate/xgate/xprotocol"
)

// Routing end to end: every test runs the real xgate process and proves a
// routing feature with a multiplexed protocol (Bolt, boltpeer) and a
// ping-pong one (HTTP/1.1, httppeer behind net/http's client). Each backend
// says who it is (Bolt: response header "server"; HTTP: X-Backend), so the
// cluster a request reached is observable by the client.

// ---- helpers shared with e2e_lb_test.go ----

// boltBackends starts one boltpeer echo server per name.
func boltBackends(t *testing.T, names ...string) map[string]*boltpeer.Server {
	t.Helper()
	out := make(map[string]*boltpeer.Server, len(names))
	for _, n := range names {
		out[n] = echoServer(t, boltpeer.ServerOptions{Name: n})
	}
	return out
}

// httpBackends starts one HTTP/1.1 httppeer server per name.
func httpBackends(t *testing.T, names ...string) map[string]*httppeer.Server {
	t.Helper()
	out := make(map[string]*httppeer.Server, len(names))
	for _, n := range names {
		out[n] = httpBackend(t, n, false)
	}
	return out
}

// clusterYAML is one cluster item of the clusters list; extra is more
// flow-mapping keys ("lb: random"), or "".
func clusterYAML(name, proto, extra string, endpoints ...string) string {
	if extra != "" {
		extra = ", " + extra
	}
	return fmt.Sprintf("  - {name: %s, protocol: %s, endpoints: [%s], request_timeout: 10s, connect_timeout: 500ms%s}\n",
		name, proto, strings.Join(endpoints, ", "), extra)
}

// clustersOneEach is one cluster per backend, named like the backend.
func clustersOneEach[S interface{ Addr() string }](proto string, backends map[string]S) string {
	names := make([]string, 0, len(backends))
	for n := range backends {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(clusterYAML(n, proto, "", backends[n].Addr()))
	}
	return b.String()
}

// boltDo sends one Bolt request with service, method and extra headers
// (name, value pairs) and requires an answer.
func boltDo(t *testing.T, c *boltpeer.Client, service, method string, content string, hdr ...string) *boltpeer.Response {
	t.Helper()
	headers := [][2]string{{"service", service}, {"sofa_head_method_name", method}}
	for i := 0; i+1 < len(hdr); i += 2 {
		headers = append(headers, [2]string{hdr[i], hdr[i+1]})
	}
	r, err := c.Do(ctxTimeout(t, 10*time.Second), headers, []byte(content))
	require.NoError(t, err, "bolt %s.%s %v", service, method, hdr)
	return r
}

// boltServedBy sends a request and returns the backend that answered it
// ("" when the gateway answered with an error status).
func boltServedBy(t *testing.T, c *boltpeer.Client, service, method string, hdr ...string) string {
	t.Helper()
	r := boltDo(t, c, service, method, "ping", hdr...)
	if r.Status != bolt.StatusSuccess {
		return fmt.Sprintf("status:%v", r.Status)
	}
	assert.Equal(t, "ping", string(r.Content))
	return r.Headers["server"]
}

// httpDo sends one HTTP request with the Host header host ("" keeps the
// gateway's address) and extra headers, and reads the whole response.
func httpDo(t *testing.T, c *httppeer.Client, g *gateway, method, host, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+g.addr+path, nil)
	require.NoError(t, err)
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	require.NoError(t, err, "%s %s%s", method, host, path)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

// httpServedBy returns the backend that answered GET host+path, or
// "status:N" when the response was not a 200.
func httpServedBy(t *testing.T, c *httppeer.Client, g *gateway, host, path string, hdr ...string) string {
	t.Helper()
	resp, body := httpDo(t, c, g, "GET", host, path, hdr...)
	if resp.StatusCode != 200 {
		return fmt.Sprintf("status:%d %s", resp.StatusCode, body)
	}
	return resp.Header.Get(httppeer.HeaderBackend)
}

// binomialTolerance is how far a count of n independent draws with
// probability p may stray from n·p before the test calls it wrong: z
// standard deviations (z = 5: a correct implementation fails about once in
// 1.7 million runs).
func binomialTolerance(n int, p, z float64) float64 {
	return z * math.Sqrt(float64(n)*p*(1-p))
}

// boltHeaderEcho is a Bolt server that makes what it received visible:
// every request is answered with its content, header "server" = its name,
// and "echo-<k>" = v for each request header k: v. (boltpeer's server
// echoes only the content.)
type boltHeaderEcho struct {
	*peerserver.Server
	name     string
	requests atomic.Int64
}

func startBoltHeaderEcho(t *testing.T, name string) *boltHeaderEcho {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &boltHeaderEcho{name: name}
	s.Server = peerserver.Start(ln, s.serve)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func (s *boltHeaderEcho) serve(c net.Conn) {
	buf := make([]byte, 0, 64<<10)
	tmp := make([]byte, 32<<10)
	for {
		for {
			f, n, err := bolt.Decode(buf, 0)
			if errors.Is(err, xprotocol.ErrIncomplete) {
				break
			}
			if err != nil {
				return
			}
			reply := s.reply(f)
			f.Release()
			buf = append(buf[:0], buf[n:]...)
			if reply != nil {
				out, _ := reply.AppendBinary(nil)
				reply.Release()
				if _, err := c.Write(out); err != nil {
					return
				}
			}
		}
		n, err := c.Read(tmp)
		if err != nil {
			return
		}
		buf = append(buf, tmp[:n]...)
	}
}

func (s *boltHeaderEcho) reply(f *bolt.Frame) *bolt.Frame {
	if f.Heartbeat() {
		return bolt.NewHeartbeatAck(f.RequestID(), f.Codec())
	}
	if f.CmdType() != bolt.TypeRequest {
		return nil
	}
	s.requests.Add(1)
	headers := [][2]string{{"server", s.name}}
	f.Header().Range(func(k, v []byte) bool {
		headers = append(headers, [2]string{"echo-" + string(k), string(v)})
		return true
	})
	r, err := bolt.Build(bolt.Message{Type: bolt.TypeResponse, Code: bolt.CodeResponse, ID: f.RequestID(),
		Status: bolt.StatusSuccess, Codec: f.Codec(), Class: string(f.ClassName()), Headers: headers,
		Content: append([]byte(nil), f.Content()...)})
	if err != nil {
		panic(err)
	}
	return r
}

// ---- 1. route matching ----

const matchingRoutes = `
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      # Bolt (clusters speak bolt, so HTTP requests never match these)
      - match: {headers: [{name: x-env, exact: canary}]}
        cluster: b-exact
      - match: {headers: [{name: x-env, prefix: blue-}]}
        cluster: b-prefix
      - match: {headers: [{name: x-build, regex: "v[0-9]+\\.[0-9]+"}]}
        cluster: b-regex
      - match: {headers: [{name: x-debug, present: true}]}
        cluster: b-present
      - match: {headers: [{name: x-route, exact: inv}, {name: x-tenant, exact: gold, invert: true}]}
        cluster: b-invert
      - match: {method: {regex: "get[A-Z].*"}}
        cluster: b-method
      - match: {service: {prefix: com.acme.}}
        cluster: b-service
      - cluster: b-default
      # HTTP/1.1: the same conditions
      - match: {headers: [{name: x-env, exact: canary}]}
        cluster: h-exact
      - match: {headers: [{name: x-env, prefix: blue-}]}
        cluster: h-prefix
      - match: {headers: [{name: x-build, regex: "v[0-9]+\\.[0-9]+"}]}
        cluster: h-regex
      - match: {headers: [{name: x-debug, present: true}]}
        cluster: h-present
      - match: {headers: [{name: x-route, exact: inv}, {name: x-tenant, exact: gold, invert: true}]}
        cluster: h-invert
      - match: {method: DELETE}
        cluster: h-method
      - match: {service: svc.local}
        cluster: h-service
      - cluster: h-default
    virtual_hosts:
      - name: orders
        domains: [com.example.Orders]
        routes: [{cluster: b-vh-orders}]
      - name: example
        domains: ["com.example.*"]
        routes: [{cluster: b-vh-example}]
      - name: api
        domains: [api.example.com]
        routes:
          - {match: {path_prefix: /echo/v2/}, cluster: h-vh-api-v2}
          - {cluster: h-vh-api}
      - name: wild
        domains: ["*.example.com"]
        routes: [{cluster: h-vh-wild}]
      - name: strict
        domains: [strict.example.com]
        routes: [{match: {path_prefix: /echo/only/}, cluster: h-vh-strict}]
clusters:
`

// TestRouteMatching: header conditions (exact, prefix, anchored regex,
// present, inverted), method and service conditions, virtual hosts (Bolt
// by service, HTTP by Host with a suffix wildcard, case and port ignored, a
// selected virtual host is final) and first match wins.
func TestRouteMatching(t *testing.T) {
	bb := boltBackends(t, "b-exact", "b-prefix", "b-regex", "b-present", "b-invert", "b-method", "b-service",
		"b-default", "b-vh-orders", "b-vh-example")
	hb := httpBackends(t, "h-exact", "h-prefix", "h-regex", "h-present", "h-invert", "h-method", "h-service",
		"h-default", "h-vh-api", "h-vh-api-v2", "h-vh-wild", "h-vh-strict")
	g := startGateway(t, matchingRoutes+clustersOneEach("bolt", bb)+clustersOneEach("http1", hb))

	// Shared cases: headers (name, value pairs) and the suffix of the
	// cluster they must reach ("default": no header route matched).
	headerCases := []struct {
		name string
		hdr  []string
		want string
	}{
		{"exact", []string{"x-env", "canary"}, "exact"},
		{"exact is not a prefix", []string{"x-env", "canary-2"}, "default"},
		{"prefix", []string{"x-env", "blue-42"}, "prefix"},
		{"regex", []string{"x-build", "v1.25"}, "regex"},
		{"regex is anchored at the end", []string{"x-build", "v1.25-rc1"}, "default"},
		{"regex is anchored at the start", []string{"x-build", "xv1.25"}, "default"},
		{"present", []string{"x-debug", "1"}, "present"},
		{"invert: header absent", []string{"x-route", "inv"}, "invert"},
		{"invert: other value", []string{"x-route", "inv", "x-tenant", "silver"}, "invert"},
		{"invert: the excluded value", []string{"x-route", "inv", "x-tenant", "gold"}, "default"},
		{"first match wins", []string{"x-debug", "1", "x-env", "canary", "x-build", "v2.0"}, "exact"},
		{"first match wins (later routes)", []string{"x-debug", "1", "x-build", "v2.0"}, "regex"},
		{"no condition holds", []string{"x-other", "1"}, "default"},
	}

	t.Run("bolt", func(t *testing.T) {
		c := dialBolt(t, g.addr)
		for _, tc := range headerCases {
			assert.Equal(t, "b-"+tc.want, boltServedBy(t, c, "com.other.Svc", "echo", tc.hdr...), tc.name)
		}
		cases := []struct {
			name, service, method string
			hdr                   []string
			want                  string
		}{
			{"method regex", "com.other.Svc", "getUser", nil, "b-method"},
			{"method regex is anchored", "com.other.Svc", "forgetUser", nil, "b-default"},
			{"service prefix", "com.acme.Billing", "echo", nil, "b-service"},
			{"service prefix is a prefix", "com.acmeX.Billing", "echo", nil, "b-default"},
			{"virtual host: exact domain beats prefix wildcard", "com.example.Orders", "echo", nil, "b-vh-orders"},
			{"virtual host: prefix wildcard", "com.example.Users", "echo", nil, "b-vh-example"},
			{"virtual host: services compare exactly", "com.example.orders", "echo", nil, "b-vh-example"},
			{"virtual host is chosen before the default routes", "com.example.Orders", "echo", []string{"x-env", "canary"}, "b-vh-orders"},
			{"no virtual host: default routes", "com.exampleX", "echo", nil, "b-default"},
		}
		for _, tc := range cases {
			assert.Equal(t, tc.want, boltServedBy(t, c, tc.service, tc.method, tc.hdr...), tc.name)
		}
	})

	t.Run("http1", func(t *testing.T) {
		c := newHTTPClient(t, false)
		for _, tc := range headerCases {
			assert.Equal(t, "h-"+tc.want, httpServedBy(t, c, g, "", "/whoami", tc.hdr...), tc.name)
		}
		resp, _ := httpDo(t, c, g, "DELETE", "", "/whoami")
		assert.Equal(t, "h-method", resp.Header.Get(httppeer.HeaderBackend), "method DELETE")
		resp, _ = httpDo(t, c, g, "POST", "", "/whoami")
		assert.Equal(t, "h-default", resp.Header.Get(httppeer.HeaderBackend), "method POST")
		cases := []struct {
			name, host, path string
			hdr              []string
			want             string
		}{
			{"service is the host without its port", "svc.local:8080", "/whoami", nil, "h-service"},
			{"virtual host by Host", "api.example.com", "/whoami", nil, "h-vh-api"},
			{"virtual host: case and port ignored", "API.Example.COM:8443", "/whoami", nil, "h-vh-api"},
			{"virtual host: its routes in order", "api.example.com", "/echo/v2/users", nil, "h-vh-api-v2"},
			{"virtual host is chosen before the default routes", "api.example.com", "/whoami", []string{"x-env", "canary"}, "h-vh-api"},
			{"suffix wildcard", "foo.example.com", "/whoami", nil, "h-vh-wild"},
			{"suffix wildcard, deeper", "a.b.example.com:81", "/whoami", nil, "h-vh-wild"},
			{"suffix wildcard does not take the bare domain", "example.com", "/whoami", nil, "h-default"},
			{"strict virtual host", "strict.example.com", "/echo/only/x", nil, "h-vh-strict"},
			// A selected virtual host is final: no fallback to the listener's
			// catch-all.
			{"selected virtual host without a matching route", "strict.example.com", "/whoami", nil, "status:404"},
		}
		for _, tc := range cases {
			got := httpServedBy(t, c, g, tc.host, tc.path, tc.hdr...)
			if strings.HasPrefix(tc.want, "status:") {
				assert.True(t, strings.HasPrefix(got, tc.want), "%s: got %q", tc.name, got)
				continue
			}
			assert.Equal(t, tc.want, got, tc.name)
		}
	})

	// Every backend was reached exactly by its own cases: nothing leaked to
	// a cluster of the other protocol or to an unexpected route.
	for name, s := range bb {
		assert.Positive(t, s.Requests(), "bolt backend %s never reached", name)
	}
	for name, s := range hb {
		assert.Positive(t, s.Requests(), "http backend %s never reached", name)
	}
	assert.Equal(t, 1.0, g.metric(`xgate_local_replies_total{listener="edge",status="no_route"}`))
}

// ---- 2. route actions ----

const actionRoutes = `
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      # Bolt, by service
      - match: {service: weighted.svc}
        weighted_clusters: [{cluster: b-w80, weight: 80}, {cluster: b-w20, weight: 20}]
      - match: {service: direct.unavailable}
        direct_response: {status: unavailable, body: "service retired"}
      - match: {service: direct.ok}
        direct_response: {status: ok, body: "hello from xgate"}
      - match: {service: direct.noroute}
        direct_response: {status: no_route, body: "no such API"}
      - match: {service: headers.svc}
        cluster: b-hdr
        request_headers_to_add: [{name: x-added, value: "yes"}, {name: x-override, value: gateway}]
        request_headers_to_remove: [x-secret]
        response_headers_to_add: [{name: x-served-by, value: xgate}]
        response_headers_to_remove: [server]
      - match: {service: slow.svc}
        cluster: b-slow
        timeout: 300ms
      - match: {service: mirror.svc}
        cluster: b-primary
        mirror: {cluster: b-shadow, percentage: 100}
      # HTTP/1.1, by path
      - match: {path_prefix: /echo/weighted}
        weighted_clusters: [{cluster: h-w80, weight: 80}, {cluster: h-w20, weight: 20}]
      - match: {path_prefix: /direct/unavailable}
        direct_response: {status: unavailable, body: "service retired"}
      - match: {path_prefix: /direct/ok}
        direct_response: {status: ok, body: "hello from xgate"}
      - match: {path_prefix: /direct/overload}
        direct_response: {status: overload, body: "slow down"}
      - match: {path_prefix: /echo/hdr}
        cluster: h-echo
        request_headers_to_add: [{name: x-added, value: "yes"}, {name: x-override, value: gateway}]
        request_headers_to_remove: [x-secret]
        response_headers_to_add: [{name: x-served-by, value: xgate}]
        response_headers_to_remove: [x-backend]
      - match: {path_prefix: /echo/plain}
        cluster: h-echo
      - match: {path_prefix: /slow}
        cluster: h-echo
        timeout: 300ms
      - match: {path_prefix: /echo/mirror}
        cluster: h-primary
        mirror: {cluster: h-shadow, percentage: 100}
clusters:
`

// TestRouteActions: weighted_clusters, direct_response, request and
// response header changes, per-route timeouts and mirroring, each for Bolt
// and HTTP/1.1.
func TestRouteActions(t *testing.T) {
	bb := boltBackends(t, "b-w80", "b-w20", "b-primary", "b-shadow")
	slowHeld := make(chan struct{}, 4)
	bSlow := echoServer(t, boltpeer.ServerOptions{Name: "b-slow", Hold: func(content []byte) bool {
		if string(content) == "hold" {
			slowHeld <- struct{}{}
			return true // never answered
		}
		return false
	}})
	bHdr := startBoltHeaderEcho(t, "b-hdr")
	hb := httpBackends(t, "h-w80", "h-w20", "h-echo", "h-primary", "h-shadow")
	cfg := actionRoutes + clustersOneEach("bolt", bb) + clustersOneEach("http1", hb) +
		clusterYAML("b-slow", "bolt", "", bSlow.Addr()) + clusterYAML("b-hdr", "bolt", "", bHdr.Addr())
	g := startGateway(t, cfg)
	bc := dialBolt(t, g.addr)
	hc := newHTTPClient(t, false)

	t.Run("direct_response", func(t *testing.T) {
		r := boltDo(t, bc, "direct.unavailable", "echo", "x")
		assert.Equal(t, bolt.StatusConnectionClosed, r.Status, "Bolt's status for unavailable")
		assert.Contains(t, string(r.Content), "service retired")
		r = boltDo(t, bc, "direct.noroute", "echo", "x")
		assert.Equal(t, bolt.StatusNoProcessor, r.Status)
		assert.Contains(t, string(r.Content), "no such API")
		r = boltDo(t, bc, "direct.ok", "echo", "x")
		assert.Equal(t, bolt.StatusSuccess, r.Status)
		assert.Contains(t, string(r.Content), "hello from xgate")

		resp, body := httpDo(t, hc, g, "GET", "", "/direct/unavailable")
		assert.Equal(t, 503, resp.StatusCode)
		assert.Equal(t, "service retired", string(body))
		assert.Empty(t, resp.Header.Get("Retry-After"), "unavailable is not overload")
		resp, body = httpDo(t, hc, g, "GET", "", "/direct/overload")
		assert.Equal(t, 503, resp.StatusCode)
		assert.Equal(t, "1", resp.Header.Get("Retry-After"))
		assert.Equal(t, "slow down", string(body))
		resp, body = httpDo(t, hc, g, "GET", "", "/direct/ok")
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "hello from xgate", string(body))
		assert.Empty(t, resp.Header.Get(httppeer.HeaderBackend), "answered by the gateway, not a backend")

		assert.Equal(t, 2.0, g.metric(`xgate_local_replies_total{listener="edge",status="unavailable"}`))
		assert.Equal(t, 2.0, g.metric(`xgate_local_replies_total{listener="edge",status="ok"}`))
		assert.Equal(t, 1.0, g.metric(`xgate_local_replies_total{listener="edge",status="overload"}`))
		for name, s := range bb {
			assert.Zero(t, s.Requests(), "direct responses reached %s", name)
		}
		for name, s := range hb {
			assert.Zero(t, s.Requests(), "direct responses reached %s", name)
		}
	})

	t.Run("weighted_clusters", func(t *testing.T) {
		const n = 1000
		tol := binomialTolerance(n, 0.2, 5) // sd 12.6: ±63
		var wg sync.WaitGroup
		var boltFailed, httpFailed atomic.Int64
		jobs := make(chan int)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range jobs {
					r, err := bc.Call(ctxTimeout(t, 10*time.Second), "weighted.svc", "echo", []byte("w"))
					if err != nil || r.Status != bolt.StatusSuccess {
						boltFailed.Add(1)
					}
				}
			}()
		}
		for i := range n {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		assert.Zero(t, boltFailed.Load())
		w80, w20 := bb["b-w80"].Requests(), bb["b-w20"].Requests()
		assert.EqualValues(t, n, w80+w20)
		assert.InDelta(t, 0.2*n, float64(w20), tol, "bolt: b-w20 got %d of %d (80/20 split)", w20, n)

		jobs = make(chan int)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range jobs {
					resp, err := hc.Get("http://" + g.addr + "/echo/weighted")
					if err != nil {
						httpFailed.Add(1)
						continue
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if resp.StatusCode != 200 {
						httpFailed.Add(1)
					}
				}
			}()
		}
		for i := range n {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		assert.Zero(t, httpFailed.Load())
		h80, h20 := hb["h-w80"].Requests(), hb["h-w20"].Requests()
		assert.EqualValues(t, n, h80+h20)
		assert.InDelta(t, 0.2*n, float64(h20), tol, "http: h-w20 got %d of %d (80/20 split)", h20, n)
		t.Logf("weighted 80/20 over %d: bolt %d/%d, http %d/%d (tolerance ±%.0f)", n, w80, w20, h80, h20, tol)
	})

	t.Run("request and response headers", func(t *testing.T) {
		r := boltDo(t, bc, "headers.svc", "echo", "h", "x-secret", "s3cr3t", "x-override", "client", "x-keep", "k")
		require.Equal(t, bolt.StatusSuccess, r.Status)
		assert.Equal(t, "h", string(r.Content))
		assert.Equal(t, "yes", r.Headers["echo-x-added"], "added request header reached the backend: %v", r.Headers)
		assert.Equal(t, "gateway", r.Headers["echo-x-override"], "added header replaces the client's")
		assert.Equal(t, "k", r.Headers["echo-x-keep"], "other headers pass")
		assert.Equal(t, "headers.svc", r.Headers["echo-service"])
		assert.NotContains(t, r.Headers, "echo-x-secret", "removed request header reached the backend")
		assert.Equal(t, "xgate", r.Headers["x-served-by"], "added response header")
		assert.NotContains(t, r.Headers, "server", "removed response header reached the client")
		assert.EqualValues(t, 1, bHdr.requests.Load())

		resp, _ := httpDo(t, hc, g, "GET", "", "/echo/hdr", "X-Secret", "s3cr3t", "X-Override", "client", "X-Keep", "k")
		require.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, []string{"yes"}, resp.Header.Values("X-Echo-X-Added"))
		assert.Equal(t, []string{"gateway"}, resp.Header.Values("X-Echo-X-Override"), "added header replaces the client's")
		assert.Equal(t, "k", resp.Header.Get("X-Echo-X-Keep"))
		assert.Empty(t, resp.Header.Values("X-Echo-X-Secret"), "removed request header reached the backend")
		assert.Equal(t, "xgate", resp.Header.Get("X-Served-By"))
		assert.Empty(t, resp.Header.Values(httppeer.HeaderBackend), "removed response header reached the client")

		// Control: a route without changes passes everything as sent.
		resp, _ = httpDo(t, hc, g, "GET", "", "/echo/plain", "X-Secret", "s3cr3t", "X-Override", "client")
		require.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "s3cr3t", resp.Header.Get("X-Echo-X-Secret"))
		assert.Equal(t, []string{"client"}, resp.Header.Values("X-Echo-X-Override"))
		assert.Empty(t, resp.Header.Get("X-Echo-X-Added"))
		assert.Empty(t, resp.Header.Get("X-Served-By"))
		assert.Equal(t, "h-echo", resp.Header.Get(httppeer.HeaderBackend))
	})

	t.Run("per-route timeout", func(t *testing.T) {
		// The cluster's request_timeout is 10s and the client allows 10s:
		// only the route's 300ms can answer this quickly.
		start := time.Now()
		r := boltDo(t, bc, "slow.svc", "echo", "hold")
		elapsed := time.Since(start)
		assert.Equal(t, bolt.StatusTimeout, r.Status)
		assert.GreaterOrEqual(t, elapsed, 300*time.Millisecond)
		assert.Less(t, elapsed, 3*time.Second, "the route's timeout did not apply")
		select {
		case <-slowHeld: // the request did reach the backend (it was read before the timeout fired)
		case <-time.After(5 * time.Second):
			t.Error("the held request never reached the backend")
		}
		r = boltDo(t, bc, "slow.svc", "echo", "quick")
		assert.Equal(t, bolt.StatusSuccess, r.Status, "the route still forwards")

		start = time.Now()
		resp, body := httpDo(t, hc, g, "GET", "", "/slow?delay=20s")
		elapsed = time.Since(start)
		assert.Equal(t, 504, resp.StatusCode, "%s", body)
		assert.GreaterOrEqual(t, elapsed, 300*time.Millisecond)
		assert.Less(t, elapsed, 3*time.Second, "the route's timeout did not apply")
		require.NoError(t, hb["h-echo"].WaitCancelled(ctxTimeout(t, 10*time.Second), 1),
			"the gateway gave up on the upstream request")
		assert.Equal(t, 2.0, g.metric(`xgate_local_replies_total{listener="edge",status="timeout"}`))
	})

	t.Run("mirror", func(t *testing.T) {
		const n = 20
		for i := range n {
			msg := fmt.Sprintf("m-%d", i)
			r := boltDo(t, bc, "mirror.svc", "echo", msg)
			require.Equal(t, bolt.StatusSuccess, r.Status)
			assert.Equal(t, "b-primary", r.Headers["server"], "the client gets the primary's answer")
			assert.Equal(t, msg, string(r.Content))
		}
		require.Eventually(t, func() bool { return bb["b-shadow"].Requests() == n }, 10*time.Second, 5*time.Millisecond,
			"the mirror got %d of %d copies", bb["b-shadow"].Requests(), n)
		assert.EqualValues(t, n, bb["b-primary"].Requests())
		assert.Equal(t, float64(n), g.metric(`xgate_mirrored_requests_total{cluster="b-shadow",result="sent"}`))

		// HTTP/1.1 clusters are ping-pong: copies are not sent, but counted.
		for range n {
			resp, _ := httpDo(t, hc, g, "GET", "", "/echo/mirror")
			require.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, "h-primary", resp.Header.Get(httppeer.HeaderBackend))
		}
		assert.Equal(t, float64(n), g.metric(`xgate_mirrored_requests_total{cluster="h-shadow",result="skipped"}`))
		assert.Zero(t, g.metric(`xgate_mirrored_requests_total{cluster="h-shadow",result="sent"}`))
		assert.Zero(t, hb["h-shadow"].Requests())
		assert.EqualValues(t, n, hb["h-primary"].Requests())
	})
}

// ---- retry_policy ----

// TestRouteRetryPolicy: a cluster of two hosts where one always fails.
// With a retry policy every request succeeds (the failed try goes again,
// to the other host) and retries are counted; without one, some fail.
// Bolt: the bad host is a closed port (connect_failure). HTTP/1.1: the bad
// host answers 503 (unavailable).
func TestRouteRetryPolicy(t *testing.T) {
	live := echoServer(t, boltpeer.ServerOptions{Name: "live"})
	dead := closedAddr(t)
	good := httpBackend(t, "good", false)
	bad := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set(httppeer.HeaderBackend, "bad")
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	})}
	badLn, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = bad.Serve(badLn) }()
	t.Cleanup(func() { _ = bad.Close() })

	g := startGateway(t, `
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - match: {service: retry.svc}
        cluster: b-retry
        retry_policy: {num_retries: 2, retry_on: [connect_failure], backoff: {base_interval: 5ms}}
      - match: {service: noretry.svc}
        cluster: b-noretry
      - match: {service: retry.local}
        cluster: h-retry
        retry_policy: {num_retries: 2, retry_on: [unavailable], backoff: {base_interval: 5ms}}
      - match: {service: noretry.local}
        cluster: h-noretry
clusters:
`+clusterYAML("b-retry", "bolt", "", dead, live.Addr())+
		clusterYAML("b-noretry", "bolt", "", dead, live.Addr())+
		clusterYAML("h-retry", "http1", "", badLn.Addr().String(), good.Addr())+
		clusterYAML("h-noretry", "http1", "", badLn.Addr().String(), good.Addr()))
	const n = 20

	t.Run("bolt connect_failure", func(t *testing.T) {
		c := dialBolt(t, g.addr)
		for i := range n {
			r := boltDo(t, c, "retry.svc", "echo", "x")
			assert.Equal(t, bolt.StatusSuccess, r.Status, "request %d failed despite the retry policy", i)
		}
		assert.GreaterOrEqual(t, g.metric(`xgate_upstream_retries_total{cluster="b-retry"}`), 1.0)
		assert.GreaterOrEqual(t, g.metric(`xgate_upstream_connect_failures_total{cluster="b-retry"}`), 1.0)

		failed := 0
		for range n {
			if r := boltDo(t, c, "noretry.svc", "echo", "x"); r.Status != bolt.StatusSuccess {
				assert.Equal(t, bolt.StatusConnectionClosed, r.Status)
				failed++
			}
		}
		assert.Positive(t, failed, "without a retry policy the dead host's requests fail")
		assert.Zero(t, g.metric(`xgate_upstream_retries_total{cluster="b-noretry"}`))
	})

	t.Run("http1 unavailable", func(t *testing.T) {
		c := newHTTPClient(t, false)
		for i := range n {
			resp, body := httpDo(t, c, g, "GET", "retry.local", "/whoami")
			assert.Equal(t, 200, resp.StatusCode, "request %d failed despite the retry policy: %s", i, body)
			assert.Equal(t, "good", string(body))
		}
		assert.GreaterOrEqual(t, g.metric(`xgate_upstream_retries_total{cluster="h-retry"}`), 1.0)
		assert.GreaterOrEqual(t, g.metric(`xgate_upstream_responses_total{cluster="h-retry",status="unavailable"}`), 1.0,
			"the bad host was tried")

		failed := 0
		for range n {
			resp, body := httpDo(t, c, g, "GET", "noretry.local", "/whoami")
			if resp.StatusCode != 200 {
				assert.Equal(t, 503, resp.StatusCode)
				assert.Equal(t, "down for maintenance\n", string(body), "the backend's own reply is relayed")
				failed++
			}
		}
		assert.Positive(t, failed, "without a retry policy the bad host's 503s reach the client")
		assert.Zero(t, g.metric(`xgate_upstream_retries_total{cluster="h-noretry"}`))
	})
}

// ---- 3. route plugin zone_affinity ----

// TestRouteZoneAffinity: endpoints labelled with metadata zone; a request
// naming a zone (x-zone) goes to that zone's hosts, a zone without hosts
// falls back to all of them, and a route's local_zone steers requests
// that name none.
func TestRouteZoneAffinity(t *testing.T) {
	bb := boltBackends(t, "a1", "b1", "b2")
	hb := httpBackends(t, "a1", "b1", "b2")
	zoned := func(name, proto, a1, b1, b2 string) string {
		return fmt.Sprintf(`  - name: %s
    protocol: %s
    endpoints:
      - {address: %s, metadata: {zone: a}}
      - {address: %s, metadata: {zone: b}}
      - {address: %s, metadata: {zone: b}}
`, name, proto, a1, b1, b2)
	}
	g := startGateway(t, `
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - match: {service: zone.svc}
        cluster: b-zoned
        plugins: [{name: zone_affinity}]
      - match: {service: zone-local.svc}
        cluster: b-zoned
        plugins: [{name: zone_affinity, config: {local_zone: b}}]
      - match: {service: zone.local}
        cluster: h-zoned
        plugins: [{name: zone_affinity}]
      - match: {service: zone-local.local}
        cluster: h-zoned
        plugins: [{name: zone_affinity, config: {local_zone: b}}]
clusters:
`+zoned("b-zoned", "bolt", bb["a1"].Addr(), bb["b1"].Addr(), bb["b2"].Addr())+
		zoned("h-zoned", "http1", hb["a1"].Addr(), hb["b1"].Addr(), hb["b2"].Addr()))

	cases := []struct {
		name  string
		local bool     // the route with local_zone b
		zone  string   // x-zone header, "" for none
		want  []string // the backends that must (all) answer, and only they
	}{
		{"zone a", false, "a", []string{"a1"}},
		{"zone b", false, "b", []string{"b1", "b2"}},
		{"zone without hosts: fall back to all", false, "c", []string{"a1", "b1", "b2"}},
		{"no zone, no local zone: all", false, "", []string{"a1", "b1", "b2"}},
		{"local zone", true, "", []string{"b1", "b2"}},
		{"the header beats the local zone", true, "a", []string{"a1"}},
	}
	const n = 30
	check := func(t *testing.T, name string, want []string, served func() string) {
		seen := map[string]int{}
		for range n {
			seen[served()]++
		}
		got := make([]string, 0, len(seen))
		for k := range seen {
			got = append(got, k)
		}
		sort.Strings(got)
		assert.Equal(t, want, got, "%s: backends that answered %v", name, seen)
	}
	t.Run("bolt", func(t *testing.T) {
		c := dialBolt(t, g.addr)
		for _, tc := range cases {
			svc := "zone.svc"
			if tc.local {
				svc = "zone-local.svc"
			}
			var hdr []string
			if tc.zone != "" {
				hdr = []string{"x-zone", tc.zone}
			}
			check(t, tc.name, tc.want, func() string { return boltServedBy(t, c, svc, "echo", hdr...) })
		}
	})
	t.Run("http1", func(t *testing.T) {
		c := newHTTPClient(t, false)
		for _, tc := range cases {
			host := "zone.local"
			if tc.local {
				host = "zone-local.local"
			}
			var hdr []string
			if tc.zone != "" {
				hdr = []string{"X-Zone", tc.zone}
			}
			check(t, tc.name, tc.want, func() string { return httpServedBy(t, c, g, host, "/whoami", hdr...) })
		}
	})
}

// ---- found along the way ----

// TestClientGoneCancelsUpstream: README ("a client that goes away cancels
// its upstream streams") and DESIGN ("a client reset (or the client
// closing) cancels the upstream stream (RST_STREAM, or closing a ping-pong
// connection that cannot finish its exchange)"). A client gives up on a
// request the backend holds (/slow without a delay: until cancelled): the
// backend must see the cancellation long before the cluster's 10s
// request_timeout. An HTTP/2 client cancels with RST_STREAM; an HTTP/1.1
// client (net/http) by closing its connection.
func TestClientGoneCancelsUpstream(t *testing.T) {
	be := httpBackend(t, "slow", false)
	g := startGateway(t, `
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes: [{cluster: web}]
clusters:
`+clusterYAML("web", "http1", "", be.Addr()))
	for _, h2c := range []bool{true, false} {
		name := map[bool]string{true: "h2c client", false: "http1 client"}[h2c]
		t.Run(name, func(t *testing.T) {
			reqs, cancelled := be.Requests(), be.Cancelled()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+g.addr+"/slow", nil)
				_, err := newHTTPClient(t, h2c).Do(req)
				done <- err
			}()
			require.NoError(t, be.WaitRequests(ctxTimeout(t, 10*time.Second), reqs+1))
			cancel()
			require.Error(t, <-done)
			start := time.Now()
			assert.NoError(t, be.WaitCancelled(ctxTimeout(t, 3*time.Second), cancelled+1),
				"the backend still serves a request whose client is gone (cluster request_timeout: 10s)")
			t.Logf("cancellation reached the backend after %v", time.Since(start))
		})
	}
}
