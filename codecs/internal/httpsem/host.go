package httpsem

import (
	"bytes"
	"net/netip"
	"strings"
)

// HostOnly returns the host of an authority ("host", "host:port",
// "[v6]:port"): without the port, and an IPv6 literal with its brackets.
// The result shares authority's bytes; when it is shorter, its capacity
// ends at its length, so appending to it cannot overwrite the rest.
func HostOnly(authority []byte) []byte {
	a := authority
	if len(a) > 0 && a[0] == '[' {
		if i := bytes.IndexByte(a, ']'); i >= 0 {
			return a[: i+1 : i+1]
		}
		return a
	}
	if i := bytes.IndexByte(a, ':'); i >= 0 {
		return a[:i:i]
	}
	return a
}

// RemoteIP returns the address X-Forwarded-For reports for a peer at addr
// ("ip:port", "[v6]:port", "[v6]" or a bare IP, an IPv6 address possibly
// with a zone): the IP in its canonical text form, without port or
// brackets, keeping the zone. It returns "" when addr is empty or is not
// an IP address (a host name, garbage, a zone with bytes an interface name
// does not have), so nothing but an address ever reaches the header.
func RemoteIP(addr string) string {
	if addr == "" {
		return ""
	}
	var ip netip.Addr
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		ip = ap.Addr()
	} else {
		host := addr
		if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
			host = host[1 : len(host)-1]
			if !strings.Contains(host, ":") {
				return "" // brackets hold only IPv6 literals
			}
		}
		if ip, err = netip.ParseAddr(host); err != nil {
			return ""
		}
	}
	for _, c := range []byte(ip.Zone()) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return ""
		}
	}
	return ip.String()
}
