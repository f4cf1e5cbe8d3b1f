//go:build wasip1

package guest

import (
	"encoding/binary"
	"unsafe"
)

//go:wasmimport xgate get_header
func getHeader(m uint32, name unsafe.Pointer, nameLen uint32, buf unsafe.Pointer, bufCap uint32) int32

//go:wasmimport xgate get_headers
func getHeaders(m uint32, buf unsafe.Pointer, bufCap uint32) int32

//go:wasmimport xgate set_header
func setHeader(m uint32, name unsafe.Pointer, nameLen uint32, value unsafe.Pointer, valueLen uint32) int32

//go:wasmimport xgate del_header
func delHeader(m uint32, name unsafe.Pointer, nameLen uint32) int32

//go:wasmimport xgate get_body
func getBody(m uint32, buf unsafe.Pointer, bufCap uint32) int32

//go:wasmimport xgate get_property
func getProperty(name unsafe.Pointer, nameLen uint32, buf unsafe.Pointer, bufCap uint32) int32

//go:wasmimport xgate get_config
func getConfig(buf unsafe.Pointer, bufCap uint32) int32

//go:wasmimport xgate reply
func reply(status unsafe.Pointer, statusLen uint32, msg unsafe.Pointer, msgLen uint32) int32

//go:wasmimport xgate log
func log(level int32, msg unsafe.Pointer, msgLen uint32) int32

// buf is reused by every read: calls run one at a time per instance.
var buf = make([]byte, 512)

func sp(s string) (unsafe.Pointer, uint32) {
	return unsafe.Pointer(unsafe.StringData(s)), uint32(len(s))
}

func bp(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }

// fetch calls get with buf, growing it until the answer fits. It returns a
// slice of buf (valid until the next call) or nil and the negative result.
func fetch(get func(b []byte) int32) ([]byte, int32) {
	for {
		n := get(buf)
		if n < 0 {
			return nil, n
		}
		if int(n) <= len(buf) {
			return buf[:n], n
		}
		buf = make([]byte, n)
	}
}

// Header returns the value of the header name in map m.
func Header(m Map, name string) (string, bool) {
	np, nl := sp(name)
	v, rc := fetch(func(b []byte) int32 { return getHeader(uint32(m), np, nl, bp(b), uint32(len(b))) })
	if rc < 0 {
		return "", false
	}
	return string(v), true
}

// RequestHeader returns the request header name.
func RequestHeader(name string) (string, bool) { return Header(Request, name) }

// ResponseHeader returns the response header name (in on_response).
func ResponseHeader(name string) (string, bool) { return Header(Response, name) }

// SetHeader replaces or adds the header name in map m; false when the
// map cannot be changed now or the name or value is invalid.
func SetHeader(m Map, name, value string) bool {
	np, nl := sp(name)
	vp, vl := sp(value)
	return setHeader(uint32(m), np, nl, vp, vl) == 0
}

// SetRequestHeader replaces or adds a request header.
func SetRequestHeader(name, value string) bool { return SetHeader(Request, name, value) }

// SetResponseHeader replaces or adds a response header (in on_response).
func SetResponseHeader(name, value string) bool { return SetHeader(Response, name, value) }

// DelHeader removes the header name from map m.
func DelHeader(m Map, name string) bool {
	np, nl := sp(name)
	return delHeader(uint32(m), np, nl) == 0
}

// Headers returns every header of map m in wire order, as name and value
// pairs.
func Headers(m Map) [][2]string {
	v, rc := fetch(func(b []byte) int32 { return getHeaders(uint32(m), bp(b), uint32(len(b))) })
	if rc < 0 {
		return nil
	}
	var out [][2]string
	for len(v) >= 4 {
		n := binary.LittleEndian.Uint32(v)
		k := string(v[4 : 4+n])
		v = v[4+n:]
		n = binary.LittleEndian.Uint32(v)
		out = append(out, [2]string{k, string(v[4 : 4+n])})
		v = v[4+n:]
	}
	return out
}

// Body returns the body bytes that came with map m's head (a copy).
func Body(m Map) []byte {
	v, rc := fetch(func(b []byte) int32 { return getBody(uint32(m), bp(b), uint32(len(b))) })
	if rc < 0 {
		return nil
	}
	return append([]byte(nil), v...)
}

// Property returns a request property: protocol, service, method, path,
// host, cluster, remote_address, phase, status, end_stream.
func Property(name string) (string, bool) {
	np, nl := sp(name)
	v, rc := fetch(func(b []byte) int32 { return getProperty(np, nl, bp(b), uint32(len(b))) })
	if rc < 0 {
		return "", false
	}
	return string(v), true
}

// Config returns the filter's config setting.
func Config() string {
	v, _ := fetch(func(b []byte) int32 { return getConfig(bp(b), uint32(len(b))) })
	return string(v)
}

// Reply answers the request with the protocol's error reply for the
// generic status (bad_request, overload, unavailable, timeout, no_route,
// server_error, unknown) and msg; the phase function then returns Stop.
// False for an unknown status.
func Reply(status, msg string) bool {
	stp, stl := sp(status)
	mp, ml := sp(msg)
	return reply(stp, stl, mp, ml) == 0
}

// Log writes msg to the gateway's log at level (LevelDebug..LevelError).
func Log(level int32, msg string) {
	mp, ml := sp(msg)
	_ = log(level, mp, ml)
}
