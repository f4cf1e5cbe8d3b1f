package httppeer_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/conformance/httppeer"
)

// TestCurl: curl (libcurl and nghttp2, not Go) against the server, in
// HTTP/1.1 and h2c.
func TestCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	srv := start(t, httppeer.Options{Name: "cb", HTTP2: true})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, h2c := range []bool{false, true} {
		proto := map[bool]string{false: "HTTP/1.1", true: "HTTP/2"}[h2c]
		t.Run(proto, func(t *testing.T) {
			resp, err := httppeer.Curl(ctx, srv.URL()+"/whoami", h2c)
			require.NoError(t, err)
			assert.Equal(t, proto, resp.Proto)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "cb", string(resp.Body))
			assert.Equal(t, "cb", resp.Header.Get(httppeer.HeaderBackend))

			resp, err = httppeer.Curl(ctx, srv.URL()+"/echo?q=1", h2c, "-X", "PUT", "--data-binary", "payload", "-H", "X-Forwarded-For: 198.51.100.1")
			require.NoError(t, err)
			assert.Equal(t, "payload", string(resp.Body))
			assert.Equal(t, "PUT", resp.Header.Get("X-Echo-Method"))
			assert.Equal(t, "q=1", resp.Header.Get("X-Echo-Query"))
			assert.Equal(t, "198.51.100.1", resp.Header.Get("X-Echo-X-Forwarded-For"))
			assert.Equal(t, map[bool]string{false: "HTTP/1.1", true: "HTTP/2.0"}[h2c], resp.Header.Get("X-Echo-Proto"))

			resp, err = httppeer.Curl(ctx, srv.URL()+"/early-hints", h2c)
			require.NoError(t, err)
			assert.Equal(t, []int{http.StatusEarlyHints}, resp.Informational)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, httppeer.EarlyHintsLink, resp.Header.Get("Link"))

			resp, err = httppeer.Curl(ctx, srv.URL()+"/bytes/300000", h2c)
			require.NoError(t, err)
			n, err := httppeer.CheckPattern(bytes.NewReader(resp.Body))
			require.NoError(t, err)
			assert.Equal(t, int64(300000), n)

			resp, err = httppeer.Curl(ctx, srv.URL()+"/status/503", h2c)
			require.NoError(t, err, "an error status is a response, not an error")
			assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)

			if !h2c { // curl 7.x reports HTTP/1.1 trailers only
				resp, err = httppeer.Curl(ctx, srv.URL()+"/trailers", h2c)
				require.NoError(t, err)
				assert.Equal(t, httppeer.Trailers(), resp.Trailer)
			}
		})
	}
	_, err := httppeer.Curl(ctx, "http://127.0.0.1:1/", false)
	assert.Error(t, err)
	assert.False(t, errors.Is(err, httppeer.ErrNoCurl))
}
