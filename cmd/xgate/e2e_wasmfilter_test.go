package main

// (Not e2e_wasm_test.go: a _wasm suffix would build the file for
// GOARCH=wasm only.)

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
)

var apikeyWasm struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// apikeyModule builds examples/wasm/apikey (the example wasm filter) once
// into a temp dir: the test never depends on `make wasm-example` having
// run, nor on a stale output of it.
func apikeyModule(t *testing.T) string {
	t.Helper()
	apikeyWasm.once.Do(func() {
		dir, err := os.MkdirTemp("", "xgate-e2e-wasm")
		if err != nil {
			apikeyWasm.err = err
			return
		}
		apikeyWasm.path = filepath.Join(dir, "apikey.wasm")
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", apikeyWasm.path, "../../examples/wasm/apikey")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		apikeyWasm.out, apikeyWasm.err = cmd.CombinedOutput()
	})
	require.NoError(t, apikeyWasm.err, "%s", apikeyWasm.out)
	return apikeyWasm.path
}

// The example filter on a listener: HTTP/1.1 and Bolt requests without
// the key, or with a wrong one, are refused by the module; accepted ones
// reach the upstream with the module's header and without the key, and
// their responses carry the header the module adds in on_response.
func TestWasmFilterAPIKey(t *testing.T) {
	// timeout: the gateway is built with the race detector.
	g, boltBE := filterGateway(t, fmt.Sprintf(
		`      - {name: wasm, config: {path: %q, config: "k1,k2", timeout: 2s, pool_size: 2}}`, apikeyModule(t)))

	hc := newHTTPClient(t, false)
	url := "http://" + g.addr + "/echo"
	resp, body := do(t, hc, "GET", url, nil)
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, string(body), "missing x-api-key")
	resp, body = do(t, hc, "GET", url, nil, "X-Api-Key", "k3")
	assert.Equal(t, 400, resp.StatusCode)
	assert.Contains(t, string(body), "invalid x-api-key")
	resp, _ = do(t, hc, "POST", url, nil, "X-Api-Key", "k2")
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "apikey", resp.Header.Get("X-Echo-X-Wasm-Filter"), "the module's request header reached the upstream")
	assert.Equal(t, "POST", resp.Header.Get("X-Echo-X-Wasm-Method"))
	assert.Empty(t, resp.Header.Get("X-Echo-X-Api-Key"), "the key was removed")
	assert.Equal(t, "apikey", resp.Header.Get("X-Wasm-Filter"), "on_response added it")

	c := dialBolt(t, g.addr)
	ctx := ctxTimeout(t, 10*time.Second)
	r, err := c.Do(ctx, [][2]string{{"service", "svc"}, {"sofa_head_method_name", "m"}}, []byte("x"))
	require.NoError(t, err)
	assert.NotEqual(t, bolt.StatusSuccess, r.Status, "Bolt without the key is refused")
	assert.Zero(t, boltBE.Requests())
	r, err = c.Do(ctx, [][2]string{{"service", "svc"}, {"sofa_head_method_name", "m"}, {"x-api-key", "k1"}}, []byte("x"))
	require.NoError(t, err)
	assert.Equal(t, bolt.StatusSuccess, r.Status)
	assert.Equal(t, "apikey", r.Headers["x-wasm-filter"])
	assert.Equal(t, int64(1), boltBE.Requests())

	assert.Equal(t, 3.0, g.metric(`xgate_filter_events_total{event="stopped",filter="wasm",listener="edge"}`))
}

// A module that never returns: every call is stopped at the time limit and
// answered (HTTP 503 for failure_status unavailable), and the gateway
// keeps serving.
func TestWasmFilterTimeLimit(t *testing.T) {
	// (module (func (export "on_request") (result i32) (loop (br 0)) (i32.const 0)))
	loop := []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00,
		0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type () -> i32
		0x03, 0x02, 0x01, 0x00, // one function
		0x07, 0x0e, 0x01, 0x0a, 'o', 'n', '_', 'r', 'e', 'q', 'u', 'e', 's', 't', 0x00, 0x00,
		0x0a, 0x0b, 0x01, 0x09, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x41, 0x00, 0x0b}
	path := filepath.Join(t.TempDir(), "loop.wasm")
	require.NoError(t, os.WriteFile(path, loop, 0o600))
	g, _ := filterGateway(t, fmt.Sprintf(
		`      - {name: wasm, config: {path: %q, timeout: 50ms, failure_status: unavailable}}`, path))
	hc := newHTTPClient(t, false)
	for range 3 {
		start := time.Now()
		resp, _ := do(t, hc, "GET", "http://"+g.addr+"/whoami", nil)
		assert.Equal(t, 503, resp.StatusCode)
		assert.Less(t, time.Since(start), 5*time.Second)
	}
	assert.Equal(t, 3.0, g.metric(`xgate_filter_events_total{event="timeouts",filter="wasm",listener="edge"}`))
	g.waitLog(t, "wasm filter call failed")
}

// `xgate validate` reports a module file that is not WebAssembly with its
// line and field path.
func TestWasmFilterValidate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.wasm")
	require.NoError(t, os.WriteFile(bad, []byte("not wasm"), 0o600))
	cfg := filepath.Join(dir, "xgate.yaml")
	require.NoError(t, os.WriteFile(cfg, fmt.Appendf(nil, `listeners:
  - name: edge
    address: 127.0.0.1:0
    filters:
      - {name: wasm, config: {path: %q}}
    routes:
      - cluster: web
clusters:
  - {name: web, endpoints: [127.0.0.1:1]}
`, bad), 0o600))
	code, _, stderr := runXgate(t, "validate", "-c", cfg)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "line 5")
	assert.Contains(t, stderr, "is not a WebAssembly binary module")
}
