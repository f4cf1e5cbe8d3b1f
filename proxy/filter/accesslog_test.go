package filter

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/xprotocol"
)

// sampleInfo is a finished gRPC call.
func sampleInfo() *Info {
	r := newRequest("grpc", map[xprotocol.Key]string{
		xprotocol.KeyService: "pkg.Echo", xprotocol.KeyMethod: "Say", xprotocol.KeyPath: "/pkg.Echo/Say", xprotocol.KeyHost: "echo:80"},
		"x-request-id", "abc-123")
	resp := &fakeFrame{proto: "grpc", kind: xprotocol.KindResponse}
	resp.hdr.Set(":status", "200")
	return &Info{
		Start: time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC), Duration: 1500 * time.Microsecond,
		Protocol: "grpc", Request: r, Response: resp, Status: xprotocol.StatusOK,
		Cluster: "echo", UpstreamHost: "10.0.0.1:9000", BytesReceived: 120, BytesSent: 340,
		RemoteAddr: "192.0.2.7:5555",
	}
}

func format(t *testing.T, f string, info *Info) string {
	t.Helper()
	segs, err := compileFormat(f)
	require.NoError(t, err)
	return string(appendTextRecord(nil, segs, info))
}

func TestAccessLogFormat(t *testing.T) {
	info := sampleInfo()
	assert.Equal(t, `[2026-01-02T03:04:05.006Z] "grpc pkg.Echo Say /pkg.Echo/Say" ok 1ms 120 340 echo 10.0.0.1:9000 192.0.2.7:5555 "-"`+"\n",
		format(t, DefaultLogFormat, info))
	assert.Equal(t, "abc-123 200 - 100% 7 echo:80\n",
		format(t, "%REQ(x-request-id)% %RESP(:status)% %REQ(missing)% 100%% %STREAM_ID% %HOST%", info))
	assert.Equal(t, "echo echo -\n", format(t, "%CLUSTER% %UPSTREAM_CLUSTER% %STOPPED_BY%\n", info),
		"a format ending in a newline gets no second one")

	// A gateway reply: no response, details and the filter that replied.
	info.Response, info.Status, info.Details, info.StoppedBy = nil, xprotocol.StatusOverload, "local rate limit exceeded", "local_rate_limit"
	assert.Equal(t, "overload local_rate_limit local rate limit exceeded -\n",
		format(t, "%STATUS% %STOPPED_BY% %DETAILS% %RESP(:status)%", info))

	// Wire bytes cannot forge lines or escapes.
	info.Request.(*fakeFrame).keys[xprotocol.KeyPath] = []byte("/a\nb\\c\x00é\xff")
	assert.Equal(t, `/a\x0ab\\c\x00é\xff`+"\n", format(t, "%PATH%", info))
}

func TestAccessLogFormatErrors(t *testing.T) {
	for f, want := range map[string]string{
		"%NOPE%":        "unknown placeholder %NOPE%",
		"50% done":      "has no closing %",
		"%REQ()%":       "unknown placeholder %REQ()%",
		"%DURATION":     "has no closing %",
		"%start_time%":  "unknown placeholder %start_time%",
		"%RESP(a)% %X%": "unknown placeholder %X%",
	} {
		_, err := compileFormat(f)
		require.Error(t, err, f)
		assert.Contains(t, err.Error(), want, f)
	}
}

func TestAccessLogJSON(t *testing.T) {
	info := sampleInfo()
	info.Details = "quote \" backslash \\ newline \n ctl \x01 bad \xff sep \u2028"
	line := appendJSONRecord(nil, info)
	require.True(t, bytes.HasSuffix(line, []byte("}\n")))
	var got map[string]any
	require.NoError(t, json.Unmarshal(line, &got), "%s", line)
	assert.Equal(t, map[string]any{
		"start_time": "2026-01-02T03:04:05.006Z", "duration_ms": 1.0, "protocol": "grpc",
		"service": "pkg.Echo", "method": "Say", "path": "/pkg.Echo/Say", "host": "echo:80",
		"status": "ok", "details": "quote \" backslash \\ newline \n ctl \x01 bad \ufffd sep \u2028",
		"stopped_by": "", "cluster": "echo", "upstream_host": "10.0.0.1:9000",
		"bytes_received": 120.0, "bytes_sent": 340.0, "downstream_remote_address": "192.0.2.7:5555",
		"stream_id": 7.0,
	}, got)
	assert.NotContains(t, string(line), "\u2028", "U+2028 is escaped for JavaScript consumers")
}

// blockingWriter blocks every Write until released, and records what it got.
type blockingWriter struct {
	entered chan struct{}
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func newBlockingWriter() *blockingWriter {
	return &blockingWriter{entered: make(chan struct{}, 100), release: make(chan struct{})}
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.entered <- struct{}{}
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *blockingWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestAccessLogDropsWhenFullWithoutBlocking(t *testing.T) {
	m := newCounters()
	w := newBlockingWriter()
	segs, err := compileFormat("%STATUS%")
	require.NoError(t, err)
	const queue = 4
	lw := newLogWriter(w, nil, queue, Env{Listener: "edge", Filter: AccessLog, Metrics: m})
	a := newAccessLog(accessLogConfig{format: segs}, lw)
	info := sampleInfo()

	a.OnLog(nil, info) // the writer takes it and blocks in Write
	<-w.entered
	start := time.Now()
	for range 100 {
		a.OnLog(nil, info)
	}
	assert.Less(t, time.Since(start), time.Second, "OnLog never waits for the disk")
	assert.Equal(t, uint64(100-queue), lw.dropped.Load(), "the queue holds %d; the rest is dropped", queue)
	assert.Equal(t, 100-queue, m.get(AccessLog, "dropped"))

	close(w.release) // the disk is back: what was queued is written
	require.NoError(t, a.Close())
	assert.Equal(t, strings.Repeat("ok\n", 1+queue), w.String())
	assert.Equal(t, 1+queue, m.get(AccessLog, "written"))

	a.OnLog(nil, info) // after Close: dropped, no panic
	assert.Equal(t, uint64(100-queue+1), lw.dropped.Load())
	require.NoError(t, a.Close(), "idempotent")
}

func TestAccessLogToFileThroughChain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	c, err := NewChain([]config.Filter{
		{Name: AccessLog, Config: js(`{"path": %q, "json": true}`, path)},
		{Name: AccessLog, Config: js(`{"path": %q, "format": "%%PROTOCOL%% %%STATUS%% %%DETAILS%%"}`, path)},
		{Name: HeaderAuth, Config: js(`{"values": "k"}`)},
	}, Env{Listener: "edge"})
	require.NoError(t, err)
	assert.Equal(t, []string{AccessLog, AccessLog, HeaderAuth}, c.Names())
	e := newEngine(c)
	for range 50 {
		e.request(newRequest("dubbo", map[xprotocol.Key]string{xprotocol.KeyService: "com.x.Svc"}))
	}
	require.NoError(t, c.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.Len(t, lines, 100, "both writers append whole lines to one file")
	var jsonLines int
	for _, l := range lines {
		if strings.HasPrefix(l, "{") {
			var v map[string]any
			require.NoError(t, json.Unmarshal([]byte(l), &v), l)
			assert.Equal(t, "header_auth", v["stopped_by"])
			jsonLines++
		} else {
			assert.Equal(t, "dubbo bad_request unauthorized", l)
		}
	}
	assert.Equal(t, 50, jsonLines)
}

func TestAccessLogBuildFails(t *testing.T) {
	// A path whose directory vanished after validation: NewChain fails
	// and closes what it built.
	dir := t.TempDir()
	settings := js(`{"path": %q}`, filepath.Join(dir, "sub", "a.log"))
	_, err := NewChain([]config.Filter{{Name: AccessLog, Config: js(`{"path": %q}`, filepath.Join(dir, "ok.log"))},
		{Name: AccessLog, Config: settings}}, Env{Listener: "edge"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `filters[1] (access_log): path: directory`)
}
