package httppeer

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/http2"
)

// Client is an *http.Client (use Get, Do, …) whose transport Close shuts.
// It never uses a proxy from the environment and never asks for
// compression, so bodies arrive as the server (or the gateway) sent them.
type Client struct {
	*http.Client
}

// NewH1Client returns a net/http client that speaks HTTP/1.1 only, with
// keep-alive connections (up to 64 idle per host).
func NewH1Client() *Client {
	var protos http.Protocols
	protos.SetHTTP1(true)
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		Protocols:           &protos,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	return &Client{Client: &http.Client{Transport: tr}}
}

// NewH2CClient returns a client on golang.org/x/net/http2's Transport that
// speaks h2c with prior knowledge to http:// URLs: a plain TCP connection
// that starts with the HTTP/2 preface, requests multiplexed on it.
func NewH2CClient() *Client {
	tr := &http2.Transport{
		AllowHTTP:          true,
		DisableCompression: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			d := net.Dialer{Timeout: 5 * time.Second}
			return d.DialContext(ctx, network, addr)
		},
	}
	return &Client{Client: &http.Client{Transport: tr}}
}

// Close closes the client's idle connections; connections still carrying
// a response close when its body is closed.
func (c *Client) Close() { c.CloseIdleConnections() }
