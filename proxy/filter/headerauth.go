package filter

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"

	"github.com/xgate/xgate/xprotocol"
)

// HeaderAuth is the name of the shared-token authentication filter.
//
// Settings:
//
//	header: authorization                # the header to read; default authorization
//	values: ["Bearer a1", "Bearer b2"]   # required; the accepted values (one may be written alone)
//	remove_header: true                  # drop it before forwarding; default false
//	status: bad_request                  # reply status; default bad_request
//
// A request without the header, or with a value not in the list, gets the
// protocol's reply for status with the message "unauthorized" and counts
// event "missing" or "denied". It runs before routing.
//
// The header is read with Header.Get, so it works for every protocol that
// carries headers: HTTP/1.1, HTTP/2 and gRPC fields and metadata (which
// are lower-case: the name is also tried lower-cased), Bolt headers and
// Dubbo attachments. Thrift without THeader carries none, so its requests
// are always refused (fail closed): put Thrift on a listener without this
// filter.
//
// xprotocol has no "unauthenticated" status, so the default reply is
// bad_request: HTTP 400, gRPC INVALID_ARGUMENT, the protocols' own
// client-error codes elsewhere. A generic StatusUnauthenticated (HTTP 401,
// gRPC UNAUTHENTICATED) and StatusPermissionDenied (HTTP 403, gRPC
// PERMISSION_DENIED) would let this filter answer as Envoy does.
//
// Values are compared by SHA-256 digest in constant time, so neither the
// accepted values nor their lengths leak through timing.
const HeaderAuth = "header_auth"

type headerAuthConfig struct {
	header string
	values []string
	remove bool
	status xprotocol.Status
}

func parseHeaderAuth(s *Settings) headerAuthConfig {
	c := headerAuthConfig{header: s.String("header", "authorization")}
	if c.header == "" {
		s.Fail("header", "must not be empty")
	}
	before := len(s.problems)
	c.values = s.List("values")
	if len(c.values) == 0 && len(s.problems) == before { // not when its items were reported
		s.Fail("values", `is required: the accepted values (e.g. ["Bearer token-1", "Bearer token-2"])`)
	}
	c.remove = s.Bool("remove_header", false)
	c.status = s.Status("status", xprotocol.StatusBadRequest)
	return c
}

func buildHeaderAuth(c headerAuthConfig, env Env) (Factory, error) {
	a := &headerAuth{
		name: c.header, lower: strings.ToLower(c.header), remove: c.remove, status: c.status,
		missing: env.Counter("missing"), denied: env.Counter("denied"),
	}
	for _, v := range c.values {
		a.sums = append(a.sums, sha256.Sum256([]byte(v)))
	}
	return Shared(a), nil
}

type headerAuth struct {
	name, lower string
	sums        [][sha256.Size]byte
	remove      bool
	status      xprotocol.Status
	missing     Counter
	denied      Counter
}

func (a *headerAuth) OnRequest(h *Handle, req xprotocol.Frame) Result {
	hdr := req.Header()
	name := a.name
	v, ok := hdr.Get(name)
	if !ok && a.lower != a.name {
		name = a.lower
		v, ok = hdr.Get(name)
	}
	if !ok {
		a.missing.Inc()
		h.Reply(a.status, "unauthorized")
		return Stop
	}
	sum := sha256.Sum256(v)
	match := 0
	for i := range a.sums {
		match |= subtle.ConstantTimeCompare(sum[:], a.sums[i][:])
	}
	if match == 0 {
		a.denied.Inc()
		h.Reply(a.status, "unauthorized")
		return Stop
	}
	if a.remove {
		hdr.Del(name)
	}
	return Continue
}
