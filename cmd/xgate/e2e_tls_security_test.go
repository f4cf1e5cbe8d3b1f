package main

import (
	"bufio"
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
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tlsCA is a certificate authority made for one test; nothing it signs is
// committed.
type tlsCA struct {
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	pool   *x509.CertPool
	pemOut []byte
}

func newTLSCA(t *testing.T, name string) *tlsCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tlsCA{cert: cert, key: key, pool: pool, pemOut: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue signs a leaf for names (DNS names, or IP addresses) with serial and
// returns it and its key as PEM.
func (ca *tlsCA) issue(t *testing.T, serial int64, names ...string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

// files writes a leaf from issue to dir/name.crt and dir/name.key.
func (ca *tlsCA) files(t *testing.T, dir, name string, serial int64, names ...string) (certFile, keyFile string) {
	t.Helper()
	c, k := ca.issue(t, serial, names...)
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	require.NoError(t, os.WriteFile(certFile, c, 0o600))
	require.NoError(t, os.WriteFile(keyFile, k, 0o600))
	return certFile, keyFile
}

// caFile writes the CA certificate to dir and returns its path.
func (ca *tlsCA) caFile(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, ca.cert.Subject.CommonName+".pem")
	require.NoError(t, os.WriteFile(p, ca.pemOut, 0o600))
	return p
}

// handshake connects to addr with cfg and returns the connection.
func handshake(addr string, cfg *tls.Config) (*tls.Conn, error) {
	d := &net.Dialer{Timeout: 10 * time.Second}
	return tls.DialWithDialer(d, "tcp", addr, cfg)
}

// leafSerial returns the serial of the certificate addr serves for SNI name.
func leafSerial(t *testing.T, addr string, pool *x509.CertPool, name string) int64 {
	t.Helper()
	c, err := handshake(addr, &tls.Config{RootCAs: pool, ServerName: name})
	require.NoError(t, err, "handshake for %s", name)
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

// getOn sends an HTTP/1.1 GET on c and returns the response status.
func getOn(t *testing.T, c net.Conn, br *bufio.Reader, path string) int {
	t.Helper()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	_, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: a.test\r\n\r\n", path)
	require.NoError(t, err)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	return resp.StatusCode
}

// TestTLSListenerSNIAndReload: a listener with two certificates serves each
// name its own (the first for other names); rewriting a certificate's files
// changes what new handshakes get within the check interval while an open
// connection goes on; a broken replacement is counted and the previous
// certificate kept; SIGHUP reloads keep serving; TLS 1.1 is refused.
func TestTLSListenerSNIAndReload(t *testing.T) {
	ca, dir := newTLSCA(t, "sni-ca"), t.TempDir()
	aCert, aKey := ca.files(t, dir, "a", 1, "a.test")
	bCert, bKey := ca.files(t, dir, "b", 2, "b.test", "*.b.test")
	web := httpBackend(t, "web", false)
	cfg := fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    tls:
      cert_file: %s
      key_file: %s
      certificates: [{cert_file: %s, key_file: %s}]
    routes: [{cluster: web}]
clusters:
  - {name: web, protocol: http1, endpoints: [%s]}
`, aCert, aKey, bCert, bKey, web.Addr())
	g := startGateway(t, cfg)

	assert.Equal(t, int64(1), leafSerial(t, g.addr, ca.pool, "a.test"))
	assert.Equal(t, int64(2), leafSerial(t, g.addr, ca.pool, "b.test"))
	assert.Equal(t, int64(2), leafSerial(t, g.addr, ca.pool, "x.b.test"), "wildcard")
	other, err := handshake(g.addr, &tls.Config{InsecureSkipVerify: true, ServerName: "other.test"}) //nolint:gosec // only the served leaf is looked at
	require.NoError(t, err)
	assert.Equal(t, int64(1), other.ConnectionState().PeerCertificates[0].SerialNumber.Int64(), "unknown names get the first certificate")
	_ = other.Close()

	// An open connection, kept across the rotation.
	open, err := handshake(g.addr, &tls.Config{RootCAs: ca.pool, ServerName: "a.test", NextProtos: []string{"http/1.1"}})
	require.NoError(t, err)
	defer open.Close()
	br := bufio.NewReader(open)
	require.Equal(t, 200, getOn(t, open, br, "/echo"))

	// Rotation: a new certificate (serial 3) for a.test.
	c3, k3 := ca.issue(t, 3, "a.test")
	require.NoError(t, os.WriteFile(aCert, c3, 0o600))
	require.NoError(t, os.WriteFile(aKey, k3, 0o600))
	require.Eventually(t, func() bool { return leafSerial(t, g.addr, ca.pool, "a.test") == 3 },
		10*time.Second, 50*time.Millisecond, "new handshakes never got the new certificate")
	assert.Equal(t, int64(2), leafSerial(t, g.addr, ca.pool, "b.test"), "the other certificate is untouched")
	assert.Equal(t, 200, getOn(t, open, br, "/echo"), "the open connection goes on")
	assert.Equal(t, int64(1), open.ConnectionState().PeerCertificates[0].SerialNumber.Int64())
	g.waitLog(t, "tls certificate reloaded")
	assert.GreaterOrEqual(t, g.metric(`xgate_tls_certificate_reloads_total{listener="edge",result="ok"}`), 1.0)

	// A broken replacement: counted and logged, serial 3 kept.
	require.NoError(t, os.WriteFile(aCert, []byte("-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n"), 0o600))
	require.Eventually(t, func() bool {
		_ = leafSerial(t, g.addr, ca.pool, "a.test") // a handshake makes the listener look at its files
		return g.metric(`xgate_tls_certificate_reloads_total{listener="edge",result="error"}`) >= 1
	}, 10*time.Second, 50*time.Millisecond, "the broken certificate was never reported")
	g.waitLog(t, "tls certificate reload failed, keeping the previous one")
	assert.Equal(t, int64(3), leafSerial(t, g.addr, ca.pool, "a.test"), "the previous certificate is kept")

	// Old versions and suites are refused.
	_, err = handshake(g.addr, &tls.Config{RootCAs: ca.pool, ServerName: "a.test", MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
	require.Error(t, err, "a TLS 1.1 client is refused")
	_, err = handshake(g.addr, &tls.Config{RootCAs: ca.pool, ServerName: "a.test", MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}})
	require.Error(t, err, "a CBC suite is refused")
	c12, err := handshake(g.addr, &tls.Config{RootCAs: ca.pool, ServerName: "a.test", MaxVersion: tls.VersionTLS12})
	require.NoError(t, err)
	assert.Equal(t, uint16(tls.VersionTLS12), c12.ConnectionState().Version)
	_ = c12.Close()
	c13, err := handshake(g.addr, &tls.Config{RootCAs: ca.pool, ServerName: "a.test"})
	require.NoError(t, err)
	assert.Equal(t, uint16(tls.VersionTLS13), c13.ConnectionState().Version, "TLS 1.3 preferred")
	_ = c13.Close()

	// Reloads (SIGHUP): refused while a certificate file is broken (the
	// running configuration keeps serving); the same configuration once
	// repaired keeps serving; a changed tls block (min_version 1.3) takes
	// effect.
	reloads := func(n int) {
		t.Helper()
		require.Eventually(t, func() bool { return strings.Count(g.logs(), "configuration reloaded") >= n },
			10*time.Second, 10*time.Millisecond, "reload %d not logged", n)
	}
	require.NoError(t, g.cmd.Process.Signal(syscall.SIGHUP))
	g.waitLog(t, "reload refused: invalid configuration")
	assert.Equal(t, int64(3), leafSerial(t, g.addr, ca.pool, "a.test"))
	require.NoError(t, os.WriteFile(aCert, c3, 0o600)) // repaired
	require.NoError(t, g.cmd.Process.Signal(syscall.SIGHUP))
	reloads(1)
	assert.Equal(t, int64(3), leafSerial(t, g.addr, ca.pool, "a.test"))
	assert.Equal(t, int64(2), leafSerial(t, g.addr, ca.pool, "b.test"))
	g.rewrite(t, strings.Replace(cfg, "    routes: [{cluster: web}]", "      min_version: \"1.3\"\n    routes: [{cluster: web}]", 1))
	require.NoError(t, g.cmd.Process.Signal(syscall.SIGHUP))
	reloads(2)
	// The listener restarts on its port (drained first): wait until it
	// answers TLS 1.3 and refuses TLS 1.2.
	require.Eventually(t, func() bool {
		c, err := handshake(g.addr, &tls.Config{RootCAs: ca.pool, ServerName: "a.test"})
		if err != nil {
			return false // not listening again yet
		}
		_ = c.Close()
		c, err = handshake(g.addr, &tls.Config{RootCAs: ca.pool, ServerName: "a.test", MaxVersion: tls.VersionTLS12})
		if err == nil {
			_ = c.Close()
		}
		return err != nil
	}, 10*time.Second, 20*time.Millisecond, "TLS 1.2 still accepted after the reload to min_version 1.3")
	assert.Equal(t, int64(3), leafSerial(t, g.addr, ca.pool, "a.test"))
	assert.Equal(t, int64(2), leafSerial(t, g.addr, ca.pool, "b.test"))
}

// TestTLSListenerMinVersionAndClientCerts: min_version "1.3" refuses TLS
// 1.2; client_ca_file requires a client certificate signed by that CA.
func TestTLSListenerMinVersionAndClientCerts(t *testing.T) {
	ca, clients, dir := newTLSCA(t, "server-ca"), newTLSCA(t, "client-ca"), t.TempDir()
	srvCert, srvKey := ca.files(t, dir, "srv", 1, "127.0.0.1")
	web := httpBackend(t, "web", false)
	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    tls: {cert_file: %s, key_file: %s, min_version: "1.3", client_ca_file: %s}
    routes: [{cluster: web}]
clusters:
  - {name: web, protocol: http1, endpoints: [%s]}
`, srvCert, srvKey, clients.caFile(t, dir), web.Addr()))

	good, err := tls.X509KeyPair(clients.issue(t, 5, "client.test"))
	require.NoError(t, err)
	stranger, err := tls.X509KeyPair(newTLSCA(t, "other-ca").issue(t, 6, "client.test"))
	require.NoError(t, err)

	_, err = handshake(g.addr, &tls.Config{RootCAs: ca.pool, MaxVersion: tls.VersionTLS12, Certificates: []tls.Certificate{good}})
	require.Error(t, err, "TLS 1.2 is refused with min_version 1.3")

	get := func(certs ...tls.Certificate) error {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.pool, Certificates: certs}}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get("https://" + g.addr + "/echo")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	assert.NoError(t, get(good), "a client certificate from client_ca_file's CA")
	assert.Error(t, get(), "no client certificate")
	assert.Error(t, get(stranger), "a client certificate from another CA")
}

// tlsUpstream is an HTTP/1.1 server behind crypto/tls; it answers with the
// common name of the client certificate it got, if any.
func tlsUpstream(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	require.NoError(t, err)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cn := "-"
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			cn = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		w.Header().Set("X-Client-CN", cn)
		_, _ = io.WriteString(w, "ok")
	}), ErrorLog: nil}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// TestTLSUpstream: clusters reach TLS upstreams, verifying them by default:
// with ca_file they work, without (an unknown CA) requests get 503 and the
// failure is counted as verify; an upstream that requires client
// certificates works with cert_file/key_file and fails without; the active
// health check dials TLS too.
func TestTLSUpstream(t *testing.T) {
	ca, clients, dir := newTLSCA(t, "upstream-ca"), newTLSCA(t, "gateway-client-ca"), t.TempDir()
	c, k := ca.issue(t, 1, "127.0.0.1", "up.test")
	srvPair, err := tls.X509KeyPair(c, k)
	require.NoError(t, err)
	plain := tlsUpstream(t, &tls.Config{Certificates: []tls.Certificate{srvPair}})
	mtls := tlsUpstream(t, &tls.Config{Certificates: []tls.Certificate{srvPair}, ClientCAs: clients.pool, ClientAuth: tls.RequireAndVerifyClientCert})
	caPEM := ca.caFile(t, dir)
	gwCert, gwKey := clients.files(t, dir, "gateway", 9, "xgate-gateway")

	g := startGateway(t, fmt.Sprintf(`
admin: {address: "{{ADMIN}}"}
listeners:
  - name: edge
    address: "{{ADDR}}"
    routes:
      - {match: {path_prefix: /verified}, cluster: verified}
      - {match: {path_prefix: /named}, cluster: named}
      - {match: {path_prefix: /unknown-ca}, cluster: unknown_ca}
      - {match: {path_prefix: /mtls-ok}, cluster: mtls_ok}
      - {match: {path_prefix: /mtls-nocert}, cluster: mtls_nocert}
clusters:
  - name: verified
    protocol: http1
    endpoints: [%[1]s]
    tls: {ca_file: %[3]s}
    health_check: {kind: tcp, interval: 100ms, timeout: 100ms}
  - name: named
    protocol: http1
    endpoints: [%[1]s]
    tls: {ca_file: %[3]s, server_name: up.test, min_version: "1.3"}
  - name: unknown_ca
    protocol: http1
    endpoints: [%[1]s]
    tls: {}
  - name: mtls_ok
    protocol: http1
    endpoints: [%[2]s]
    tls: {ca_file: %[3]s, cert_file: %[4]s, key_file: %[5]s}
  - name: mtls_nocert
    protocol: http1
    endpoints: [%[2]s]
    tls: {ca_file: %[3]s}
`, plain, mtls, caPEM, gwCert, gwKey))

	client := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get("http://" + g.addr + path)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		require.NoError(t, resp.Body.Close())
		return resp.StatusCode, resp.Header.Get("X-Client-CN")
	}

	code, cn := get("/verified/a")
	assert.Equal(t, 200, code)
	assert.Equal(t, "-", cn)
	code, _ = get("/named/a")
	assert.Equal(t, 200, code, "server_name up.test is verified")

	code, _ = get("/unknown-ca/a")
	assert.Equal(t, 503, code, "an upstream signed by an unknown CA is unavailable")
	assert.GreaterOrEqual(t, g.metric(`xgate_upstream_tls_errors_total{cluster="unknown_ca",reason="verify"}`), 1.0)
	g.waitLog(t, "upstream TLS certificate verification failed")

	code, cn = get("/mtls-ok/a")
	assert.Equal(t, 200, code)
	assert.Equal(t, "xgate-gateway", cn, "the upstream saw the gateway's client certificate")

	code, _ = get("/mtls-nocert/a")
	assert.Equal(t, 503, code, "without a client certificate the upstream refuses")
	assert.GreaterOrEqual(t, g.metric(`xgate_upstream_tls_errors_total{cluster="mtls_nocert",reason="handshake"}`), 1.0)

	// The health check of "verified" passes over TLS (a failing one would
	// mark the host unhealthy).
	require.Eventually(t, func() bool {
		return g.metric(`xgate_health_check_transitions_total{cluster="verified",state="healthy"}`) >= 1
	}, 10*time.Second, 20*time.Millisecond)
	assert.Zero(t, g.metric(`xgate_health_check_transitions_total{cluster="verified",state="unhealthy"}`))
	assert.Zero(t, g.metric(`xgate_upstream_tls_errors_total{cluster="verified",reason="verify"}`))
}

// TestTLSAdminPublicAddressRefused: xgate refuses to start with the admin
// server on a wildcard address unless admin.allow_public is set.
func TestTLSAdminPublicAddressRefused(t *testing.T) {
	web := httpBackend(t, "web", false)
	port := freeAddr(t)[len("127.0.0.1:"):]
	cfg := fmt.Sprintf(`
admin: {address: "0.0.0.0:%s"}
listeners:
  - name: edge
    address: "%s"
    routes: [{cluster: web}]
clusters:
  - {name: web, protocol: http1, endpoints: [%s]}
`, port, freeAddr(t), web.Addr())
	path := filepath.Join(t.TempDir(), "xgate.yaml")
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	out, err := exec.Command(xgateBin, "run", "-c", path).CombinedOutput()
	require.Error(t, err, "xgate started with a public admin address:\n%s", out)
	assert.Contains(t, string(out), "admin.address")
	assert.Contains(t, string(out), "admin.allow_public: true")

	// allow_public is covered by proxy/config TestAdminAddressLoopbackOnly:
	// the tests bind loopback only.
}
