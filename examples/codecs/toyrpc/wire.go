package toyrpc

import (
	"encoding/binary"

	"github.com/xgate/xgate/xprotocol"
)

// Name is the protocol's configuration name.
const Name = "toy"

// Magic opens every frame.
const Magic = "TOY1"

// Version is the only protocol version.
const Version = 1

// HeaderLen is the length of the fixed header.
const HeaderLen = 16

// Flags of the flags byte.
const (
	// FlagResponse marks a response; without it the frame is a request.
	FlagResponse byte = 0x01
	// FlagOneway marks a request that takes no response.
	FlagOneway byte = 0x02
	// FlagHeartbeat marks a heartbeat request or its reply.
	FlagHeartbeat byte = 0x04

	knownFlags = FlagResponse | FlagOneway | FlagHeartbeat
)

// Offsets of the fixed-header fields.
const (
	offVersion = 4
	offFlags   = 5
	offID      = 6
	offStatus  = 10
	offLength  = 12
)

// MaxString is the longest service, method, header key or value (a uint16
// length).
const MaxString = 1<<16 - 1

// DefaultMaxHeaderBytes bounds service, method and headers together when
// SessionOptions.MaxHeaderBytes is 0.
const DefaultMaxHeaderBytes = 64 << 10

// HeaderTimeout is the request header holding the caller's deadline in
// decimal milliseconds.
const HeaderTimeout = "timeout-ms"

// checkFixed checks the fixed-header bytes present in src, as far as they
// go: an error names the first wrong field, nil means "so far so good".
func checkFixed(src []byte) error {
	for i := 0; i < len(src) && i < len(Magic); i++ {
		if src[i] != Magic[i] {
			return xprotocol.Malformed(Name, "magic", "not \"TOY1\"")
		}
	}
	if len(src) > offVersion && src[offVersion] != Version {
		return xprotocol.Malformed(Name, "version", "unknown version")
	}
	if len(src) > offFlags {
		fl := src[offFlags]
		switch {
		case fl&^knownFlags != 0:
			return xprotocol.Malformed(Name, "flags", "unknown flag bits")
		case fl&FlagResponse != 0 && fl&FlagOneway != 0:
			return xprotocol.Malformed(Name, "flags", "a response cannot be oneway")
		case fl&FlagHeartbeat != 0 && fl&FlagOneway != 0:
			return xprotocol.Malformed(Name, "flags", "a heartbeat cannot be oneway")
		}
	}
	return nil
}

// readString reads a uint16-length-prefixed string from the front of b.
func readString(b []byte) (s []byte, n int, ok bool) {
	if len(b) < 2 {
		return nil, 0, false
	}
	l := int(binary.BigEndian.Uint16(b))
	if len(b) < 2+l {
		return nil, 0, false
	}
	return b[2 : 2+l : 2+l], 2 + l, true
}

// appendString appends s with its uint16 length.
func appendString(dst, s []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(s)))
	return append(dst, s...)
}
