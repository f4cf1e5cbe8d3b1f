package toyrpc

import (
	"encoding/binary"
	"fmt"
)

// Type is what a Message is.
type Type uint8

// Message types.
const (
	// TypeRequest is a two-way call.
	TypeRequest Type = iota
	// TypeOneway is a call that takes no response.
	TypeOneway
	// TypeResponse answers the request with the same ID.
	TypeResponse
)

// Message is a frame to build.
type Message struct {
	Type      Type
	Heartbeat bool
	ID        uint32
	Code      Code // responses only
	Service   string
	Method    string
	Headers   [][2]string
	Body      []byte
}

// AppendMessage appends m's wire form to dst. It fails when a string is
// longer than MaxString or there are more than MaxString headers.
func AppendMessage(dst []byte, m Message) ([]byte, error) {
	var flags byte
	switch m.Type {
	case TypeOneway:
		flags = FlagOneway
	case TypeResponse:
		flags = FlagResponse
	}
	if m.Heartbeat {
		flags |= FlagHeartbeat
	}
	if len(m.Service) > MaxString || len(m.Method) > MaxString || len(m.Headers) > MaxString {
		return dst, fmt.Errorf("toyrpc: service, method or header list too long")
	}
	start := len(dst)
	dst = append(dst, Magic...)
	dst = append(dst, Version, flags)
	dst = binary.BigEndian.AppendUint32(dst, m.ID)
	dst = binary.BigEndian.AppendUint16(dst, uint16(m.Code))
	dst = append(dst, 0, 0, 0, 0) // length, set below
	dst = appendString(dst, []byte(m.Service))
	dst = appendString(dst, []byte(m.Method))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(m.Headers)))
	for _, h := range m.Headers {
		if len(h[0]) > MaxString || len(h[1]) > MaxString {
			return dst[:start], fmt.Errorf("toyrpc: header %q too long", h[0][:min(len(h[0]), 32)])
		}
		dst = appendString(dst, []byte(h[0]))
		dst = appendString(dst, []byte(h[1]))
	}
	dst = append(dst, m.Body...)
	binary.BigEndian.PutUint32(dst[start+offLength:], uint32(len(dst)-start-HeaderLen))
	return dst, nil
}

// Build returns m as a Frame that owns pooled bytes; Release it when done.
func Build(m Message) (*Frame, error) {
	wire, err := AppendMessage(nil, m)
	if err != nil {
		return nil, err
	}
	bufp := bufs.Get(len(wire))
	copy(*bufp, wire)
	return parse(bufp, 1<<31-1)
}

// mustBuild builds a frame the package itself composes (short strings).
func mustBuild(m Message) *Frame {
	f, err := Build(m)
	if err != nil {
		panic(err)
	}
	return f
}
