package transport

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testPKI is a self-signed ECDSA P-256 certificate for 127.0.0.1 and
// localhost, made once per test binary.
type testPKI struct {
	cert tls.Certificate
	pool *x509.CertPool
}

var (
	pkiOnce sync.Once
	pki     testPKI
	pkiErr  error
)

func testCert(t testing.TB) testPKI {
	t.Helper()
	pkiOnce.Do(func() { pki, pkiErr = makeCert() })
	require.NoError(t, pkiErr)
	return pki
}

func makeCert() (testPKI, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return testPKI{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "xgate transport test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return testPKI{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return testPKI{}, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return testPKI{cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool: pool}, nil
}

// serverTLSConfig offers the test certificate and, if given, ALPN protocols.
func serverTLSConfig(t testing.TB, protos ...string) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{testCert(t).cert}, NextProtos: protos}
}

// clientTLSConfig trusts the test certificate.
func clientConfig(t testing.TB, protos ...string) *tls.Config {
	return &tls.Config{RootCAs: testCert(t).pool, ServerName: "127.0.0.1", NextProtos: protos}
}

// startTLSServer starts a TLS server on a port chosen by the kernel.
func startTLSServer(t testing.TB, opts ServerOptions) *testServer {
	t.Helper()
	if opts.Address == "" {
		opts.Address = "127.0.0.1:0"
	}
	if opts.TLS == nil {
		opts.TLS = serverTLSConfig(t, "h2", "http/1.1")
	}
	ts := startServer(t, opts)
	t.Cleanup(func() { // before startServer's: stop first, then check
		ts.stop(t)
		requireNoTLSConns(t, ts.Server)
	})
	return ts
}

// requireNoTLSConns checks that a stopped server forgot every TLS
// connection (their goroutines are gone; goleak checks it too).
func requireNoTLSConns(t testing.TB, s *Server) {
	t.Helper()
	s.tl.mu.Lock()
	defer s.tl.mu.Unlock()
	require.Empty(t, s.tl.conns, "TLS connections still tracked after Stop")
}

// dialTLS connects a crypto/tls client and completes its handshake; the
// deadline is a failsafe only. rcvbuf > 0 shrinks the socket's receive
// buffer first.
func dialTLS(t testing.TB, addr string, cfg *tls.Config, rcvbuf int) *tls.Conn {
	t.Helper()
	raw, err := net.DialTimeout("tcp", addr, failsafe)
	require.NoError(t, err)
	if rcvbuf > 0 {
		require.NoError(t, raw.(*net.TCPConn).SetReadBuffer(rcvbuf))
	}
	nc := tls.Client(raw, cfg)
	t.Cleanup(func() { _ = raw.Close() })
	require.NoError(t, nc.SetDeadline(time.Now().Add(failsafe)))
	require.NoError(t, nc.Handshake())
	return nc
}

// statsOn snapshots c (a TLS connection) on its loop.
func statsOn(t testing.TB, c *Conn) (st tlsStats, paused bool, out int, inbuf int) {
	t.Helper()
	onLoop(t, c.Loop(), func() {
		st = c.tc.stats()
		paused = c.paused
		out = c.Outbound()
		inbuf = len(c.tc.inbuf)
	})
	return
}
