package httppeer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNoCurl is returned (wrapped) by Curl when curl is not on $PATH.
var ErrNoCurl = errors.New("httppeer: curl not found on PATH")

// CurlResponse is what curl received.
type CurlResponse struct {
	// Proto is the final response's version as curl prints it: "HTTP/1.1",
	// "HTTP/2".
	Proto string
	// StatusCode is the final response's status.
	StatusCode int
	// Header is the final response's header.
	Header http.Header
	// Informational are the 1xx statuses that came before it, in order.
	Informational []int
	// Trailer holds the trailers curl reported, if any.
	Trailer http.Header
	// Body is the response body.
	Body []byte
}

// Curl runs the curl command line tool (libcurl, with nghttp2 for HTTP/2:
// an HTTP implementation independent of Go's) for url and returns what it
// received. h2c adds --http2-prior-knowledge (cleartext HTTP/2 without
// Upgrade); otherwise curl speaks HTTP/1.1. args go before the URL, e.g.
// "-X", "POST", "--data-binary", "@file", "-H", "X-A: b". A status >= 400
// is not an error; a transfer curl could not complete is.
func Curl(ctx context.Context, url string, h2c bool, args ...string) (*CurlResponse, error) {
	bin, err := exec.LookPath("curl")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoCurl, err)
	}
	dir, err := os.MkdirTemp("", "httppeer-curl-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	headers, body := filepath.Join(dir, "headers"), filepath.Join(dir, "body")
	all := []string{"--silent", "--show-error", "--noproxy", "*", "--dump-header", headers, "--output", body}
	if h2c {
		all = append(all, "--http2-prior-knowledge")
	} else {
		all = append(all, "--http1.1")
	}
	all = append(append(all, args...), "--", url)
	cmd := exec.CommandContext(ctx, bin, all...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("httppeer: curl %s: %v: %s", strings.Join(all, " "), err, strings.TrimSpace(stderr.String()))
	}
	raw, err := os.ReadFile(headers)
	if err != nil {
		return nil, fmt.Errorf("httppeer: curl wrote no headers: %w", err)
	}
	resp, err := parseCurlHeaders(raw)
	if err != nil {
		return nil, err
	}
	if resp.Body, err = os.ReadFile(body); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return resp, nil
}

// parseCurlHeaders reads curl's --dump-header output: one block per
// response head (1xx first, then the final one), each a status line and
// fields, blocks separated by an empty line; trailers, when there are
// any, follow the final block as fields without a status line.
func parseCurlHeaders(raw []byte) (*CurlResponse, error) {
	resp := &CurlResponse{}
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	for {
		line, err := r.ReadLine()
		if err != nil {
			break
		}
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "HTTP/") {
			// Trailers: this line is a field, the rest follow.
			fields, _ := r.ReadMIMEHeader()
			resp.Trailer = http.Header{}
			if k, v, ok := strings.Cut(line, ":"); ok {
				resp.Trailer.Add(k, strings.TrimSpace(v))
			}
			for k, vs := range fields {
				for _, v := range vs {
					resp.Trailer.Add(k, v)
				}
			}
			break
		}
		proto, rest, _ := strings.Cut(line, " ")
		codeText, _, _ := strings.Cut(rest, " ")
		code, err := strconv.Atoi(codeText)
		if err != nil {
			return nil, fmt.Errorf("httppeer: curl status line %q", line)
		}
		fields, _ := r.ReadMIMEHeader() // io.EOF when the block ends the file
		if fields == nil {
			fields = textproto.MIMEHeader{}
		}
		if code < 200 {
			resp.Informational = append(resp.Informational, code)
			continue
		}
		resp.Proto, resp.StatusCode, resp.Header = proto, code, http.Header(fields)
	}
	if resp.StatusCode == 0 {
		return nil, fmt.Errorf("httppeer: no final response in curl's headers:\n%s", raw)
	}
	return resp, nil
}
