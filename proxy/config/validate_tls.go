package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// listenerTLS checks a listener's tls block: at least one loadable
// certificate/key pair, a known min_version, a readable client_ca_file.
func (v *validator) listenerTLS(path string, t *ListenerTLS) {
	if t.CertFile != "" || t.KeyFile != "" || len(t.Certificates) == 0 {
		v.certPair(path, t.CertFile, t.KeyFile, len(t.Certificates) == 0)
	}
	for i, c := range t.Certificates {
		v.certPair(fmt.Sprintf("%s.certificates[%d]", path, i), c.CertFile, c.KeyFile, true)
	}
	v.tlsVersion(path+".min_version", t.MinVersion)
	if t.ClientCAFile != "" {
		v.caFile(path+".client_ca_file", t.ClientCAFile)
	}
	switch t.ClientAuth {
	case "", ClientAuthRequire, ClientAuthOptional:
		if t.ClientAuth != "" && t.ClientCAFile == "" {
			v.fail(path+".client_auth", "needs client_ca_file (the CAs client certificates are verified against)")
		}
	default:
		v.fail(path+".client_auth", "unknown client_auth %q (want %s or %s)", t.ClientAuth, ClientAuthRequire, ClientAuthOptional)
	}
}

// clusterTLS checks a cluster's tls block.
func (v *validator) clusterTLS(path string, t *ClusterTLS) {
	if t.CAFile != "" {
		if t.InsecureSkipVerify {
			v.fail(path+".insecure_skip_verify", "cannot be combined with ca_file (verification would be off and ca_file unused)")
		}
		v.caFile(path+".ca_file", t.CAFile)
	}
	if t.CertFile != "" || t.KeyFile != "" {
		v.certPair(path, t.CertFile, t.KeyFile, true)
	}
	v.tlsVersion(path+".min_version", t.MinVersion)
}

// certPair checks that certFile and keyFile name a loadable PEM pair;
// required says whether an empty pair is an error.
func (v *validator) certPair(path, certFile, keyFile string, required bool) {
	switch {
	case certFile == "" && keyFile == "" && !required:
	case certFile == "":
		v.fail(path+".cert_file", "is required (a PEM certificate chain)")
	case keyFile == "":
		v.fail(path+".key_file", "is required (the PEM private key of cert_file)")
	default:
		if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
			v.fail(path, "cannot load the certificate: %v", err)
		}
	}
}

// caFile checks that file holds at least one PEM certificate.
func (v *validator) caFile(path, file string) {
	pem, err := os.ReadFile(file)
	if err != nil {
		v.fail(path, "cannot read the CA bundle: %v", err)
		return
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		v.fail(path, "%s holds no PEM certificate", file)
	}
}

// tlsVersion checks a min_version key.
func (v *validator) tlsVersion(path, version string) {
	switch version {
	case "", TLSVersion12, TLSVersion13:
	default:
		v.fail(path, "unknown TLS version %q (want %s or %s)", version, TLSVersion12, TLSVersion13)
	}
}
