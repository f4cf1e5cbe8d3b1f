package thrift_test

import (
	"math/rand/v2"
	"testing"

	athrift "github.com/apache/thrift/lib/go/thrift"
	"github.com/stretchr/testify/assert"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/conformance/thrift/gen-go/echo"
	"github.com/xgate/xgate/xprotocol"
)

const (
	no   = xprotocol.MatchNo
	yes  = xprotocol.MatchYes
	more = xprotocol.MatchNeedMore
)

func TestMatchTable(t *testing.T) {
	cases := []struct {
		name   string
		prefix []byte
		want   xprotocol.MatchResult
	}{
		{"empty", nil, more},
		{"binary 1 byte", []byte{0x80}, more},
		{"binary 3 bytes", []byte{0x80, 0x01, 0x00}, more},
		{"binary call", []byte{0x80, 0x01, 0x00, 0x01}, yes},
		{"binary oneway", []byte{0x80, 0x01, 0x00, 0x04}, yes},
		{"binary type 0", []byte{0x80, 0x01, 0x00, 0x00}, no},
		{"binary type 5", []byte{0x80, 0x01, 0x00, 0x05}, no},
		{"binary version 2", []byte{0x80, 0x02}, no},
		{"binary byte 2 set", []byte{0x80, 0x01, 0x01}, no},
		{"compact 1 byte", []byte{0x82}, more},
		{"compact call", []byte{0x82, 0x21}, yes},
		{"compact reply", []byte{0x82, 0x41}, yes},
		{"compact exception", []byte{0x82, 0x61}, yes},
		{"compact oneway", []byte{0x82, 0x81}, yes},
		{"compact version 2", []byte{0x82, 0x22}, no},
		{"compact type 0", []byte{0x82, 0x01}, no},
		{"compact type 5", []byte{0x82, 0xa1}, no},
		{"framed 3 bytes", []byte{0, 0, 0}, more},
		{"framed length only", []byte{0, 0, 0, 20}, more},
		{"framed binary call", []byte{0, 0, 0, 20, 0x80, 0x01, 0x00, 0x01}, yes},
		{"framed binary 6 bytes", []byte{0, 0, 0, 20, 0x80, 0x01}, more},
		{"framed binary too short for a header", []byte{0, 0, 0, 11, 0x80}, no},
		{"framed compact call", []byte{0, 0, 0, 4, 0x82, 0x21}, yes},
		{"framed compact too short", []byte{0, 0, 0, 3}, no},
		{"framed other byte 4", []byte{0, 0, 0, 20, 0x81}, no},
		{"framed 16 MiB or more", []byte{0x01, 0, 0, 20}, no},
		{"framed bolt-like length", []byte{0x01, 0x01, 0x00, 0x01, 0x80, 0x01, 0x00, 0x01}, no},
		{"unframed 0x81", []byte{0x81}, no},
		{"bolt request", []byte{0x01, 0x01, 0x00, 0x01, 0x01}, no},
		{"bolt v2", []byte{0x02, 0x01}, no},
		{"dubbo", []byte{0xda, 0xbb, 0xc2, 0x00}, no},
		{"http/1", []byte("GET / HTTP/1.1\r\n"), no},
		{"http/2 preface", []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), no},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, thrift.Proto.Match(c.prefix), c.name)
	}
}

// TestMatchLibraryMessagesMonotone: every variant's messages match, and the
// answer over growing prefixes goes from need-more to yes, never back.
func TestMatchLibraryMessagesMonotone(t *testing.T) {
	for _, v := range thrift.AllVariants() {
		for _, typ := range []athrift.TMessageType{athrift.CALL, athrift.ONEWAY, athrift.REPLY, athrift.EXCEPTION} {
			wire := libWrite(t, v, libMsg{name: "echo", typ: typ, seqid: 9, body: &echo.EchoEchoArgs{Msg: "x"}, service: "Echo"})
			decided := false
			for i := 0; i <= len(wire); i++ {
				switch thrift.Proto.Match(wire[:i]) {
				case no:
					t.Fatalf("%s %v: no at %d bytes", v, typ, i)
				case yes:
					decided = true
				case more:
					if decided {
						t.Fatalf("%s %v: yes then need-more at %d bytes", v, typ, i)
					}
				}
			}
			assert.True(t, decided, "%s %v", v, typ)
			assert.LessOrEqual(t, firstDecision(wire), 8, "decides within 8 bytes")
		}
	}
}

func firstDecision(b []byte) int {
	for i := 0; i <= len(b); i++ {
		if thrift.Proto.Match(b[:i]) != more {
			return i
		}
	}
	return len(b) + 1
}

// TestMatchMonotoneAndDisjointRandom: on random prefixes built from the
// bytes that matter, a decision never changes with more bytes, and Thrift
// and Bolt never both say yes.
func TestMatchMonotoneAndDisjointRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte{0x00, 0x01, 0x02, 0x04, 0x0c, 0x14, 0x21, 0x41, 0x61, 0x7f, 0x80, 0x81, 0x82, 0xa1, 0xda, 0xff}
	for range 200000 {
		b := make([]byte, 1+r.IntN(10))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		var decided xprotocol.MatchResult = more
		for i := 0; i <= len(b); i++ {
			got := thrift.Proto.Match(b[:i])
			if decided != more && got != decided {
				t.Fatalf("% x: %v at %d bytes after %v", b, got, i, decided)
			}
			decided = got
			if got == yes && bolt.Proto.Match(b[:i]) == yes {
				t.Fatalf("% x: both thrift and bolt match %d bytes", b, i)
			}
		}
	}
	// Every prefix Bolt claims at 4 bytes, whatever follows, is not Thrift.
	for typ := range 3 {
		for code := range 3 {
			for _, b4 := range []byte{0x80, 0x82, 0x01} {
				p := []byte{0x01, byte(typ), 0x00, byte(code), b4, 0x01, 0x00, 0x01}
				if bolt.Proto.Match(p) == yes {
					assert.Equal(t, no, thrift.Proto.Match(p), "% x", p)
				}
			}
		}
	}
}

func TestMatchAllocs(t *testing.T) {
	p := []byte{0, 0, 0, 20, 0x80, 0x01, 0x00, 0x01}
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = thrift.Proto.Match(p) }))
}
