package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testPair writes a self-signed certificate and its key (made for this
// test) to dir and returns their paths.
func testPair(t *testing.T, dir, name string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		DNSNames: []string{name}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certFile, keyFile
}

// tlsDoc is a configuration with listenerTLS as the listener's tls block
// and clusterTLS as the cluster's (each omitted when empty).
func tlsDoc(listenerTLS, clusterTLS string) string {
	doc := "listeners:\n  - name: edge\n    address: 127.0.0.1:2045\n"
	if listenerTLS != "" {
		doc += "    tls: " + listenerTLS + "\n"
	}
	doc += "    routes: [{cluster: up}]\nclusters:\n  - name: up\n    endpoints: [127.0.0.1:12200]\n"
	if clusterTLS != "" {
		doc += "    tls: " + clusterTLS + "\n"
	}
	return doc
}

func TestTLSConfigValid(t *testing.T) {
	dir := t.TempDir()
	a, ak := testPair(t, dir, "a.example.com")
	b, bk := testPair(t, dir, "b.example.com")
	c, err := Parse([]byte(tlsDoc(
		fmt.Sprintf("{cert_file: %s, key_file: %s, certificates: [{cert_file: %s, key_file: %s}], min_version: \"1.3\", client_ca_file: %s, client_auth: optional}", a, ak, b, bk, a),
		fmt.Sprintf("{ca_file: %s, server_name: up.example.com, cert_file: %s, key_file: %s, min_version: \"1.2\"}", a, b, bk),
	)), testProtocols)
	require.NoError(t, err)
	lt := c.Listeners[0].TLS
	require.NotNil(t, lt)
	assert.Equal(t, []TLSCertificate{{a, ak}, {b, bk}}, lt.Pairs())
	assert.Equal(t, "1.3", lt.MinVersion)
	assert.Equal(t, ClientAuthOptional, lt.ClientAuth)
	ct := c.Clusters[0].TLS
	require.NotNil(t, ct)
	assert.Equal(t, ClusterTLS{CAFile: a, ServerName: "up.example.com", CertFile: b, KeyFile: bk, MinVersion: "1.2"}, *ct)

	// The list form alone, and an empty cluster block (verify against the
	// system roots).
	c, err = Parse([]byte(tlsDoc(fmt.Sprintf("{certificates: [{cert_file: %s, key_file: %s}]}", a, ak), "{}")), testProtocols)
	require.NoError(t, err)
	assert.Equal(t, []TLSCertificate{{a, ak}}, c.Listeners[0].TLS.Pairs())
	assert.Equal(t, ClusterTLS{}, *c.Clusters[0].TLS)
}

func TestTLSConfigBroken(t *testing.T) {
	dir := t.TempDir()
	a, ak := testPair(t, dir, "a.example.com")
	_, bk := testPair(t, dir, "b.example.com")
	missing := filepath.Join(dir, "missing.pem")
	tests := []struct {
		name, listener, cluster string
		path, msg               string
	}{
		{"no certificate", "{}", "", "listeners[0].tls.cert_file", "is required"},
		{"key missing", fmt.Sprintf("{cert_file: %s}", a), "", "listeners[0].tls.key_file", "is required"},
		{"list entry without key", fmt.Sprintf("{certificates: [{cert_file: %s}]}", a), "", "listeners[0].tls.certificates[0].key_file", "is required"},
		{"mismatched pair", fmt.Sprintf("{certificates: [{cert_file: %s, key_file: %s}]}", a, bk), "", "listeners[0].tls.certificates[0]", "cannot load the certificate"},
		{"bad min_version", fmt.Sprintf("{cert_file: %s, key_file: %s, min_version: \"1.1\"}", a, ak), "", "listeners[0].tls.min_version", `unknown TLS version "1.1"`},
		{"unreadable client CA", fmt.Sprintf("{cert_file: %s, key_file: %s, client_ca_file: %s}", a, ak, missing), "", "listeners[0].tls.client_ca_file", "cannot read the CA bundle"},
		{"client CA without certificates", fmt.Sprintf("{cert_file: %s, key_file: %s, client_ca_file: %s}", a, ak, ak), "", "listeners[0].tls.client_ca_file", "holds no PEM certificate"},
		{"client_auth without CA", fmt.Sprintf("{cert_file: %s, key_file: %s, client_auth: require}", a, ak), "", "listeners[0].tls.client_auth", "needs client_ca_file"},
		{"unknown client_auth", fmt.Sprintf("{cert_file: %s, key_file: %s, client_ca_file: %s, client_auth: maybe}", a, ak, a), "", "listeners[0].tls.client_auth", `unknown client_auth "maybe"`},
		{"unknown listener key", fmt.Sprintf("{cert_file: %s, key_file: %s, ciphers: [x]}", a, ak), "", "listeners[0].tls.ciphers", "unknown field"},
		{"cluster ca_file missing", "", fmt.Sprintf("{ca_file: %s}", missing), "clusters[0].tls.ca_file", "cannot read the CA bundle"},
		{"cluster cert without key", "", fmt.Sprintf("{cert_file: %s}", a), "clusters[0].tls.key_file", "is required"},
		{"cluster key without cert", "", fmt.Sprintf("{key_file: %s}", ak), "clusters[0].tls.cert_file", "is required"},
		{"cluster insecure with ca_file", "", fmt.Sprintf("{ca_file: %s, insecure_skip_verify: true}", a), "clusters[0].tls.insecure_skip_verify", "cannot be combined with ca_file"},
		{"cluster bad min_version", "", `{min_version: "1.0"}`, "clusters[0].tls.min_version", `unknown TLS version "1.0"`},
		{"cluster unknown key", "", "{verify: false}", "clusters[0].tls.verify", "unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tlsDoc(tc.listener, tc.cluster)), testProtocols)
			var errs Errors
			require.True(t, errors.As(err, &errs), "want field errors, got %v", err)
			var found bool
			for _, fe := range errs {
				if fe.Path == tc.path {
					found = true
					assert.Contains(t, fe.Msg, tc.msg)
				}
			}
			assert.True(t, found, "no error at %s in %v", tc.path, err)
		})
	}
}

// TestAdminAddressLoopbackOnly: the admin server listens on loopback by
// default; a loopback address is accepted, a public or wildcard one only
// with allow_public, and the error names that key.
func TestAdminAddressLoopbackOnly(t *testing.T) {
	c, err := Parse([]byte(tlsDoc("", "")), testProtocols)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:9901", c.Admin.Address, "loopback by default")

	for _, addr := range []string{"localhost:9901", "127.0.0.1:9901", "[::1]:9901", "127.0.0.1:0"} {
		_, err := Parse([]byte(fmt.Sprintf("admin: {address: %q}\n%s", addr, tlsDoc("", ""))), testProtocols)
		assert.NoError(t, err, addr)
	}
	for _, addr := range []string{"0.0.0.0:9901", ":9901", "[::]:9901", "192.0.2.1:9901"} {
		_, err := Parse([]byte(fmt.Sprintf("admin: {address: %q}\n%s", addr, tlsDoc("", ""))), testProtocols)
		var errs Errors
		require.True(t, errors.As(err, &errs), "%s: want a field error, got %v", addr, err)
		require.Len(t, errs, 1, addr)
		assert.Equal(t, "admin.address", errs[0].Path, addr)
		assert.Contains(t, errs[0].Msg, "admin.allow_public: true", addr)

		_, err = Parse([]byte(fmt.Sprintf("admin: {address: %q, allow_public: true}\n%s", addr, tlsDoc("", ""))), testProtocols)
		assert.NoError(t, err, "%s with allow_public", addr)
	}
}
