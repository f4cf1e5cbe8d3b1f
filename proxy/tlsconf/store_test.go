package tlsconf

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/proxy/config"
)

func serial(c *tls.Certificate) int64 { return c.Leaf.SerialNumber.Int64() }

func TestStorePicksBySNI(t *testing.T) {
	ca, dir := newCA(t), t.TempDir()
	var pairs []config.TLSCertificate
	for i, names := range [][]string{{"a.example.com"}, {"*.b.example.com"}, {"x.b.example.com", "c.example.com"}} {
		cp, kp := ca.issue(t, int64(i+1), names...)
		c, k := writePair(t, dir, fmt.Sprint(i), cp, kp)
		pairs = append(pairs, config.TLSCertificate{CertFile: c, KeyFile: k})
	}
	st, err := NewStore(pairs, StoreOptions{})
	require.NoError(t, err)
	for sni, want := range map[string]int64{
		"a.example.com":     1,
		"A.Example.COM.":    1, // case and a trailing dot do not matter
		"y.b.example.com":   2, // wildcard
		"x.b.example.com":   3, // an exact name beats an earlier wildcard
		"c.example.com":     3,
		"b.example.com":     1, // a wildcard covers one label, not none: the first
		"z.y.b.example.com": 1,
		"unknown.test":      1,
		"":                  1,
	} {
		got, err := st.GetCertificate(&tls.ClientHelloInfo{ServerName: sni})
		require.NoError(t, err)
		assert.Equal(t, want, serial(got), "SNI %q", sni)
	}
}

func TestStoreReloads(t *testing.T) {
	ca, dir := newCA(t), t.TempDir()
	c1, k1 := ca.issue(t, 1, "a.example.com")
	certFile, keyFile := writePair(t, dir, "a", c1, k1)
	var results []error
	st, err := NewStore([]config.TLSCertificate{{CertFile: certFile, KeyFile: keyFile}}, StoreOptions{
		CheckEvery: time.Nanosecond, OnReload: func(err error) { results = append(results, err) },
	})
	require.NoError(t, err)
	current := func() int64 {
		c, err := st.GetCertificate(&tls.ClientHelloInfo{ServerName: "a.example.com"})
		require.NoError(t, err)
		return serial(c)
	}
	require.Equal(t, int64(1), current())

	// The same contents written again: nothing to reload.
	writePair(t, dir, "a", c1, k1)
	st.Check()
	assert.Empty(t, results)

	// A new pair takes over.
	c2, k2 := ca.issue(t, 2, "a.example.com")
	writePair(t, dir, "a", c2, k2)
	assert.Equal(t, int64(2), current())
	require.Len(t, results, 1)
	assert.NoError(t, results[0])

	// Half a replacement (a new certificate, the old key): kept, reported once.
	c3, k3 := ca.issue(t, 3, "a.example.com")
	require.NoError(t, os.WriteFile(certFile, c3, 0o600))
	assert.Equal(t, int64(2), current())
	require.Len(t, results, 2)
	assert.Error(t, results[1])
	require.NoError(t, os.WriteFile(certFile, append(c3, '\n'), 0o600)) // different broken contents
	assert.Equal(t, int64(2), current())
	require.Len(t, results, 3)
	require.NoError(t, os.Chtimes(certFile, time.Now(), time.Now().Add(time.Minute))) // same broken contents
	assert.Equal(t, int64(2), current())
	assert.Len(t, results, 3, "the same broken contents are reported once")

	// Garbage: kept.
	require.NoError(t, os.WriteFile(keyFile, []byte("not a key"), 0o600))
	assert.Equal(t, int64(2), current())
	require.Len(t, results, 4)

	// A missing file: kept.
	require.NoError(t, os.Remove(keyFile))
	assert.Equal(t, int64(2), current())
	require.Len(t, results, 5)

	// The key arrives: the new pair takes over.
	require.NoError(t, os.WriteFile(keyFile, k3, 0o600))
	assert.Equal(t, int64(3), current())
	require.Len(t, results, 6)
	assert.NoError(t, results[5])
}

func TestStoreThrottlesChecks(t *testing.T) {
	ca, dir := newCA(t), t.TempDir()
	c1, k1 := ca.issue(t, 1, "a.example.com")
	certFile, keyFile := writePair(t, dir, "a", c1, k1)
	st, err := NewStore([]config.TLSCertificate{{CertFile: certFile, KeyFile: keyFile}}, StoreOptions{CheckEvery: time.Hour})
	require.NoError(t, err)
	c2, k2 := ca.issue(t, 2, "a.example.com")
	writePair(t, dir, "a", c2, k2)
	got, _ := st.GetCertificate(&tls.ClientHelloInfo{})
	assert.Equal(t, int64(1), serial(got), "not checked again within CheckEvery")
	st.Check()
	got, _ = st.GetCertificate(&tls.ClientHelloInfo{})
	assert.Equal(t, int64(2), serial(got))
}

func TestNewStoreErrors(t *testing.T) {
	_, err := NewStore(nil, StoreOptions{})
	require.Error(t, err)
	dir := t.TempDir()
	_, err = NewStore([]config.TLSCertificate{{CertFile: filepath.Join(dir, "none.crt"), KeyFile: filepath.Join(dir, "none.key")}}, StoreOptions{})
	require.ErrorContains(t, err, "cert_file")
}

func TestServerConfig(t *testing.T) {
	ca, dir := newCA(t), t.TempDir()
	cp, kp := ca.issue(t, 1, "a.example.com")
	certFile, keyFile := writePair(t, dir, "a", cp, kp)
	caFile := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(caFile, ca.pem, 0o600))

	cfg, st, err := Server(&config.ListenerTLS{CertFile: certFile, KeyFile: keyFile}, ServerOptions{NextProtos: []string{"h2"}})
	require.NoError(t, err)
	require.NotNil(t, st)
	assert.Equal(t, uint16(tls.VersionTLS12), cfg.MinVersion)
	assert.Equal(t, tls.NoClientCert, cfg.ClientAuth)
	assert.Equal(t, []string{"h2"}, cfg.NextProtos)
	assert.Equal(t, []tls.CurveID{tls.X25519MLKEM768, tls.X25519, tls.CurveP256}, cfg.CurvePreferences)
	for _, id := range cfg.CipherSuites {
		name := tls.CipherSuiteName(id)
		assert.Regexp(t, `^TLS_ECDHE_(ECDSA|RSA)_WITH_(AES_\d+_GCM|CHACHA20_POLY1305)_SHA\d+$`, name)
	}

	cfg, _, err = Server(&config.ListenerTLS{CertFile: certFile, KeyFile: keyFile, MinVersion: "1.3", ClientCAFile: caFile}, ServerOptions{})
	require.NoError(t, err)
	assert.Equal(t, uint16(tls.VersionTLS13), cfg.MinVersion)
	assert.Equal(t, tls.RequireAndVerifyClientCert, cfg.ClientAuth)
	assert.NotNil(t, cfg.ClientCAs)

	cfg, _, err = Server(&config.ListenerTLS{CertFile: certFile, KeyFile: keyFile, ClientCAFile: caFile, ClientAuth: "optional"}, ServerOptions{})
	require.NoError(t, err)
	assert.Equal(t, tls.VerifyClientCertIfGiven, cfg.ClientAuth)

	_, _, err = Server(&config.ListenerTLS{CertFile: certFile, KeyFile: keyFile, ClientCAFile: certFile + ".none"}, ServerOptions{})
	assert.ErrorContains(t, err, "client_ca_file")
}

func TestClientConfig(t *testing.T) {
	ca, dir := newCA(t), t.TempDir()
	cp, kp := ca.issue(t, 7, "client")
	certFile, keyFile := writePair(t, dir, "client", cp, kp)
	caFile := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(caFile, ca.pem, 0o600))

	cfg, err := Client(&config.ClusterTLS{}, StoreOptions{})
	require.NoError(t, err)
	assert.Nil(t, cfg.RootCAs, "system roots")
	assert.False(t, cfg.InsecureSkipVerify, "verified by default")
	assert.Empty(t, cfg.ServerName, "the dialler fills in the endpoint's host")
	assert.Nil(t, cfg.GetClientCertificate)
	assert.Equal(t, uint16(tls.VersionTLS12), cfg.MinVersion)

	cfg, err = Client(&config.ClusterTLS{CAFile: caFile, ServerName: "up.example.com", CertFile: certFile, KeyFile: keyFile, MinVersion: "1.3"}, StoreOptions{})
	require.NoError(t, err)
	assert.NotNil(t, cfg.RootCAs)
	assert.Equal(t, "up.example.com", cfg.ServerName)
	assert.Equal(t, uint16(tls.VersionTLS13), cfg.MinVersion)
	require.NotNil(t, cfg.GetClientCertificate)
	got, err := cfg.GetClientCertificate(&tls.CertificateRequestInfo{})
	require.NoError(t, err)
	assert.Equal(t, int64(7), serial(got))

	cfg, err = Client(&config.ClusterTLS{InsecureSkipVerify: true}, StoreOptions{})
	require.NoError(t, err)
	assert.True(t, cfg.InsecureSkipVerify)

	_, err = Client(&config.ClusterTLS{CAFile: keyFile}, StoreOptions{})
	assert.ErrorContains(t, err, "no PEM certificate")
}
