// Package dubbopeer is a small Dubbo 2.x client and echo server over plain
// net.Conn (one goroutine per connection, the standard library's I/O),
// built only on dubbo-go's own packet codec
// (dubbo.apache.org/dubbo-go/v3/protocol/dubbo/hessian2: HessianCodec.Write,
// ReadHeader, ReadBody) - not on Xgate's codecs/dubbo - so it is an
// independent peer for end-to-end tests, the demo and load tools.
//
// dubbo-go-hessian2 carried this packet codec until v1.13.0, which moved it
// into dubbo-go; the serialization itself is still dubbo-go-hessian2's.
package dubbopeer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	dh "dubbo.apache.org/dubbo-go/v3/protocol/dubbo/hessian2"
)

// maxBody bounds the body length the peer accepts from the wire, so garbage
// cannot make it allocate gigabytes (dubbo-go's DEFAULT_LEN is 8 MiB; Java
// Dubbo's payload limit defaults to 8 MiB too).
const maxBody = 64 << 20

// packet is one frame read off a connection, parsed by dubbo-go's codec.
type packet struct {
	header dh.DubboHeader
	raw    []byte // header and body
}

// codec returns a dubbo-go codec positioned at the start of the packet.
func (p *packet) codec() *dh.HessianCodec {
	return dh.NewHessianCodec(bufio.NewReaderSize(bytes.NewReader(p.raw), len(p.raw)))
}

// readPacket reads one frame: the 16-byte header (parsed by dubbo-go's
// ReadHeader, which reports ErrBodyNotEnough with the header filled in while
// the body is not there yet), then the body it announces.
func readPacket(r io.Reader) (*packet, error) {
	var hdr [dh.HEADER_LENGTH]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	var h dh.DubboHeader
	err := dh.NewHessianCodec(bufio.NewReaderSize(bytes.NewReader(hdr[:]), len(hdr))).ReadHeader(&h)
	if err != nil && !errors.Is(err, dh.ErrBodyNotEnough) {
		return nil, fmt.Errorf("dubbopeer: header % x: %w", hdr, err)
	}
	if h.BodyLen > maxBody {
		return nil, fmt.Errorf("dubbopeer: body of %d bytes is over the %d limit", h.BodyLen, maxBody)
	}
	p := &packet{raw: make([]byte, dh.HEADER_LENGTH+h.BodyLen)}
	copy(p.raw, hdr[:])
	if _, err := io.ReadFull(r, p.raw[dh.HEADER_LENGTH:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if err := p.codec().ReadHeader(&p.header); err != nil {
		return nil, fmt.Errorf("dubbopeer: %w", err)
	}
	return p, nil
}

// readBody runs dubbo-go's ReadBody on the packet, turning its panics on
// malformed bodies (unchecked type assertions) into errors.
func (p *packet) readBody(into any) (err error) {
	c := p.codec()
	var h dh.DubboHeader
	if err := c.ReadHeader(&h); err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("dubbopeer: dubbo-go could not read the body: %v", r)
		}
	}()
	return c.ReadBody(into)
}

// javaExceptionPrefix is what dubbo-go's ReadBody puts before the message
// of a response with a status other than OK.
const javaExceptionPrefix = "java exception:"

// errorMessage extracts the message dubbo-go's ReadBody wrapped.
func errorMessage(err error) string {
	if err == nil {
		return ""
	}
	return strings.TrimPrefix(err.Error(), javaExceptionPrefix)
}
