package fuzz

import (
	"testing"

	_ "github.com/xgate/xgate/codecs/all"
	"github.com/xgate/xgate/detect"
	"github.com/xgate/xgate/xprotocol"
)

// detectSeeds are first bytes of every protocol, whole and cut short.
var detectSeeds = [][]byte{
	[]byte{0x01, 0x01, 0x00, 0x01, 0x01, 0, 0, 0, 1},
	[]byte{0x01},
	[]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
	[]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
	[]byte{0xda, 0xbb, 0xc2, 0x00},
	[]byte{0x80, 0x01, 0x00, 0x01},
	[]byte{0, 0, 0, 20, 0x80, 0x01, 0x00, 0x01},
	[]byte{},
	[]byte("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"),
	[]byte("POST / HTTP/1.0\r\n"),
	[]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00"),
	[]byte("PRI * HTTP/1.1\r\n"),
}

// FuzzDetect feeds arbitrary first bytes to a detector over every registered
// protocol. It must never panic, must be deterministic, must agree with the
// chosen protocol's own matcher, and must give the same final answer however
// the bytes were split across reads.
func FuzzDetect(f *testing.F) {
	for _, s := range detectSeeds {
		f.Add(s)
	}
	d := detect.New(xprotocol.Detectable(), 64)
	f.Fuzz(func(t *testing.T, in []byte) {
		p, res := d.Detect(in)
		p2, res2 := d.Detect(in)
		if res != res2 || p != p2 {
			t.Fatalf("non-deterministic: %v/%v then %v/%v", p, res, p2, res2)
		}
		switch res {
		case xprotocol.MatchYes:
			if p == nil {
				t.Fatal("MatchYes without a protocol")
			}
			peek := in
			if len(peek) > d.PeekBytes() {
				peek = peek[:d.PeekBytes()]
			}
			if p.Match(peek) != xprotocol.MatchYes {
				t.Fatalf("%s chosen but its matcher does not say yes", p.Name())
			}
		case xprotocol.MatchNo, xprotocol.MatchNeedMore:
			if p != nil {
				t.Fatalf("result %v with protocol %s", res, p.Name())
			}
		default:
			t.Fatalf("unknown result %v", res)
		}
		if len(in) >= d.PeekBytes() && res == xprotocol.MatchNeedMore {
			t.Fatal("asked for more bytes beyond the peek bound")
		}
		// Reads arrive in pieces: the first definite answer over growing
		// prefixes is the answer for the whole input.
		for i := 0; i <= len(in); i++ {
			pp, r := d.Detect(in[:i])
			if r == xprotocol.MatchNeedMore {
				continue
			}
			if r != res || pp != p {
				t.Fatalf("prefix of %d bytes decided %v/%v, whole input %v/%v", i, pp, r, p, res)
			}
			break
		}
	})
}

// matchSeeds are headers of every protocol and variant.
var matchSeeds = [][]byte{
	[]byte{0x01, 0x01, 0x00, 0x01, 0x01, 0, 0, 0, 1},
	[]byte{0x02, 0x01, 0x01, 0x00, 0x01, 0x01, 0, 0, 0, 1},
	[]byte{0x01, 0x00, 0x00, 0x10, 0x80, 0x01, 0x00, 0x01},
	[]byte{0x02, 0x00, 0x00, 0x10, 0x82, 0x21, 0x01},
	[]byte{0xda, 0xbb, 0xc2, 0x00, 0, 0, 0, 0, 0, 0, 0, 1},
	[]byte{0x80, 0x01, 0x00, 0x01, 0, 0, 0, 4, 'e', 'c', 'h', 'o'},
	[]byte{0x82, 0x21, 0x01, 0x04, 'e', 'c', 'h', 'o'},
	[]byte{0, 0, 0, 20, 0x80, 0x01, 0x00, 0x01},
	[]byte("GET / HTTP/1.1\r\n"),
	[]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
}

// FuzzMatchDisjointMonotone checks the two promises every matcher makes:
// no two registered protocols say yes to the same bytes, and each
// protocol's answer never changes once given, however many more bytes
// arrive.
func FuzzMatchDisjointMonotone(f *testing.F) {
	for _, s := range matchSeeds {
		f.Add(s)
	}
	protos := xprotocol.Detectable()
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 128 {
			in = in[:128]
		}
		var yes []string
		for _, p := range protos {
			if p.Match(in) == xprotocol.MatchYes {
				yes = append(yes, p.Name())
			}
			first := xprotocol.MatchNeedMore
			for i := 0; i <= len(in); i++ {
				r := p.Match(in[:i])
				if first == xprotocol.MatchNeedMore {
					first = r
				} else if r != first {
					t.Fatalf("%s: answered %v at some prefix, then %v at %d bytes", p.Name(), first, r, i)
				}
			}
		}
		if len(yes) > 1 {
			t.Fatalf("%x matched by %v", in, yes)
		}
	})
}
