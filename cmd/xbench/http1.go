package main

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/xgate/xgate/xprotocol"
)

// maxHead bounds an HTTP/1.1 response head.
const maxHead = 64 << 10

// http1Spec drives HTTP/1.1 POSTs of body to /echo, pipelined: -n requests
// are written back to back on each connection and the responses come back
// in order.
func http1Spec(addr string, body []byte) *protoSpec {
	req := fmt.Appendf(nil, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n",
		httpPath, addr, len(body))
	req = append(req, body...)
	return &protoSpec{inOrder: true, idBits: 62, newConn: func() (clientConn, error) {
		return &http1Conn{req: req}, nil
	}}
}

// http1Conn is an http1Spec connection.
type http1Conn struct{ req []byte }

func (c *http1Conn) appendRequest(dst []byte, _ uint64) ([]byte, error) {
	return append(dst, c.req...), nil
}

func (c *http1Conn) appendPending(dst []byte) []byte { return dst }

func (c *http1Conn) parse(src []byte) (reply, int, error) {
	status, n, err := parseHTTP1Response(src)
	if err != nil {
		return reply{}, 0, err
	}
	if status < 200 {
		return reply{}, n, nil // 1xx: the final response follows
	}
	r := reply{done: true}
	if status >= 400 {
		r.failed = "HTTP " + strconv.Itoa(status)
	}
	return r, n, nil
}

var (
	crlf2            = []byte("\r\n\r\n")
	hdrContentLength = []byte("content-length")
	hdrTransferEnc   = []byte("transfer-encoding")
	tokenChunked     = []byte("chunked")
)

// parseHTTP1Response finds the end of the response at the front of src and
// returns its status code and length. It understands Content-Length and
// chunked bodies (responses without either, other than 1xx, 204 and 304,
// are refused: the tool needs persistent connections).
func parseHTTP1Response(src []byte) (status, n int, err error) {
	end := bytes.Index(src, crlf2)
	if end < 0 {
		if len(src) > maxHead {
			return 0, 0, fmt.Errorf("http1: response head over %d bytes", maxHead)
		}
		return 0, 0, xprotocol.ErrIncomplete
	}
	head := src[:end]
	if len(head) < 12 || !bytes.HasPrefix(head, []byte("HTTP/1.")) || head[8] != ' ' {
		return 0, 0, fmt.Errorf("http1: bad status line %q", firstLine(head))
	}
	status, err = strconv.Atoi(string(head[9:12]))
	if err != nil {
		return 0, 0, fmt.Errorf("http1: bad status code %q", head[9:12])
	}
	bodyStart := end + 4
	cl, chunked := -1, false
	rest := head
	for {
		i := bytes.Index(rest, []byte("\r\n"))
		if i < 0 {
			break
		}
		rest = rest[i+2:]
		line := rest
		if j := bytes.Index(line, []byte("\r\n")); j >= 0 {
			line = line[:j]
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		name, value := line[:colon], bytes.TrimSpace(line[colon+1:])
		switch {
		case bytes.EqualFold(name, hdrContentLength):
			v, perr := strconv.Atoi(string(value))
			if perr != nil || v < 0 {
				return 0, 0, fmt.Errorf("http1: bad Content-Length %q", value)
			}
			cl = v
		case bytes.EqualFold(name, hdrTransferEnc):
			chunked = bytes.Contains(bytes.ToLower(value), tokenChunked)
		}
	}
	switch {
	case status < 200 || status == 204 || status == 304:
		return status, bodyStart, nil
	case chunked:
		m, err := chunkedLen(src[bodyStart:])
		if err != nil {
			return 0, 0, err
		}
		return status, bodyStart + m, nil
	case cl >= 0:
		if len(src) < bodyStart+cl {
			return 0, 0, xprotocol.ErrIncomplete
		}
		return status, bodyStart + cl, nil
	}
	return 0, 0, fmt.Errorf("http1: status %d without Content-Length or chunked coding", status)
}

// chunkedLen returns the length of the chunked body (with its trailers) at
// the front of src.
func chunkedLen(src []byte) (int, error) {
	off := 0
	for {
		i := bytes.Index(src[off:], []byte("\r\n"))
		if i < 0 {
			return 0, xprotocol.ErrIncomplete
		}
		line := src[off : off+i]
		if j := bytes.IndexByte(line, ';'); j >= 0 {
			line = line[:j]
		}
		size, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 16, 32)
		if err != nil {
			return 0, fmt.Errorf("http1: bad chunk size %q", line)
		}
		off += i + 2
		if size == 0 {
			// Trailers, then an empty line.
			for {
				k := bytes.Index(src[off:], []byte("\r\n"))
				if k < 0 {
					return 0, xprotocol.ErrIncomplete
				}
				off += k + 2
				if k == 0 {
					return off, nil
				}
			}
		}
		off += int(size) + 2
		if off > len(src) {
			return 0, xprotocol.ErrIncomplete
		}
	}
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}
