package fuzz

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/xgate/xgate/codecs/http1"
	"github.com/xgate/xgate/xprotocol"
)

// http1Message is what a server session made of one request: its head's
// fields, its whole body and its trailers, however the bytes were split.
type http1Message struct {
	ID       uint64
	Fields   []string
	Body     []byte
	Trailers []string
}

// http1SessionRun feeds data to a fresh server session step bytes at a time
// (keeping what Decode did not use, as the engine does), forwards every
// frame through a client session, and returns the messages, the forwarded
// bytes and the refusal, if any.
func http1SessionRun(t *testing.T, data []byte, step int) ([]http1Message, []byte, error) {
	t.Helper()
	srv := http1.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleServer, RemoteAddr: "192.0.2.1:9", MaxFrameSize: 64})
	cli := http1.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleClient})
	var msgs []http1Message
	var fwd, buf []byte
	for fed := 0; fed < len(data); {
		k := min(step, len(data)-fed)
		buf = append(buf, data[fed:fed+k]...)
		fed += k
		for len(buf) > 0 {
			f, n, err := srv.Decode(buf)
			if errors.Is(err, xprotocol.ErrIncomplete) {
				if n != 0 || f != nil {
					t.Fatalf("ErrIncomplete with n=%d", n)
				}
				break
			}
			if err != nil {
				checkRefusal(t, http1.Name, err, n)
				checkHTTP1Reject(t, srv, err)
				return msgs, fwd, err
			}
			if n <= 0 || n > len(buf) {
				t.Fatalf("Decode used %d of %d bytes", n, len(buf))
			}
			buf = buf[n:]
			if f == nil {
				continue
			}
			if len(f.Body()) > 64 {
				t.Fatalf("a %v frame of %d bytes exceeds FrameLimit", f.Kind(), len(f.Body()))
			}
			var fields []string
			f.Header().Range(func(k, v []byte) bool {
				fields = append(fields, string(k)+"\x00"+string(v))
				return true
			})
			switch f.Kind() {
			case xprotocol.KindRequest:
				msgs = append(msgs, http1Message{ID: f.StreamID(), Fields: fields})
			case xprotocol.KindData:
				if len(msgs) == 0 || msgs[len(msgs)-1].ID != f.StreamID() {
					t.Fatalf("data frame of stream %d follows no head of it", f.StreamID())
				}
				msgs[len(msgs)-1].Trailers = append(msgs[len(msgs)-1].Trailers, fields...)
			default:
				t.Fatalf("a server session decoded a %v frame", f.Kind())
			}
			m := &msgs[len(msgs)-1]
			m.Body = append(m.Body, f.Body()...)
			var err2 error
			if fwd, err2 = cli.Encode(fwd, f); err2 != nil {
				t.Fatalf("forwarding a decoded frame failed: %v", err2)
			}
			f.Release()
		}
	}
	return msgs, fwd, nil
}

// checkHTTP1Reject: a refusal carries an *http1.Error and leaves an HTTP
// response with its status pending, and the session asks to close.
func checkHTTP1Reject(t *testing.T, s xprotocol.Session, err error) {
	t.Helper()
	var e *http1.Error
	if !errors.As(err, &e) {
		t.Fatalf("refusal without an *http1.Error: %v", err)
	}
	if !s.(xprotocol.Closing).ShouldClose() {
		t.Fatalf("refused (%v) but not closing", err)
	}
	out := s.(xprotocol.Flusher).AppendPending(nil)
	for bytes.HasPrefix(out, []byte("HTTP/1.1 100 Continue\r\n\r\n")) {
		out = out[len("HTTP/1.1 100 Continue\r\n\r\n"):]
	}
	if len(out) == 0 {
		return // an earlier request is still owed its response: the connection just closes
	}
	resp, rerr := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
	if rerr != nil || resp.StatusCode != e.Status || !resp.Close {
		t.Fatalf("refusal %v left %q pending", err, out)
	}
}

// http1SessionSeed is one input of FuzzHTTP1Session: the bytes and the
// size of the pieces they arrive in (step%16+1).
type http1SessionSeed struct {
	data []byte
	step uint8
}

// http1SessionSeeds are the request heads of http1Seeds arriving one byte
// at a time, and a pipelined chunked request with trailers and
// 100-continue arriving in pieces of 4.
func http1SessionSeeds() []http1SessionSeed {
	var seeds []http1SessionSeed
	for _, s := range http1Seeds() {
		seeds = append(seeds, http1SessionSeed{[]byte(s), 1})
	}
	return append(seeds, http1SessionSeed{[]byte("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n" +
		"4\r\nwiki\r\n0\r\nX-T: 1\r\n\r\nGET /b HTTP/1.0\r\n\r\n"), 3})
}

// FuzzHTTP1Session: a server session never panics; it decodes the same
// messages (fields, bodies, trailers) whether the input comes whole or in
// pieces, and refuses it either way or not at all; every refusal is typed and answered
// with its status before the close; no data frame exceeds FrameLimit; and
// everything it decodes forwards through a client session to bytes that a
// fresh server session decodes to the same messages again (X-Forwarded-For
// growing by one address).
func FuzzHTTP1Session(f *testing.F) {
	for _, s := range http1SessionSeeds() {
		f.Add(s.data, s.step)
	}
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		whole, fwd, errWhole := http1SessionRun(t, data, len(data))
		split, _, errSplit := http1SessionRun(t, data, int(step%16)+1)
		// Both refuse or neither does; the rule may differ, as a head is
		// checked as far as it has arrived (a stray byte is refused before
		// the bare LF that follows it is seen).
		if (errWhole == nil) != (errSplit == nil) {
			t.Fatalf("whole: %v, split: %v", errWhole, errSplit)
		}
		if !sameHTTP1Messages(whole, split) {
			t.Fatalf("split decode differs:\n whole %+v\n split %+v", whole, split)
		}
		if errWhole != nil || len(whole) == 0 {
			return
		}
		again, _, err := http1SessionRun(t, fwd, len(fwd))
		if err != nil {
			t.Fatalf("forwarded bytes refused: %v\n%q", err, fwd)
		}
		complete := whole
		if len(again) < len(complete) {
			complete = complete[:len(again)] // the last message may be unfinished
		}
		for i := range complete {
			a, b := complete[i], again[i]
			if !bytes.Equal(a.Body, b.Body) && i < len(complete)-1 || strings.Join(a.Trailers, "\n") != strings.Join(b.Trailers, "\n") && i < len(complete)-1 {
				t.Fatalf("message %d: forwarded body or trailers differ:\n %+v\n %+v", i, a, b)
			}
			if !sameForwardedFields(a.Fields, b.Fields) {
				t.Fatalf("message %d: forwarded fields differ:\n %q\n %q", i, a.Fields, b.Fields)
			}
		}
	})
}

func sameHTTP1Messages(a, b []http1Message) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || !bytes.Equal(a[i].Body, b[i].Body) ||
			strings.Join(a[i].Fields, "\n") != strings.Join(b[i].Fields, "\n") ||
			strings.Join(a[i].Trailers, "\n") != strings.Join(b[i].Trailers, "\n") {
			return false
		}
	}
	return true
}

// sameForwardedFields compares a request's fields with those of its
// forwarded copy: the same but for X-Forwarded-For, which gains the
// gateway's peer address once more.
func sameForwardedFields(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] == b[i] {
			continue
		}
		if !strings.HasPrefix(a[i], "x-forwarded-for\x00") || b[i] != a[i]+", 192.0.2.1" {
			return false
		}
	}
	return true
}
