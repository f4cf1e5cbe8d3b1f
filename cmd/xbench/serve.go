package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/xgate/xgate/codecs/bolt/boltpeer"
	"github.com/xgate/xgate/codecs/dubbo/dubbopeer"
	"github.com/xgate/xgate/codecs/thrift/thriftpeer"
	"github.com/xgate/xgate/conformance/grpcpeer"
)

// echoServer is a running echo server.
type echoServer struct {
	addr  string
	close func()
}

// startEcho starts the echo server of protocol (variant for Thrift) on addr
// ("127.0.0.1:0" for a free port). Dubbo and Thrift use fastEcho (the
// gateway's codecs) unless peer is set, which selects the project's test
// peers built on the reference libraries (dubbo-go's hessian2 codec,
// Apache Thrift's generated TSimpleServer). Bolt and gRPC always use the
// test peers (the codec's own frame writer; grpc-go); HTTP/1.1 and h2c use
// net/http with a handler that answers with the request body and a
// Content-Length.
func startEcho(protocol, variant, addr string, peer bool) (*echoServer, error) {
	if !peer && (protocol == "dubbo" || protocol == "thrift") {
		if protocol == "thrift" {
			if _, ok := thriftVariants[variant]; !ok {
				return nil, fmt.Errorf("unknown thrift variant %q", variant)
			}
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen: %w", err)
		}
		s, err := startFastEcho(ln, protocol)
		if err != nil {
			_ = ln.Close()
			return nil, err
		}
		return &echoServer{addr: s.Addr(), close: func() { _ = s.Close() }}, nil
	}
	switch protocol {
	case "bolt", "dubbo":
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen: %w", err)
		}
		if protocol == "bolt" {
			s := boltpeer.Serve(ln, boltpeer.ServerOptions{Name: "xbench"})
			return &echoServer{addr: s.Addr(), close: func() { _ = s.Close() }}, nil
		}
		s := dubbopeer.Serve(ln, dubbopeer.ServerOptions{Name: "xbench"})
		return &echoServer{addr: s.Addr(), close: func() { _ = s.Close() }}, nil
	case "thrift":
		v, ok := thriftVariants[variant]
		if !ok {
			return nil, fmt.Errorf("unknown thrift variant %q", variant)
		}
		s, err := thriftpeer.Serve(thriftpeer.ServerOptions{Variant: v, Address: addr, Name: "xbench"})
		if err != nil {
			return nil, fmt.Errorf("thrift echo server: %w", err)
		}
		// The peer remembers every call for tests: forget them regularly.
		stop := make(chan struct{})
		go func() {
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					s.Reset()
				case <-stop:
					return
				}
			}
		}()
		return &echoServer{addr: s.Addr(), close: func() { close(stop); s.Stop() }}, nil
	case "grpc":
		s, err := grpcpeer.Start(grpcpeer.Options{Address: addr, Name: "xbench"})
		if err != nil {
			return nil, fmt.Errorf("grpc echo server: %w", err)
		}
		return &echoServer{addr: s.Addr(), close: s.Close}, nil
	case "http1", "h2":
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen: %w", err)
		}
		var protos http.Protocols
		protos.SetHTTP1(true)
		protos.SetUnencryptedHTTP2(true)
		srv := &http.Server{Handler: http.HandlerFunc(httpEcho), Protocols: &protos, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		return &echoServer{addr: ln.Addr().String(), close: func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
		}}, nil
	}
	return nil, fmt.Errorf("unknown protocol %q", protocol)
}

// bodyBufs recycles the HTTP echo handler's buffers.
var bodyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// httpEcho answers with the request body, with a Content-Length.
func httpEcho(w http.ResponseWriter, r *http.Request) {
	bp := bodyBufs.Get().(*[]byte)
	defer bodyBufs.Put(bp)
	buf := (*bp)[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	*bp = buf
	h := w.Header()
	h["Content-Type"] = []string{"application/octet-stream"}
	h["Content-Length"] = []string{strconv.Itoa(len(buf))}
	_, _ = w.Write(buf)
}
