// Package tlsconf turns the configuration's TLS blocks into crypto/tls
// configurations with modern defaults: TLS 1.2 at least (1.3 preferred, as
// crypto/tls negotiates it whenever both sides can), for TLS 1.2 only ECDHE
// key exchange with AEAD ciphers, and the hybrid post-quantum X25519MLKEM768,
// X25519 and P-256 as key-exchange groups.
//
// A listener's certificates live in a Store, which re-reads their files when
// they change and picks a certificate per handshake by the client's SNI
// server name.
package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/xgate/xgate/proxy/config"
)

// cipherSuites are the TLS 1.2 suites offered and accepted: ECDHE with AEAD
// ciphers only. TLS 1.3 suites are not configurable (all are AEAD).
var cipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// curves are the key-exchange groups, in order of preference.
var curves = []tls.CurveID{tls.X25519MLKEM768, tls.X25519, tls.CurveP256}

// CipherSuites returns the TLS 1.2 cipher suites in use.
func CipherSuites() []uint16 { return append([]uint16(nil), cipherSuites...) }

// MinVersion maps a min_version key ("", "1.2", "1.3") to its crypto/tls
// constant; "" and unknown values give TLS 1.2.
func MinVersion(v string) uint16 {
	if v == config.TLSVersion13 {
		return tls.VersionTLS13
	}
	return tls.VersionTLS12
}

// base returns a configuration with the modern defaults.
func base(minVersion string) *tls.Config {
	return &tls.Config{
		MinVersion:       MinVersion(minVersion),
		CipherSuites:     CipherSuites(),
		CurvePreferences: append([]tls.CurveID(nil), curves...),
	}
}

// ServerOptions are what a listener's TLS configuration reports to.
type ServerOptions struct {
	// Logger receives certificate reloads (info) and failed reloads (warn);
	// nil discards them.
	Logger *slog.Logger
	// OnReload, when set, is called after each attempt to load a changed
	// certificate pair, with nil when the new pair took over.
	OnReload func(err error)
	// CheckEvery throttles how often the files are checked for changes (on
	// a handshake); 0 means DefaultCheckEvery.
	CheckEvery time.Duration
	// NextProtos is the ALPN list offered.
	NextProtos []string
}

// Server returns the TLS configuration of a listener and the Store of its
// certificates, every one of them loaded now.
func Server(t *config.ListenerTLS, opts ServerOptions) (*tls.Config, *Store, error) {
	st, err := NewStore(t.Pairs(), StoreOptions{Logger: opts.Logger, OnReload: opts.OnReload, CheckEvery: opts.CheckEvery})
	if err != nil {
		return nil, nil, err
	}
	cfg := base(t.MinVersion)
	cfg.GetCertificate = st.GetCertificate
	cfg.NextProtos = append([]string(nil), opts.NextProtos...)
	if t.ClientCAFile != "" {
		pool, err := loadPool(t.ClientCAFile)
		if err != nil {
			return nil, nil, fmt.Errorf("tls: client_ca_file: %w", err)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		if t.ClientAuth == config.ClientAuthOptional {
			cfg.ClientAuth = tls.VerifyClientCertIfGiven
		}
	}
	return cfg, st, nil
}

// Client returns the TLS configuration for a cluster's upstream
// connections. ServerName stays empty unless set, for the dialler to fill in
// with the endpoint's host (transport.Loop.DialTLS does); RootCAs stays nil
// (the system roots) without a ca_file. The client certificate, when set,
// is re-read when its files change, like a listener's.
func Client(t *config.ClusterTLS, opts StoreOptions) (*tls.Config, error) {
	cfg := base(t.MinVersion)
	cfg.ServerName = t.ServerName
	// Resumed sessions spare the upstreams a full handshake per connection.
	cfg.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	cfg.InsecureSkipVerify = t.InsecureSkipVerify
	if t.CAFile != "" {
		pool, err := loadPool(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls: ca_file: %w", err)
		}
		cfg.RootCAs = pool
	}
	if t.CertFile != "" || t.KeyFile != "" {
		st, err := NewStore([]config.TLSCertificate{{CertFile: t.CertFile, KeyFile: t.KeyFile}}, opts)
		if err != nil {
			return nil, err
		}
		cfg.GetClientCertificate = st.GetClientCertificate
	}
	return cfg, nil
}

// loadPool reads a PEM bundle of CA certificates.
func loadPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", file)
	}
	return pool, nil
}
