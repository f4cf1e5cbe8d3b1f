package config

// TLS settings: a listener's (ListenerTLS, downstream) and a cluster's
// (ClusterTLS, upstream). Validation is in validate_tls.go; package
// proxy/tlsconf turns them into crypto/tls configurations.

// TLS versions accepted by the min_version keys.
const (
	TLSVersion12 = "1.2"
	TLSVersion13 = "1.3"
)

// Client certificate policies of a listener (ListenerTLS.ClientAuth).
const (
	// ClientAuthRequire refuses clients without a certificate that
	// client_ca_file verifies.
	ClientAuthRequire = "require"
	// ClientAuthOptional verifies a client certificate when one is sent
	// and lets clients without one in.
	ClientAuthOptional = "optional"
)

// ListenerTLS terminates TLS on a listener. Its certificates are read at
// start and re-read when their files change (checked at most every second,
// on a handshake); a changed pair that does not load is logged and counted
// and the previous one kept. With several certificates the client's SNI
// server name picks the one whose leaf names it (wildcards included), and
// the first one serves clients that send no name or an unknown one.
// TLS 1.2 is the minimum (ECDHE with AEAD suites only), 1.3 preferred.
type ListenerTLS struct {
	// CertFile is a PEM certificate chain. Key: cert_file. Required with
	// key_file unless certificates is set; when both are set, this pair
	// comes first.
	CertFile string `yaml:"cert_file"`
	// KeyFile is the PEM private key of CertFile. Key: key_file.
	KeyFile string `yaml:"key_file"`

	// Certificates are more certificate/key pairs, picked by SNI. Key:
	// certificates. Optional.
	Certificates []TLSCertificate `yaml:"certificates"`

	// MinVersion is the lowest TLS version accepted: "1.2" or "1.3". Key:
	// min_version. Default "1.2".
	MinVersion string `yaml:"min_version"`

	// ClientCAFile, when set, is a PEM bundle of the CAs that client
	// certificates are verified against. Key: client_ca_file. Optional.
	ClientCAFile string `yaml:"client_ca_file"`

	// ClientAuth says whether a client certificate is required ("require")
	// or verified only when sent ("optional"). Key: client_auth. Only with
	// client_ca_file; default "require".
	ClientAuth string `yaml:"client_auth"`
}

// TLSCertificate is one certificate chain and its key, as PEM files.
type TLSCertificate struct {
	// CertFile is a PEM certificate chain, leaf first. Key: cert_file.
	// Required.
	CertFile string `yaml:"cert_file"`
	// KeyFile is the PEM private key of CertFile. Key: key_file. Required.
	KeyFile string `yaml:"key_file"`
}

// Pairs returns every certificate/key pair of t, the single cert_file/
// key_file form first.
func (t *ListenerTLS) Pairs() []TLSCertificate {
	var out []TLSCertificate
	if t.CertFile != "" || t.KeyFile != "" {
		out = append(out, TLSCertificate{CertFile: t.CertFile, KeyFile: t.KeyFile})
	}
	return append(out, t.Certificates...)
}

// ClusterTLS makes a cluster's upstream connections (requests, heartbeats
// and active health checks) use TLS. The server's certificate is verified
// by default: against CAFile, or the system roots without it, for
// ServerName, or the endpoint's host without it.
type ClusterTLS struct {
	// CAFile is a PEM bundle of the CAs that upstream certificates are
	// verified against. Key: ca_file. Default: the system roots.
	CAFile string `yaml:"ca_file"`

	// ServerName is the name sent by SNI and verified in the upstream's
	// certificate. Key: server_name. Default: the endpoint's host (for a
	// strict_dns cluster, the resolved address: set it there).
	ServerName string `yaml:"server_name"`

	// CertFile and KeyFile are the PEM client certificate chain and key
	// presented to upstreams that ask for one (mTLS). Keys: cert_file,
	// key_file. Optional; both or neither.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`

	// InsecureSkipVerify turns certificate verification off; the gateway
	// logs a warning for every cluster that sets it. Key:
	// insecure_skip_verify. Default false; not with ca_file.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`

	// MinVersion is the lowest TLS version used: "1.2" or "1.3". Key:
	// min_version. Default "1.2".
	MinVersion string `yaml:"min_version"`
}
