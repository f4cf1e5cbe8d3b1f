package http1_test

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPeerCurl drives a server session with curl, if it is installed.
func TestPeerCurl(t *testing.T) {
	path, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not on PATH; the curl peer test needs it")
	}
	e := startEcho(t, 16<<10)
	url := "http://" + e.addr
	curl := func(stdin string, args ...string) (stdout, stderr string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, path, append([]string{"-sS", "--noproxy", "*", "--max-time", "20"}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		require.NoError(t, cmd.Run(), "curl %v: %s", args, errb.String())
		return out.String(), errb.String()
	}

	out, _ := curl("", "-i", url+"/hello?x=1")
	assert.True(t, strings.HasPrefix(out, "HTTP/1.1 200 OK\r\n"), out)
	assert.Contains(t, out, "x-path: /hello?x=1\r\n")
	assert.Contains(t, out, "x-fields: user-agent,accept,x-forwarded-for,x-forwarded-proto\r\n")

	out, _ = curl("", "--data-binary", "binary\x01body", url+"/cl")
	assert.Equal(t, "binary\x01body", out)

	out, _ = curl("streamed from stdin", "-i", "-H", "Transfer-Encoding: chunked", "--data-binary", "@-", url+"/chunked")
	assert.Contains(t, out, "Transfer-Encoding: chunked\r\n")
	assert.NotContains(t, out, "transfer-encoding", "the upload's framing is not forwarded as a field")
	// curl -i prints the trailer section after the body.
	assert.True(t, strings.HasSuffix(out, "\r\n\r\nstreamed from stdinx-checksum: 19\r\n"), out)

	out, _ = curl("", "-i", "--http1.0", "--data-binary", "old client", url+"/chunked")
	assert.True(t, strings.HasPrefix(out, "HTTP/1.1 200 OK\r\n"), out)
	assert.Contains(t, out, "Connection: close\r\n")
	assert.NotContains(t, strings.ToLower(out), "transfer-encoding")
	assert.True(t, strings.HasSuffix(out, "\r\n\r\nold client"), out)

	out, _ = curl("", "-I", url+"/head")
	assert.Contains(t, out, "content-length: 42\r\n")

	_, verbose := curl("", "-v", "-H", "Expect: 100-continue", "--data-binary", "wait for it", url+"/cl")
	assert.Contains(t, verbose, "< HTTP/1.1 100 Continue")

	// Two URLs on one connection: curl reuses it.
	_, verbose = curl("", "-v", url+"/one", url+"/two")
	assert.Contains(t, verbose, "Re-using existing connection")
}
