package httpsem

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/xgate/xgate/xprotocol"
)

// TestErrorReplyRoundTrip: every status has its code and marker, and reads
// back from them as itself.
func TestErrorReplyRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		st    xprotocol.Status
		code  int
		retry bool
	}{
		{xprotocol.StatusOK, 200, false},
		{xprotocol.StatusNoRoute, 404, false},
		{xprotocol.StatusUnavailable, 503, false},
		{xprotocol.StatusTimeout, 504, false},
		{xprotocol.StatusOverload, 503, true},
		{xprotocol.StatusBadRequest, 400, false},
		{xprotocol.StatusServerError, 500, false},
		{xprotocol.StatusUnknown, 502, false},
	} {
		assert.Equal(t, tc.code, StatusCode(tc.st), tc.st.String())
		assert.Equal(t, tc.retry, MarksRetryAfter(tc.st), tc.st.String())
		assert.Equal(t, tc.st, Status(StatusCode(tc.st), MarksRetryAfter(tc.st)), tc.st.String())
	}
	// Every status the type has is covered (StatusUnknown is the last).
	for st := xprotocol.StatusOK; st <= xprotocol.StatusUnknown; st++ {
		assert.Equal(t, st, Status(StatusCode(st), MarksRetryAfter(st)), st.String())
	}
	assert.Equal(t, xprotocol.StatusUnknown, Status(StatusCode(xprotocol.StatusUnknown+1), false), "out-of-range status")
}

// TestStatus pins how a response's code reads back, with and without a
// Retry-After field.
func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		code        int
		plain, with xprotocol.Status
	}{
		{0, xprotocol.StatusUnknown, xprotocol.StatusUnknown},
		{99, xprotocol.StatusUnknown, xprotocol.StatusUnknown},
		{100, xprotocol.StatusOK, xprotocol.StatusOK},
		{204, xprotocol.StatusOK, xprotocol.StatusOK},
		{302, xprotocol.StatusOK, xprotocol.StatusOK},
		{399, xprotocol.StatusOK, xprotocol.StatusOK},
		{400, xprotocol.StatusBadRequest, xprotocol.StatusBadRequest},
		{403, xprotocol.StatusBadRequest, xprotocol.StatusBadRequest},
		{404, xprotocol.StatusNoRoute, xprotocol.StatusNoRoute},
		{408, xprotocol.StatusTimeout, xprotocol.StatusTimeout},
		{429, xprotocol.StatusOverload, xprotocol.StatusOverload},
		{499, xprotocol.StatusBadRequest, xprotocol.StatusBadRequest},
		{500, xprotocol.StatusServerError, xprotocol.StatusServerError},
		{501, xprotocol.StatusServerError, xprotocol.StatusServerError},
		{502, xprotocol.StatusUnknown, xprotocol.StatusUnknown},
		{503, xprotocol.StatusUnavailable, xprotocol.StatusOverload},
		{504, xprotocol.StatusTimeout, xprotocol.StatusTimeout},
		{520, xprotocol.StatusServerError, xprotocol.StatusServerError},
		{599, xprotocol.StatusServerError, xprotocol.StatusServerError},
		{600, xprotocol.StatusUnknown, xprotocol.StatusUnknown},
		{999, xprotocol.StatusUnknown, xprotocol.StatusUnknown},
	} {
		assert.Equal(t, tc.plain, Status(tc.code, false), "%d", tc.code)
		assert.Equal(t, tc.with, Status(tc.code, true), "%d with Retry-After", tc.code)
	}
}

func TestHostOnly(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"example.com", "example.com"},
		{"example.com:8080", "example.com"},
		{"example.com:", "example.com"},
		{"10.0.0.1:80", "10.0.0.1"},
		{"[2001:db8::1]:443", "[2001:db8::1]"},
		{"[2001:db8::1]", "[2001:db8::1]"},
		{"[fe80::1%25eth0]:80", "[fe80::1%25eth0]"},
		{"[2001:db8::1", "[2001:db8::1"}, // unterminated: as is
	} {
		got := HostOnly([]byte(tc.in))
		assert.Equal(t, tc.want, string(got), "%q", tc.in)
		if len(got) < len(tc.in) {
			assert.Equal(t, len(got), cap(got), "%q: capacity cut, so appending cannot overwrite the authority", tc.in)
		}
	}
	assert.Nil(t, HostOnly(nil))
}

func TestRemoteIP(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// IPv4
		{"10.1.2.3:5555", "10.1.2.3"},
		{"10.1.2.3", "10.1.2.3"},
		{"127.0.0.1:0", "127.0.0.1"},
		// IPv6: bracketed with a port, bracketed bare, bare
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"[2001:db8::1]", "2001:db8::1"},
		{"2001:db8::1", "2001:db8::1"},
		{"::1", "::1"},
		{"[::1]:80", "::1"},
		{"[2001:DB8:0::1]:443", "2001:db8::1"}, // canonical form
		{"[::ffff:10.1.2.3]:80", "::ffff:10.1.2.3"},
		// IPv6 with a zone
		{"[fe80::1%eth0]:8080", "fe80::1%eth0"},
		{"fe80::1%eth0", "fe80::1%eth0"},
		{"[fe80::1%12]", "fe80::1%12"},
		{"fe80::1%en0.100", "fe80::1%en0.100"},
		// empty and garbage
		{"", ""},
		{":80", ""},
		{"[]:80", ""},
		{"[]", ""},
		{"localhost:80", ""},
		{"example.com", ""},
		{"zzz", ""},
		{"1.2.3", ""},
		{"1.2.3.4.5", ""},
		{"256.1.1.1:80", ""},
		{"[10.1.2.3]:80", ""},
		{"[10.1.2.3]", ""},
		{"[2001:db8::1]:", ""},
		{"[2001:db8::1]:port", ""},
		{"[2001:db8::1", ""},
		{"2001:db8::1]", ""},
		{"10.1.2.3:80:90", ""},
		{"fe80::1%", ""},
		{"garbage%x", ""},
		{"fe80::1%eth0\r\nX-Evil: 1", ""},
		{"[fe80::1%eth 0]:80", ""},
		{"10.1.2.3\r\n", ""},
		{"@unix", ""},
		{"/tmp/sock", ""},
	} {
		assert.Equal(t, tc.want, RemoteIP(tc.in), "%q", tc.in)
	}
}
