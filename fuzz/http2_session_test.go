package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/xgate/xgate/codecs/http2"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xprotocol"
)

const h2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// h2Frame builds one raw HTTP/2 frame.
func h2Frame(typ, flags byte, id uint32, payload []byte) []byte {
	n := len(payload)
	b := []byte{byte(n >> 16), byte(n >> 8), byte(n), typ, flags, byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}
	return append(b, payload...)
}

// http2Seeds are frame sequences that follow the preface: the codec's
// x/net-written golden HEADERS, with control frames, DATA, trailers and
// resets around them.
func http2Seeds(t testing.TB) [][]byte {
	settings := h2Frame(0x4, 0, 0, []byte{0, 4, 0, 0, 0, 0}) // INITIAL_WINDOW_SIZE 0
	empty := h2Frame(0x4, 0, 0, nil)
	ping := h2Frame(0x6, 0, 0, []byte("12345678"))
	var seeds [][]byte
	for _, name := range []string{"grpc_unary_request", "http_get", "http_post_continuation"} {
		g := conformance.ReadHex(t, filepath.Join("..", "codecs", "http2", "testdata", name+".hex"))
		id := uint32(g[5])<<24 | uint32(g[6])<<16 | uint32(g[7])<<8 | uint32(g[8])
		data := h2Frame(0x0, 0, id, []byte("\x00\x00\x00\x00\x03abc"))
		end := h2Frame(0x0, 1, id, nil)
		rst := h2Frame(0x3, 0, id, []byte{0, 0, 0, 8})
		wu := h2Frame(0x8, 0, id, []byte{0, 0, 1, 0})
		seeds = append(seeds,
			bytes.Join([][]byte{empty, g}, nil),
			bytes.Join([][]byte{empty, ping, g, data, end}, nil),
			bytes.Join([][]byte{settings, g, wu, data, rst, data}, nil),
			bytes.Join([][]byte{empty, g, g}, nil),
		)
	}
	n := len(seeds)
	for _, s := range seeds[:n] {
		bad := bytes.Clone(s)
		bad[len(bad)/2] ^= 0x41
		seeds = append(seeds, bad, s[:len(s)*2/3])
	}
	return seeds
}

// h2Event is what the fuzz target compares between two decodes.
type h2Event struct {
	kind   xprotocol.Kind
	id     uint64
	end    bool
	status xprotocol.Status
	text   string
}

// h2Run feeds the preface and data to a fresh server session, whole or one
// byte at a time, answering each request head with an error reply. It
// checks the Decode contract at each step and returns the events, all the
// session's output and the terminal error.
func h2Run(t *testing.T, data []byte, byteByByte bool) ([]h2Event, []byte, error) {
	sess := http2.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleServer, MaxHeaderBytes: 4096, MaxStreams: 16})
	fl := sess.(xprotocol.Flusher)
	var events []h2Event
	var out []byte
	input := append([]byte(h2Preface), data...)
	var buf []byte
	feed := input
	for {
		if byteByByte {
			if len(feed) == 0 && len(buf) == 0 {
				break
			}
			if len(feed) > 0 {
				buf = append(buf, feed[0])
				feed = feed[1:]
			}
		} else {
			if len(feed) == 0 && len(buf) == 0 {
				break
			}
			buf = append(buf, feed...)
			feed = nil
		}
		for len(buf) > 0 {
			f, n, err := sess.Decode(buf)
			if errors.Is(err, xprotocol.ErrIncomplete) {
				if n != 0 || f != nil {
					t.Fatalf("ErrIncomplete with %d bytes used", n)
				}
				break
			}
			if err != nil {
				checkRefusal(t, http2.Name, err, n)
				if !sess.(xprotocol.Closing).ShouldClose() {
					t.Fatal("a connection error did not close the session")
				}
				return events, fl.AppendPending(out), err
			}
			if n <= 0 || n > len(buf) {
				t.Fatalf("Decode used %d of %d bytes", n, len(buf))
			}
			buf = buf[n:]
			if f != nil {
				var hdr bytes.Buffer
				f.Header().Range(func(k, v []byte) bool {
					fmt.Fprintf(&hdr, "%s=%s;", k, v)
					return true
				})
				events = append(events, h2Event{f.Kind(), f.StreamID(), f.EndStream(), f.Status(),
					fmt.Sprintf("%s|%s|%s|%s|%x|%v", f.Protocol(), f.Key(xprotocol.KeyService), f.Key(xprotocol.KeyMethod), hdr.String(), f.Body(), f.Timeout())})
				if f.Kind() == xprotocol.KindRequest {
					r := http2.Proto.ErrorReply(f, xprotocol.StatusNoRoute, "no route")
					var err error
					if out, err = sess.Encode(out, r); err != nil {
						t.Fatalf("encoding a reply to a decoded request: %v", err)
					}
					r.Release()
				}
				f.Release()
			}
		}
		if len(feed) == 0 {
			break
		}
	}
	return events, fl.AppendPending(out), nil
}

// FuzzHTTP2Session feeds frame sequences after the client preface to a
// server session: it never panics, refuses only with typed errors after
// queueing GOAWAY, keeps its own output within a bound of its input (no
// unbounded acknowledgement queues), and decodes the same whether the
// input arrives whole or byte by byte.
func FuzzHTTP2Session(f *testing.F) {
	for _, s := range http2Seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		whole, out, err := h2Run(t, data, false)
		// Output: our SETTINGS, then per input byte at most a couple of
		// bytes of acknowledgements and resets, plus the error replies.
		if limit := 256 + 3*len(data) + 96*len(whole); len(out) > limit {
			t.Fatalf("%d bytes of output for %d bytes of input", len(out), len(data))
		}
		split, out2, err2 := h2Run(t, data, true)
		if fmt.Sprint(whole) != fmt.Sprint(split) || (err == nil) != (err2 == nil) || !bytes.Equal(out, out2) {
			t.Fatalf("byte-by-byte decoding differs:\nwhole %v %v\nsplit %v %v", whole, err, split, err2)
		}
	})
}

// TestHTTP2SeedsDecode guards the seeds: the gRPC and GET ones decode to
// request heads (the CONTINUATION one carries a 20 KB field, beyond the
// fuzz session's 4 KiB header limit, so it ends in COMPRESSION_ERROR).
func TestHTTP2SeedsDecode(t *testing.T) {
	heads := 0
	for _, s := range http2Seeds(t)[:8] {
		events, _, err := h2Run(t, s, false)
		for _, e := range events {
			if e.kind == xprotocol.KindRequest {
				heads++
			}
		}
		_ = err
	}
	if heads < 8 {
		t.Fatalf("seeds gave %d request heads, want at least 8", heads)
	}
}
