package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/xgate/xgate/conformance/grpcpeer"
	"github.com/xgate/xgate/conformance/httppeer"
)

// selfSigned writes a certificate for 127.0.0.1 and its key as PEM files
// and returns their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "xgate test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestTLSWithALPN: one TLS listener serves HTTP/2 to clients that offer
// h2 (ALPN), HTTP/1.1 to those that offer only http/1.1, and gRPC, to
// plain-text backends.
func TestTLSWithALPN(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	web := httpBackend(t, "web", true)
	rpc := grpcBackend(t, grpcpeer.Options{Name: "rpc"})
	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    tls: {cert_file: %s, key_file: %s}
    routes:
      - match: {service: grpc.testing.TestService}
        cluster: rpc
      - cluster: web
clusters:
  - {name: web, protocol: http2, endpoints: [%s]}
  - {name: rpc, protocol: grpc, endpoints: [%s]}
`, certFile, keyFile, web.Addr(), rpc.Addr()))
	base := "https://" + g.addr

	t.Run("h2 by ALPN", func(t *testing.T) {
		var state *tls.ConnectionState
		tr := &http2.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, NextProtos: []string{"h2"}}}
		c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
		defer tr.CloseIdleConnections()
		resp, err := c.Get(base + "/echo")
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		require.NoError(t, resp.Body.Close())
		state = resp.TLS
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "HTTP/2.0", resp.Proto)
		require.NotNil(t, state)
		assert.Equal(t, "h2", state.NegotiatedProtocol)
		assert.Equal(t, "https", resp.Header.Get("X-Echo-X-Forwarded-Proto"))
	})
	t.Run("http/1.1 fallback", func(t *testing.T) {
		var protos http.Protocols
		protos.SetHTTP1(true)
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}}, Protocols: &protos}
		defer tr.CloseIdleConnections()
		c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
		resp, err := c.Get(base + "/echo")
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "HTTP/1.1", resp.Proto)
		require.NotNil(t, resp.TLS)
		assert.Equal(t, "http/1.1", resp.TLS.NegotiatedProtocol)
		assert.Equal(t, "HTTP/2.0", resp.Header.Get("X-Echo-Proto"), "translated to the HTTP/2 backend")
	})
	t.Run("grpc", func(t *testing.T) {
		cc, err := grpcpeer.Dial(g.addr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool})))
		require.NoError(t, err)
		defer cc.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := grpcpeer.Unary(ctx, cc, 1000, 1000)
		require.NoError(t, err)
		assert.Equal(t, "rpc", resp.GetUsername())
	})
	t.Run("curl", func(t *testing.T) {
		ctx := ctxTimeout(t, 20*time.Second)
		resp, err := httppeer.Curl(ctx, base+"/echo", false, "--cacert", certFile, "--http2")
		if err != nil && errorsIsNoCurl(err) {
			t.Skip("curl is not installed")
		}
		require.NoError(t, err)
		assert.Equal(t, "HTTP/2", resp.Proto)
		assert.Equal(t, 200, resp.StatusCode)
	})
	t.Run("plain text refused", func(t *testing.T) {
		c, err := net.Dial("tcp", g.addr)
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
		_, _ = c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		_, err = io.ReadAll(c)
		assert.NotErrorIs(t, err, os.ErrDeadlineExceeded, "a non-TLS client is closed, not left hanging")
	})
}
