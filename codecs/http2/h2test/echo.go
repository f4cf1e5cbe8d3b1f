package h2test

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/xgate/xgate/codecs/http2"
	"github.com/xgate/xgate/xprotocol"
)

// DefaultBody is what Echo answers a request without a body.
const DefaultBody = "xgate h2test echo\n"

// Echo answers every request stream: a 200 head at once (content-type
// copied from the request, text/plain if none), then the request body
// echoed DATA by DATA (DefaultBody if there was none), then trailers: the
// request's own trailers plus x-echo-bytes (the echoed byte count) and,
// for gRPC, grpc-status 0. A request for ":path" /size/N gets N generated
// bytes instead of the echo.
type Echo struct {
	streams map[uint64]*echoStream
}

type echoStream struct {
	grpc  bool
	size  int // -1: echo
	bytes int
	trail [][2]string
}

// NewEcho returns an Echo handler for one connection.
func NewEcho() Handler { return &Echo{streams: map[uint64]*echoStream{}} }

// Frame implements Handler.
func (e *Echo) Frame(w *Writer, f xprotocol.Frame) {
	defer f.Release()
	id := f.StreamID()
	switch f.Kind() {
	case xprotocol.KindRequest:
		st := &echoStream{grpc: f.Protocol() == http2.NameGRPC, size: -1}
		path, _ := f.Header().Get(":path")
		if n, ok := strings.CutPrefix(string(path), "/size/"); ok {
			st.size, _ = strconv.Atoi(n)
		}
		ct, ok := f.Header().Get("content-type")
		if !ok {
			ct = []byte("text/plain")
		}
		e.streams[id] = st
		w.Encode(http2.NewResponse(id, [][2]string{{":status", "200"}, {"content-type", string(ct)}}, nil, false))
		if f.EndStream() {
			e.finish(w, id, st)
		}
	case xprotocol.KindData:
		st := e.streams[id]
		if st == nil {
			return
		}
		if body := f.Body(); len(body) > 0 && st.size < 0 {
			st.bytes += len(body)
			w.Encode(http2.NewData(id, bytes.Clone(body), nil, false))
		}
		f.Header().Range(func(k, v []byte) bool {
			st.trail = append(st.trail, [2]string{string(k), string(v)})
			return true
		})
		if f.EndStream() {
			e.finish(w, id, st)
		}
	case xprotocol.KindReset:
		delete(e.streams, id)
	}
}

func (e *Echo) finish(w *Writer, id uint64, st *echoStream) {
	delete(e.streams, id)
	switch {
	case st.size >= 0:
		chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096)
		for left := st.size; left > 0; {
			n := min(left, len(chunk))
			w.Encode(http2.NewData(id, chunk[:n], nil, false))
			left -= n
			st.bytes += n
		}
	case st.bytes == 0 && !st.grpc:
		w.Encode(http2.NewData(id, []byte(DefaultBody), nil, false))
		st.bytes = len(DefaultBody)
	}
	tr := append(st.trail, [2]string{"x-echo-bytes", strconv.Itoa(st.bytes)})
	if st.grpc {
		tr = append(tr, [2]string{"grpc-status", "0"})
	}
	w.Encode(http2.NewData(id, nil, tr, true))
}
