package httppeer_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/xgate/xgate/conformance/httppeer"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// combo is a server kind and a client kind that can talk.
type combo struct {
	name  string
	http2 bool // server option
	h2c   bool // client kind
	proto string
}

var combos = []combo{
	{"h1-server/h1-client", false, false, "HTTP/1.1"},
	{"h1h2-server/h1-client", true, false, "HTTP/1.1"},
	{"h1h2-server/h2c-client", true, true, "HTTP/2.0"},
}

func newClient(h2c bool) *httppeer.Client {
	if h2c {
		return httppeer.NewH2CClient()
	}
	return httppeer.NewH1Client()
}

func start(t *testing.T, opts httppeer.Options) *httppeer.Server {
	t.Helper()
	srv, err := httppeer.Start(opts)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, srv.Close()) })
	return srv
}

func get(t *testing.T, c *httppeer.Client, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func TestHandlers(t *testing.T) {
	for _, cb := range combos {
		t.Run(cb.name, func(t *testing.T) {
			srv := start(t, httppeer.Options{Name: "b1", HTTP2: cb.http2})
			c := newClient(cb.h2c)
			defer c.Close()
			ctx := context.Background()

			t.Run("whoami", func(t *testing.T) {
				before := srv.Requests()
				for _, path := range []string{"/", "/whoami"} {
					resp, body := get(t, c, srv.URL()+path)
					assert.Equal(t, http.StatusOK, resp.StatusCode)
					assert.Equal(t, "b1", string(body))
					assert.Equal(t, "b1", resp.Header.Get(httppeer.HeaderBackend))
					assert.Equal(t, cb.proto, resp.Proto)
				}
				assert.Equal(t, before+2, srv.Requests())
				resp, _ := get(t, c, srv.URL()+"/no/such/path")
				assert.Equal(t, http.StatusNotFound, resp.StatusCode)
				assert.Equal(t, "b1", resp.Header.Get(httppeer.HeaderBackend), "every response names the backend")
			})

			t.Run("echo", func(t *testing.T) {
				req, err := http.NewRequestWithContext(ctx, http.MethodPut, srv.URL()+"/echo/a%2Fb?x=1&y=2", strings.NewReader("hello body"))
				require.NoError(t, err)
				req.Host = "api.example.test"
				req.Header.Set("X-Forwarded-For", "192.0.2.7")
				req.Header.Set("X-Forwarded-Proto", "https")
				req.Header.Add("X-Multi", "one")
				req.Header.Add("X-Multi", "two")
				req.Header.Set("Content-Type", "text/x-test")
				resp, err := c.Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				assert.Equal(t, "hello body", string(body))
				h := resp.Header
				assert.Equal(t, "PUT", h.Get("X-Echo-Method"))
				assert.Equal(t, "/echo/a%2Fb", h.Get("X-Echo-Path"))
				assert.Equal(t, "x=1&y=2", h.Get("X-Echo-Query"))
				assert.Equal(t, cb.proto, h.Get("X-Echo-Proto"))
				assert.Equal(t, "api.example.test", h.Get("X-Echo-Host"))
				assert.Equal(t, "192.0.2.7", h.Get("X-Echo-X-Forwarded-For"))
				assert.Equal(t, "https", h.Get("X-Echo-X-Forwarded-Proto"))
				assert.Equal(t, []string{"one", "two"}, h.Values("X-Echo-X-Multi"))
				assert.Equal(t, "10", h.Get("X-Echo-Content-Length"))
				assert.Equal(t, "text/x-test", h.Get("Content-Type"))
				assert.NotEmpty(t, h.Get("X-Echo-Remote-Addr"))
				assert.Empty(t, h.Values("X-Echo-Transfer-Encoding"))
			})

			t.Run("echo-trailers", func(t *testing.T) {
				// An unknown length: chunked on HTTP/1.1, so trailers can follow.
				body := io.MultiReader(strings.NewReader("abc"), strings.NewReader("def"))
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/echo", body)
				require.NoError(t, err)
				req.Trailer = http.Header{"X-Req-Trailer": {"tv"}}
				resp, err := c.Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				got, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				assert.Equal(t, "abcdef", string(got))
				assert.Equal(t, "tv", resp.Trailer.Get("X-Req-Trailer"), "request trailers come back as response trailers")
				assert.Equal(t, "-1", resp.Header.Get("X-Echo-Content-Length"))
				if !cb.h2c {
					assert.Equal(t, "chunked", resp.Header.Get("X-Echo-Transfer-Encoding"))
				}
			})

			t.Run("echo-streams", func(t *testing.T) {
				// The echo answers each piece before the request body ends.
				pr, pw := io.Pipe()
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/echo", pr)
				require.NoError(t, err)
				type result struct {
					resp *http.Response
					err  error
				}
				done := make(chan result, 1)
				go func() {
					resp, err := c.Do(req)
					done <- result{resp, err}
				}()
				_, err = pw.Write([]byte("ping"))
				require.NoError(t, err)
				r := <-done
				require.NoError(t, r.err)
				defer r.resp.Body.Close()
				buf := make([]byte, 4)
				_, err = io.ReadFull(r.resp.Body, buf)
				require.NoError(t, err)
				assert.Equal(t, "ping", string(buf))
				_, err = pw.Write([]byte("pong"))
				require.NoError(t, err)
				_, err = io.ReadFull(r.resp.Body, buf)
				require.NoError(t, err)
				assert.Equal(t, "pong", string(buf))
				require.NoError(t, pw.Close())
				rest, err := io.ReadAll(r.resp.Body)
				require.NoError(t, err)
				assert.Empty(t, rest)
			})

			t.Run("bytes", func(t *testing.T) {
				const n = 8<<20 + 3
				for _, chunked := range []bool{false, true} {
					url := srv.URL() + "/bytes/" + strconv.Itoa(n)
					if chunked {
						url += "?chunked=1"
					}
					resp, err := c.Get(url)
					require.NoError(t, err)
					got, err := httppeer.CheckPattern(resp.Body)
					require.NoError(t, err)
					require.NoError(t, resp.Body.Close())
					assert.Equal(t, int64(n), got)
					assert.Equal(t, http.StatusOK, resp.StatusCode)
					if chunked {
						assert.Equal(t, int64(-1), resp.ContentLength)
						if !cb.h2c {
							assert.Equal(t, []string{"chunked"}, resp.TransferEncoding)
						}
					} else {
						assert.Equal(t, int64(n), resp.ContentLength)
					}
				}
				resp, _ := get(t, c, srv.URL()+"/bytes/x")
				assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			})

			t.Run("sink", func(t *testing.T) {
				const n = 16<<20 + 7
				sum := sha256.New()
				_, err := io.Copy(sum, httppeer.NewPatternReader(n))
				require.NoError(t, err)
				for _, known := range []bool{true, false} {
					var body io.Reader = httppeer.NewPatternReader(n)
					if !known {
						body = io.MultiReader(body) // hides the length: chunked upload
					}
					req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/sink", body)
					require.NoError(t, err)
					if known {
						req.ContentLength = n
					}
					resp, err := c.Do(req)
					require.NoError(t, err)
					got, err := io.ReadAll(resp.Body)
					require.NoError(t, err)
					require.NoError(t, resp.Body.Close())
					assert.Equal(t, strconv.Itoa(n), string(got))
					assert.Equal(t, strconv.Itoa(n), resp.Header.Get(httppeer.HeaderSinkLength))
					assert.Equal(t, hex.EncodeToString(sum.Sum(nil)), resp.Header.Get(httppeer.HeaderSinkSHA256))
				}
			})

			t.Run("status", func(t *testing.T) {
				for _, code := range []int{200, 201, 204, 304, 404, 418, 503} {
					resp, body := get(t, c, srv.URL()+"/status/"+strconv.Itoa(code))
					assert.Equal(t, code, resp.StatusCode)
					if code == 204 || code == 304 {
						assert.Empty(t, body)
					} else {
						assert.Equal(t, "status "+strconv.Itoa(code)+"\n", string(body))
					}
				}
				resp, _ := get(t, c, srv.URL()+"/status/99")
				assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			})

			t.Run("trailers", func(t *testing.T) {
				resp, body := get(t, c, srv.URL()+"/trailers")
				assert.Equal(t, "trailers follow\n", string(body))
				for k := range httppeer.Trailers() {
					assert.Equal(t, httppeer.Trailers().Get(k), resp.Trailer.Get(k), k)
				}
			})

			t.Run("head", func(t *testing.T) {
				for path, length := range map[string]int64{"/bytes/1000": 1000, "/whoami": 2, "/status/202": int64(len("status 202\n"))} {
					resp, err := c.Head(srv.URL() + path)
					require.NoError(t, err)
					body, err := io.ReadAll(resp.Body)
					require.NoError(t, err)
					require.NoError(t, resp.Body.Close())
					assert.Empty(t, body, path)
					assert.Equal(t, length, resp.ContentLength, path)
					assert.Equal(t, "b1", resp.Header.Get(httppeer.HeaderBackend))
				}
				resp, err := c.Head(srv.URL() + "/echo")
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
				assert.Equal(t, "HEAD", resp.Header.Get("X-Echo-Method"))
			})

			t.Run("early-hints", func(t *testing.T) {
				var codes []int
				var link string
				trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
					codes = append(codes, code)
					link = h.Get("Link")
					return nil
				}}
				req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, srv.URL()+"/early-hints", nil)
				require.NoError(t, err)
				resp, err := c.Do(req)
				require.NoError(t, err)
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
				assert.Equal(t, []int{http.StatusEarlyHints}, codes)
				assert.Equal(t, httppeer.EarlyHintsLink, link)
				assert.Equal(t, http.StatusOK, resp.StatusCode)
				assert.Equal(t, "early hints sent\n", string(body))
			})

			t.Run("slow-delay", func(t *testing.T) {
				start := time.Now()
				resp, body := get(t, c, srv.URL()+"/slow?delay=30ms")
				assert.Equal(t, http.StatusOK, resp.StatusCode)
				assert.Equal(t, "slept 30ms\n", string(body))
				assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
				resp, _ = get(t, c, srv.URL()+"/slow?delay=soon")
				assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			})

			t.Run("slow-cancelled", func(t *testing.T) {
				cancelled := srv.Cancelled()
				before := srv.Requests()
				cctx, cancel := context.WithCancel(ctx)
				defer cancel()
				req, err := http.NewRequestWithContext(cctx, http.MethodGet, srv.URL()+"/slow", nil)
				require.NoError(t, err)
				errc := make(chan error, 1)
				go func() {
					resp, err := c.Do(req)
					if err == nil {
						resp.Body.Close()
					}
					errc <- err
				}()
				wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
				defer wcancel()
				require.NoError(t, srv.WaitRequests(wctx, before+1))
				cancel()
				assert.ErrorIs(t, <-errc, context.Canceled)
				require.NoError(t, srv.WaitCancelled(wctx, cancelled+1), "the server sees the cancellation")
			})
		})
	}
}

// TestDelayOption: Options.Delay is /slow's default wait.
func TestDelayOption(t *testing.T) {
	srv := start(t, httppeer.Options{Delay: 40 * time.Millisecond})
	c := httppeer.NewH1Client()
	defer c.Close()
	start := time.Now()
	resp, body := get(t, c, srv.URL()+"/slow")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "slept 40ms\n", string(body))
	assert.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond)
	assert.Equal(t, srv.Addr(), srv.Name(), "the name defaults to the address")
	assert.Equal(t, srv.Addr(), resp.Header.Get(httppeer.HeaderBackend))
}

// TestH2COnlyWhenAsked: without Options.HTTP2 the server does not speak
// h2c, so the prior-knowledge client fails.
func TestH2COnlyWhenAsked(t *testing.T) {
	srv := start(t, httppeer.Options{})
	c := httppeer.NewH2CClient()
	defer c.Close()
	resp, err := c.Get(srv.URL() + "/whoami")
	if err == nil {
		resp.Body.Close()
	}
	assert.Error(t, err)
}

// TestCloseEndsHeldRequests: Close returns while a /slow request with no
// delay is waiting, and its client gets an answer or an error, not a hang.
func TestCloseEndsHeldRequests(t *testing.T) {
	for _, cb := range combos {
		t.Run(cb.name, func(t *testing.T) {
			srv, err := httppeer.Start(httppeer.Options{HTTP2: cb.http2})
			require.NoError(t, err)
			c := newClient(cb.h2c)
			defer c.Close()
			type result struct {
				status int
				err    error
			}
			done := make(chan result, 1)
			go func() {
				resp, err := c.Get(srv.URL() + "/slow")
				if err != nil {
					done <- result{err: err}
					return
				}
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
				done <- result{resp.StatusCode, err}
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			require.NoError(t, srv.WaitRequests(ctx, 1))
			require.NoError(t, srv.Close())
			require.NoError(t, srv.Close(), "Close twice")
			select {
			case r := <-done:
				assert.True(t, r.err != nil || r.status == http.StatusServiceUnavailable, "either 503 or a broken connection: %+v", r)
			case <-ctx.Done():
				t.Fatal("the held request did not end")
			}
			_, err = c.Get(srv.URL() + "/whoami")
			assert.Error(t, err, "the server is gone")
		})
	}
}

func TestPattern(t *testing.T) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, httppeer.NewPatternReader(1000))
	require.NoError(t, err)
	assert.Equal(t, int64(1000), n)
	b := buf.Bytes()
	for i, v := range b {
		require.Equal(t, httppeer.Pattern(int64(i)), v, i)
	}
	got, err := httppeer.CheckPattern(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, int64(1000), got)
	part := make([]byte, 10)
	httppeer.FillPattern(part, 500)
	assert.Equal(t, b[500:510], part)

	b[700]++
	got, err = httppeer.CheckPattern(bytes.NewReader(b))
	require.Error(t, err)
	assert.Equal(t, int64(700), got)
	shifted := append(append([]byte(nil), b[:300]...), b[301:]...)
	_, err = httppeer.CheckPattern(bytes.NewReader(shifted))
	assert.Error(t, err, "a dropped byte shows")
}
