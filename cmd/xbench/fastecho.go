package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"

	"github.com/xgate/xgate/codecs/dubbo"
	"github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/conformance/peerserver"
	"github.com/xgate/xgate/xprotocol"
)

// fastEcho is an echo server built on the gateway's codecs, for protocols
// whose reference-library peers are too slow to be a fair direct baseline
// (dubbo-go's hessian2 codec decodes every argument and attachment;
// Apache Thrift's TSimpleServer answers one call at a time per
// connection). One goroutine per connection decodes every buffered
// request, appends the replies and writes them with one write; nothing is
// allocated per request. Replies:
//
//   - Dubbo: status OK, RESPONSE_VALUE carrying the request's first
//     argument as it came (its Hessian2 bytes), so echo(s) returns s;
//     heartbeats are answered, oneway calls are not.
//   - Thrift: a REPLY with the call's name and seqid whose result struct is
//     the argument struct with field 1 renumbered 0 ("success"), so
//     echo(msg) returns msg.
type fastEcho struct {
	proto xprotocol.Protocol
	reply func(dst []byte, f xprotocol.Frame) []byte
}

// startFastEcho serves protocol (dubbo or thrift) on ln, with the test
// peers' connection bookkeeping (conformance/peerserver).
func startFastEcho(ln net.Listener, protocol string) (*peerserver.Server, error) {
	var s fastEcho
	switch protocol {
	case "dubbo":
		s.proto, s.reply = dubbo.Proto, dubboReply
	case "thrift":
		s.proto, s.reply = thrift.Proto, thriftReply
	default:
		return nil, fmt.Errorf("no fast echo server for %q", protocol)
	}
	return peerserver.Start(ln, s.serve), nil
}

// serve echoes on c until it fails; peerserver closes c afterwards.
func (s *fastEcho) serve(c net.Conn) {
	sess := s.proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleServer})
	in := make([]byte, 0, 64<<10)
	out := make([]byte, 0, 64<<10)
	for {
		if len(in) == cap(in) {
			in = append(in, make([]byte, cap(in))...)[:len(in)]
		}
		n, err := c.Read(in[len(in):cap(in)])
		in = in[:len(in)+n]
		used := 0
		for used < len(in) {
			f, m, derr := sess.Decode(in[used:])
			if errors.Is(derr, xprotocol.ErrIncomplete) {
				break
			}
			if derr != nil {
				return
			}
			used += m
			if f != nil {
				out = s.reply(out, f)
				f.Release()
			}
		}
		in = in[:copy(in, in[used:])]
		if len(out) > 0 {
			if _, werr := c.Write(out); werr != nil {
				return
			}
			out = out[:0]
		}
		if err != nil {
			return
		}
	}
}

// dubboReply appends the reply to a Dubbo request (nothing for oneway
// requests and responses).
func dubboReply(dst []byte, f xprotocol.Frame) []byte {
	d := f.(*dubbo.Frame)
	if f.Kind() != xprotocol.KindRequest {
		return dst
	}
	var body []byte
	if d.Heartbeat() {
		body = []byte{'N'} // Hessian2 null
	} else {
		body = d.Arguments()
	}
	flag := byte(d.Serialization())
	if d.Heartbeat() {
		flag |= dubbo.FlagEvent
	}
	n := len(dst)
	dst = append(dst, dubbo.MagicHigh, dubbo.MagicLow, flag, byte(dubbo.StatusOK))
	dst = binary.BigEndian.AppendUint64(dst, d.RequestID())
	dst = binary.BigEndian.AppendUint32(dst, 0)
	if !d.Heartbeat() {
		dst = append(dst, 0x90+byte(dubbo.ResponseValue)) // Hessian2 compact int
	}
	dst = append(dst, body...)
	binary.BigEndian.PutUint32(dst[n+12:], uint32(len(dst)-n-dubbo.HeaderLen))
	return dst
}

// thriftReply appends the REPLY to a Thrift call (nothing for oneway calls
// and other messages).
func thriftReply(dst []byte, f xprotocol.Frame) []byte {
	t := f.(*thrift.Frame)
	if t.MessageType() != thrift.TypeCall {
		return dst
	}
	v, name, args := t.Variant(), t.Name(), t.Body()
	n := len(dst)
	if v.Framed() {
		dst = append(dst, 0, 0, 0, 0)
	}
	if v.Compact() {
		dst = append(dst, 0x82, byte(thrift.TypeReply)<<5|1)
		dst = binary.AppendUvarint(dst, uint64(uint32(t.SeqID())))
		dst = binary.AppendUvarint(dst, uint64(len(name)))
		dst = append(dst, name...)
		if len(args) > 0 && args[0] == 0x18 { // field 1 (delta), binary: make it field 0
			dst = append(dst, 0x08, 0x00)
			args = args[1:]
		}
	} else {
		dst = append(dst, 0x80, 0x01, 0x00, byte(thrift.TypeReply))
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(name)))
		dst = append(dst, name...)
		dst = binary.BigEndian.AppendUint32(dst, uint32(t.SeqID()))
		if len(args) >= 3 && args[0] == 11 && args[1] == 0 && args[2] == 1 { // string field 1
			dst = append(dst, 11, 0, 0)
			args = args[3:]
		}
	}
	dst = append(dst, args...)
	if v.Framed() {
		binary.BigEndian.PutUint32(dst[n:], uint32(len(dst)-n-4))
	}
	return dst
}
