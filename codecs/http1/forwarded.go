package http1

import "strings"

// remoteIP returns the address X-Forwarded-For reports for a peer at addr
// ("ip:port", "[v6]:port", or a bare address): the IP without port or
// brackets, or "" when addr is empty or holds bytes no address has.
func remoteIP(addr string) string {
	ip := addr
	switch {
	case strings.HasPrefix(addr, "["):
		if i := strings.IndexByte(addr, ']'); i > 0 {
			ip = addr[1:i]
		}
	case strings.Count(addr, ":") == 1:
		ip = addr[:strings.IndexByte(addr, ':')]
	}
	for i := 0; i < len(ip); i++ {
		if c := ip[i]; class[c]&cHex == 0 && c != '.' && c != ':' && c != '%' && !('g' <= c && c <= 'z') {
			return ""
		}
	}
	return ip
}
