package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/bolt"
)

// Out-of-process filter plugins (proxy/filter/extproc) through the real
// xgate process: the example plugins in Go and Python decide on HTTP/1.1
// and Bolt requests; a plugin that crashes is restarted; stopping xgate
// stops its plugins.

var (
	goAuthzOnce sync.Once
	goAuthzBin  string
	goAuthzErr  error
)

// goAuthz builds examples/plugins/go-authz once.
func goAuthz(t *testing.T) string {
	t.Helper()
	goAuthzOnce.Do(func() {
		dir := filepath.Dir(xgateBin) // removed by TestMain
		goAuthzBin = filepath.Join(dir, "go-authz")
		out, err := exec.Command("go", "build", "-o", goAuthzBin, "../../examples/plugins/go-authz").CombinedOutput()
		if err != nil {
			goAuthzErr = fmt.Errorf("%v\n%s", err, out)
		}
	})
	require.NoError(t, goAuthzErr, "building go-authz")
	return goAuthzBin
}

// pythonAuthz returns the Python example's command, or skips without
// grpcio.
func pythonAuthz(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import grpc, google.protobuf").CombinedOutput(); err != nil {
		t.Skipf("python plugin: %s cannot import grpc/protobuf (apt-get install python3-grpcio python3-protobuf): %v\n%s", py, err, out)
	}
	script, err := filepath.Abs("../../examples/plugins/python-authz/plugin.py")
	require.NoError(t, err)
	return fmt.Sprintf("%q, %q", py, script)
}

var pidMessage = regexp.MustCompile(`pid (\d+)`)

func TestPluginFilter(t *testing.T) {
	for _, plug := range []struct {
		name    string
		command func(t *testing.T) string // the YAML list's items
	}{
		{"go", func(t *testing.T) string { return strconv.Quote(goAuthz(t)) }},
		{"python", pythonAuthz},
	} {
		t.Run(plug.name, func(t *testing.T) {
			command := plug.command(t)
			g, _ := filterGateway(t, fmt.Sprintf(`      - name: external
        config: {command: [%s], timeout: 500ms, restart_backoff_base: 50ms}`, command))
			hc := newHTTPClient(t, false)
			base := "http://" + g.addr

			// Allowed: the plugin's header reaches the backend, x-allow does not.
			resp, _ := do(t, hc, "GET", base+"/echo", nil, "X-Allow", "yes")
			require.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, plug.name, resp.Header.Get("X-Echo-X-Plugin"))
			assert.Empty(t, resp.Header.Get("X-Echo-X-Allow"))

			// Denied, in HTTP's terms and in Bolt's.
			resp, body := do(t, hc, "GET", base+"/echo", nil)
			assert.Equal(t, 400, resp.StatusCode)
			assert.Contains(t, string(body), "denied by plugin")
			c := dialBolt(t, g.addr)
			ctx := ctxTimeout(t, 10*time.Second)
			r, err := c.Do(ctx, [][2]string{{"service", "svc"}, {"sofa_head_method_name", "m"}}, []byte("x"))
			require.NoError(t, err)
			assert.NotEqual(t, bolt.StatusSuccess, r.Status)
			r, err = c.Do(ctx, [][2]string{{"service", "svc"}, {"sofa_head_method_name", "m"}, {"x-allow", "yes"}}, []byte("x"))
			require.NoError(t, err)
			assert.Equal(t, bolt.StatusSuccess, r.Status)

			// A crash fails its request (503) and the plugin comes back.
			_, body = do(t, hc, "GET", base+"/echo", nil, "X-Plugin-Test", "pid")
			m := pidMessage.FindSubmatch(body)
			require.NotNil(t, m, "pid reply: %s", body)
			pid1, _ := strconv.Atoi(string(m[1]))
			resp, _ = do(t, hc, "GET", base+"/echo", nil, "X-Plugin-Test", "crash")
			assert.Contains(t, []int{503, 504}, resp.StatusCode)
			restarts := `xgate_filter_events_total{event="restarts",filter="external",listener="edge"}`
			require.Eventually(t, func() bool { return g.metric(restarts) == 1 }, 10*time.Second, 10*time.Millisecond)
			var pid2 int
			require.Eventually(t, func() bool {
				_, body := do(t, hc, "GET", base+"/echo", nil, "X-Plugin-Test", "pid")
				m := pidMessage.FindSubmatch(body)
				if m == nil {
					return false
				}
				pid2, _ = strconv.Atoi(string(m[1]))
				return true
			}, 10*time.Second, 10*time.Millisecond)
			assert.NotEqual(t, pid1, pid2)
			resp, _ = do(t, hc, "GET", base+"/echo", nil, "X-Allow", "yes")
			assert.Equal(t, 200, resp.StatusCode)

			// Stopping xgate stops the plugin.
			require.NoError(t, g.cmd.Process.Signal(syscall.SIGTERM))
			g.waitExit(t, 15*time.Second)
			assert.Error(t, syscall.Kill(pid2, 0), "plugin %d still running after xgate stopped", pid2)
		})
	}
}

// TestPluginFilterBadCommand: a plugin that cannot start makes `xgate
// validate` pass (the settings are right) but `xgate run` fail clearly.
func TestPluginFilterBadCommand(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "x.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`
listeners:
  - name: edge
    address: "%s"
    filters:
      - {name: external, config: {command: [/bin/sh, -c, "echo hello"]}}
    routes:
      - {cluster: web}
clusters:
  - {name: web, protocol: http1, endpoints: ["127.0.0.1:1"]}
`, freeAddr(t))), 0o600))
	out, err := exec.Command(xgateBin, "validate", "-c", cfg).CombinedOutput()
	require.NoError(t, err, "%s", out)
	out, err = exec.Command(xgateBin, "run", "-c", cfg).CombinedOutput()
	assert.Error(t, err)
	assert.Contains(t, string(out), "filters[0] (external)")
}
