package http2_test

import (
	"bytes"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	xh2 "github.com/xgate/xgate/codecs/http2"
	"github.com/xgate/xgate/xprotocol"
)

// unaryStream is a gRPC client's side of a connection: the preface and
// SETTINGS, then n unary requests (HEADERS and one DATA with END_STREAM)
// written by x/net's Framer and one hpack Encoder, so from the second
// request on every field is a dynamic-table reference, as on a real
// long-lived connection.
func unaryStream(tb testing.TB, n int) (setup []byte, reqs [][]byte) {
	var buf, hb bytes.Buffer
	fr := http2.NewFramer(&buf, nil)
	enc := hpack.NewEncoder(&hb)
	buf.WriteString(http2.ClientPreface)
	_ = fr.WriteSettings()
	_ = fr.WriteWindowUpdate(0, 1<<31-1-65535) // a client that reads its replies
	setup = bytes.Clone(buf.Bytes())
	msg := append([]byte{0, 0, 0, 0, 100}, bytes.Repeat([]byte("m"), 100)...)
	for i := range n {
		buf.Reset()
		hb.Reset()
		for _, f := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":path", "/helloworld.Greeter/SayHello"},
			{":authority", "localhost:50051"}, {"content-type", "application/grpc"}, {"user-agent", "grpc-go/1.79.1"},
			{"te", "trailers"}, {"grpc-timeout", "1S"}} {
			_ = enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
		}
		id := uint32(2*i + 1)
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hb.Bytes(), EndHeaders: true})
		_ = fr.WriteData(id, true, msg)
		reqs = append(reqs, bytes.Clone(buf.Bytes()))
	}
	return setup, reqs
}

// unaryCycle decodes one request (head and DATA, reading the routing
// keys), then encodes a full reply (head, DATA, trailers), which finishes
// the stream.
type unaryCycle struct {
	sess  xprotocol.Session
	fl    xprotocol.Flusher
	out   []byte
	reply []byte
}

func newUnaryCycle(tb testing.TB, setup []byte) *unaryCycle {
	s := xh2.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleServer})
	for b := setup; len(b) > 0; {
		_, n, err := s.Decode(b)
		if err != nil {
			tb.Fatal(err)
		}
		b = b[n:]
	}
	c := &unaryCycle{sess: s, fl: s.(xprotocol.Flusher), out: make([]byte, 0, 4096), reply: []byte("\x00\x00\x00\x00\x05hello")}
	c.out = c.fl.AppendPending(c.out)
	return c
}

func (c *unaryCycle) run(tb testing.TB, req []byte) {
	var id uint64
	for b := req; len(b) > 0; {
		f, n, err := c.sess.Decode(b)
		if err != nil {
			tb.Fatal(err)
		}
		if f != nil {
			_ = f.Key(xprotocol.KeyService)
			_ = f.Key(xprotocol.KeyMethod)
			_ = f.Timeout()
			id = f.StreamID()
			f.Release()
		}
		b = b[n:]
	}
	c.out = c.fl.AppendPending(c.out[:0])
	var err error
	for _, f := range []*xh2.Frame{
		xh2.NewResponse(id, [][2]string{{":status", "200"}, {"content-type", "application/grpc"}}, c.reply, false),
		xh2.NewData(id, nil, [][2]string{{"grpc-status", "0"}}, true),
	} {
		if c.out, err = c.sess.Encode(c.out, f); err != nil {
			tb.Fatalf("%v (output %q)", err, c.fl.AppendPending(nil))
		}
		f.Release()
	}
}

// TestAllocs: a steady-state gRPC unary exchange (decode HEADERS + DATA,
// encode head, DATA and trailers) allocates nothing.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race")
	}
	setup, reqs := unaryStream(t, 400)
	c := newUnaryCycle(t, setup)
	for _, r := range reqs[:100] { // warm the tables and pools
		c.run(t, r)
	}
	i := 100
	allocs := testing.AllocsPerRun(250, func() {
		c.run(t, reqs[i])
		i++
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per unary exchange, want 0", allocs)
	}
}

func BenchmarkUnaryExchange(b *testing.B) {
	setup, reqs := unaryStream(b, 1<<14)
	c := newUnaryCycle(b, setup)
	b.ReportAllocs()
	b.SetBytes(int64(len(reqs[1])))
	i := 0
	for b.Loop() {
		if i == len(reqs) {
			b.StopTimer()
			c, i = newUnaryCycle(b, setup), 0
			b.StartTimer()
		}
		c.run(b, reqs[i])
		i++
	}
}

func BenchmarkDecodeUnaryRequest(b *testing.B) {
	setup, reqs := unaryStream(b, 1<<14)
	c := newUnaryCycle(b, setup)
	b.ReportAllocs()
	b.SetBytes(int64(len(reqs[1])))
	i := 0
	for b.Loop() {
		if i == len(reqs) {
			b.StopTimer()
			c, i = newUnaryCycle(b, setup), 0
			b.StartTimer()
		}
		for r := reqs[i]; len(r) > 0; {
			f, n, err := c.sess.Decode(r)
			if err != nil {
				b.Fatal(err)
			}
			if f != nil {
				f.Release()
			}
			r = r[n:]
		}
		// Finish the stream so the session does not fill up.
		rst := xh2.Proto.NewReset(uint64(2*i+1), xprotocol.StatusOK)
		c.out, _ = c.sess.Encode(c.out[:0], rst)
		rst.Release()
		i++
	}
}

func BenchmarkEncodeResponse(b *testing.B) {
	setup, reqs := unaryStream(b, 1)
	c := newUnaryCycle(b, setup)
	c.run(b, reqs[0])
	head := xh2.NewResponse(1, [][2]string{{":status", "200"}, {"content-type", "application/grpc"}, {"grpc-status", "0"}}, nil, true)
	defer head.Release()
	b.ReportAllocs()
	for b.Loop() {
		// Encoded as a head of the other direction's kind would not track
		// state; a response on a client session is written as given.
		c.out = c.out[:0]
		var err error
		if c.out, err = clientSess.Encode(c.out, head); err != nil {
			b.Fatal(err)
		}
	}
}

var clientSess = func() xprotocol.Session {
	s := xh2.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleClient})
	s.(xprotocol.Flusher).AppendPending(nil)
	return s
}()
