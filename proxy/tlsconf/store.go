package tlsconf

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xgate/xgate/proxy/config"
)

// DefaultCheckEvery is how often, at most, a Store looks at its files.
const DefaultCheckEvery = time.Second

// StoreOptions configure a Store.
type StoreOptions struct {
	// Logger receives reloads (info) and failed reloads (warn); nil
	// discards them.
	Logger *slog.Logger
	// OnReload, when set, is called after each attempt to load a changed
	// pair, with nil when the new pair took over.
	OnReload func(err error)
	// CheckEvery throttles the checks for changed files; 0 means
	// DefaultCheckEvery.
	CheckEvery time.Duration
}

// Store holds certificate/key pairs read from PEM files and keeps them
// current: at most every CheckEvery, on a handshake, it compares each pair's
// files (size and modification time, then a hash of the contents) with
// what it loaded, and loads a pair that changed. A pair that no longer
// loads (a half-written file, a key that does not match) is reported once
// per content and the previous certificate kept. A Store is safe for
// concurrent use.
type Store struct {
	opts  StoreOptions
	every int64 // nanoseconds
	next  atomic.Int64
	mu    sync.Mutex // one check at a time; guards pairs
	pairs []*pair
	cur   atomic.Pointer[snapshot]
}

// pair is one configured certificate and what was last seen of its files.
type pair struct {
	cfg  config.TLSCertificate
	seen [2]fileStat // cert and key files at the last check
	sum  [32]byte    // contents of the loaded pair
	bad  [32]byte    // contents that last failed to load
	cert *tls.Certificate
}

type fileStat struct {
	size  int64
	mtime time.Time
	err   string
}

// snapshot is the certificates in use, in configuration order, with the
// DNS names (lower case) of each leaf.
type snapshot struct {
	certs []*tls.Certificate
	names [][]string
}

// NewStore loads every pair now; a pair that does not load is an error.
func NewStore(pairs []config.TLSCertificate, opts StoreOptions) (*Store, error) {
	if len(pairs) == 0 {
		return nil, errors.New("tls: no certificate configured")
	}
	if opts.CheckEvery <= 0 {
		opts.CheckEvery = DefaultCheckEvery
	}
	s := &Store{opts: opts, every: int64(opts.CheckEvery)}
	for _, pc := range pairs {
		p := &pair{cfg: pc}
		p.seen = [2]fileStat{statFile(pc.CertFile), statFile(pc.KeyFile)}
		cert, sum, err := load(pc)
		if err != nil {
			return nil, err
		}
		p.cert, p.sum = cert, sum
		s.pairs = append(s.pairs, p)
	}
	s.publish()
	s.next.Store(time.Now().UnixNano() + s.every)
	return s, nil
}

// GetCertificate implements tls.Config.GetCertificate: the certificate
// whose leaf names the client's SNI server name (an exact name before a
// wildcard), else the first.
func (s *Store) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	s.maybeCheck()
	return s.cur.Load().pick(hello.ServerName), nil
}

// GetClientCertificate implements tls.Config.GetClientCertificate: the
// first certificate.
func (s *Store) GetClientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	s.maybeCheck()
	return s.cur.Load().certs[0], nil
}

// Certificates returns the certificates in use, in configuration order.
func (s *Store) Certificates() []*tls.Certificate {
	return append([]*tls.Certificate(nil), s.cur.Load().certs...)
}

// maybeCheck checks the files unless that was done less than CheckEvery
// ago or another handshake is checking them now.
func (s *Store) maybeCheck() {
	now := time.Now().UnixNano()
	if now < s.next.Load() || !s.mu.TryLock() {
		return
	}
	defer s.mu.Unlock()
	s.next.Store(now + s.every)
	s.checkLocked()
}

// Check looks at the files now and loads the pairs that changed.
func (s *Store) Check() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next.Store(time.Now().UnixNano() + s.every)
	s.checkLocked()
}

func (s *Store) checkLocked() {
	changed := false
	for _, p := range s.pairs {
		st := [2]fileStat{statFile(p.cfg.CertFile), statFile(p.cfg.KeyFile)}
		if st == p.seen {
			continue
		}
		p.seen = st
		cert, sum, err := load(p.cfg)
		switch {
		case err == nil && sum == p.sum:
			// Touched, or put back as it was: nothing to load.
			p.bad = [32]byte{}
		case err == nil:
			p.cert, p.sum, p.bad = cert, sum, [32]byte{}
			changed = true
			if l := s.opts.Logger; l != nil {
				l.Info("tls certificate reloaded", "cert_file", p.cfg.CertFile, "serial", cert.Leaf.SerialNumber.String(), "not_after", cert.Leaf.NotAfter)
			}
			s.report(nil)
		case sum != [32]byte{} && sum == p.bad:
			// The same broken contents: already reported.
		default:
			p.bad = sum
			if l := s.opts.Logger; l != nil {
				l.Warn("tls certificate reload failed, keeping the previous one", "cert_file", p.cfg.CertFile, "key_file", p.cfg.KeyFile, "err", err)
			}
			s.report(err)
		}
	}
	if changed {
		s.publish()
	}
}

func (s *Store) report(err error) {
	if s.opts.OnReload != nil {
		s.opts.OnReload(err)
	}
}

func (s *Store) publish() {
	snap := &snapshot{}
	for _, p := range s.pairs {
		snap.certs = append(snap.certs, p.cert)
		var names []string
		for _, n := range p.cert.Leaf.DNSNames {
			names = append(names, strings.ToLower(n))
		}
		snap.names = append(snap.names, names)
	}
	s.cur.Store(snap)
}

// pick returns the certificate for the SNI name host.
func (s *snapshot) pick(host string) *tls.Certificate {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host != "" {
		for i, names := range s.names {
			for _, n := range names {
				if n == host {
					return s.certs[i]
				}
			}
		}
		for i, names := range s.names {
			for _, n := range names {
				if wildcardMatch(n, host) {
					return s.certs[i]
				}
			}
		}
	}
	return s.certs[0]
}

// wildcardMatch reports whether pattern "*.example.com" covers host (one
// label in place of the "*", as in RFC 6125).
func wildcardMatch(pattern, host string) bool {
	rest, ok := strings.CutPrefix(pattern, "*")
	if !ok || !strings.HasPrefix(rest, ".") {
		return false
	}
	i := strings.IndexByte(host, '.')
	return i > 0 && host[i:] == rest
}

func statFile(name string) fileStat {
	fi, err := os.Stat(name)
	if err != nil {
		return fileStat{err: err.Error()}
	}
	return fileStat{size: fi.Size(), mtime: fi.ModTime()}
}

// load reads and parses a pair; the sum covers both files' contents (zero
// when a file could not be read).
func load(pc config.TLSCertificate) (*tls.Certificate, [32]byte, error) {
	certPEM, err := os.ReadFile(pc.CertFile)
	if err != nil {
		return nil, [32]byte{}, fmt.Errorf("tls: reading cert_file: %w", err)
	}
	keyPEM, err := os.ReadFile(pc.KeyFile)
	if err != nil {
		return nil, [32]byte{}, fmt.Errorf("tls: reading key_file: %w", err)
	}
	h := sha256.New()
	h.Write(certPEM)
	h.Write([]byte{0})
	h.Write(keyPEM)
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	clear(keyPEM) // the parsed key is all that is kept
	if err != nil {
		return nil, sum, fmt.Errorf("tls: loading %s and %s: %w", pc.CertFile, pc.KeyFile, err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, sum, fmt.Errorf("tls: parsing %s: %w", pc.CertFile, err)
		}
	}
	return &cert, sum, nil
}
