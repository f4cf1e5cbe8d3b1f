package fuzz

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/xgate/xgate/codecs/http1"
	"github.com/xgate/xgate/codecs/http1/http1test"
	"github.com/xgate/xgate/xprotocol"
)

// http1Seeds are the differential corpus: smuggling vectors and a generated
// set of tricky requests.
func http1Seeds() []string {
	var seeds []string
	for _, c := range append(http1test.Smuggling(), http1test.Generated(7, 200)...) {
		seeds = append(seeds, c.Raw)
	}
	return seeds
}

// http1Head is everything observable about a parsed request head.
type http1Head struct {
	Method, Target, Path, Query, Host, Version string
	Form                                       http1.TargetForm
	CL                                         int64
	Chunked, KeepAlive, Expect                 bool
	Body                                       http1.Body
	Fields                                     []string
}

func snapHTTP1(h *http1.RequestHead) http1Head {
	s := http1Head{string(h.Method()), string(h.Target()), string(h.Path()), string(h.Query()), string(h.Host()),
		h.Version().String(), h.Form(), h.ContentLength(), h.Chunked(), h.KeepAlive(), h.Expect100Continue(), h.Body(), nil}
	h.Range(func(name, value []byte) bool {
		s.Fields = append(s.Fields, string(name)+"\x00"+string(value))
		return true
	})
	return s
}

// serializeHTTP1 writes h back as a canonical head.
func serializeHTTP1(h *http1.RequestHead) []byte {
	var b bytes.Buffer
	b.Write(h.Method())
	b.WriteByte(' ')
	b.Write(h.Target())
	b.WriteByte(' ')
	b.WriteString(h.Version().String())
	b.WriteString("\r\n")
	h.Range(func(name, value []byte) bool {
		b.Write(name)
		b.WriteString(": ")
		b.Write(value)
		b.WriteString("\r\n")
		return true
	})
	b.WriteString("\r\n")
	return b.Bytes()
}

// FuzzHTTP1RequestHead: the parser never panics; what it refuses is refused
// with an *http1.Error of a known status; what it accepts re-serialises to a
// head that parses to the same fields; and a body it frames as chunked
// decodes the same whole and byte by byte.
func FuzzHTTP1RequestHead(f *testing.F) {
	for _, s := range http1Seeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		h, n, err := http1.ParseRequestHead(raw, http1.Limits{})
		if err != nil {
			if errors.Is(err, http1.ErrIncomplete) {
				return
			}
			var e *http1.Error
			if !errors.As(err, &e) {
				t.Fatalf("untyped error %v", err)
			}
			switch e.Status {
			case 400, 414, 431, 501, 505:
			default:
				t.Fatalf("status %d for %v", e.Status, e.Rule)
			}
			if !errors.Is(err, xprotocol.ErrMalformed) && !errors.Is(err, xprotocol.ErrFrameTooLarge) {
				t.Fatalf("error %v has no xprotocol class", err)
			}
			return
		}
		if n <= 0 || n > len(raw) {
			t.Fatalf("n = %d of %d", n, len(raw))
		}
		want := snapHTTP1(&h)
		again, n2, err := http1.ParseRequestHead(serializeHTTP1(&h), http1.Limits{})
		if err != nil {
			t.Fatalf("re-serialised head refused: %v\n%q", err, serializeHTTP1(&h))
		}
		if got := snapHTTP1(&again); n2 == 0 || !equalHeads(got, want) {
			t.Fatalf("re-parse differs:\n got %+v\nwant %+v", got, want)
		}
		if h.Body().Kind == http1.BodyChunked {
			body := raw[n:]
			whole := http1.NewChunkedDecoder(http1.Request, http1.Limits{})
			a, errA := decodeChunked(&whole, body, len(body))
			step := http1.NewChunkedDecoder(http1.Request, http1.Limits{})
			b, errB := decodeChunked(&step, body, 1)
			if !bytes.Equal(a, b) || (errA == nil) != (errB == nil) {
				t.Fatalf("chunked whole %q (%v) vs byte by byte %q (%v)", a, errA, b, errB)
			}
		}
	})
}

func equalHeads(a, b http1Head) bool {
	return strings.Join(a.Fields, "\n") == strings.Join(b.Fields, "\n") &&
		a.Method == b.Method && a.Target == b.Target && a.Path == b.Path && a.Query == b.Query &&
		a.Host == b.Host && a.Version == b.Version && a.Form == b.Form && a.CL == b.CL &&
		a.Chunked == b.Chunked && a.KeepAlive == b.KeepAlive && a.Expect == b.Expect && a.Body == b.Body
}

// decodeChunked feeds src in pieces of step bytes, keeping the unconsumed
// rest in front of the next piece, and returns the data.
func decodeChunked(d *http1.ChunkedDecoder, src []byte, step int) ([]byte, error) {
	var out, pending []byte
	for fed := 0; !d.Done(); {
		if fed == len(src) {
			return out, http1.ErrIncomplete
		}
		k := min(step, len(src)-fed)
		pending = append(pending, src[fed:fed+k]...)
		fed += k
		for !d.Done() {
			data, n, err := d.Decode(pending)
			out, pending = append(out, data...), pending[n:]
			if errors.Is(err, http1.ErrIncomplete) {
				break
			}
			if err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// http1Stricter are the rules by which we may refuse what net/http accepts:
// the table "Differences from net/http" in codecs/http1/doc.go.
var http1Stricter = map[http1.Rule]bool{
	http1.RuleContentLengthWithTE: true,
	http1.RuleTEOnHTTP10:          true,
	http1.RuleObsFold:             true,
	http1.RuleBareLF:              true,
	http1.RuleVersionUnsupported:  true,
	http1.RuleTarget:              true,
	http1.RuleTargetForm:          true,
	http1.RuleHost:                true,
	http1.RuleMissingHost:         true,
	// Limits: net/http allows 1 MiB of head and has no field count limit.
	http1.RuleHeadTooLarge:       true,
	http1.RuleTooManyFields:      true,
	http1.RuleRequestLineTooLong: true,
}

// FuzzHTTP1Differential: on any input, our accept/reject decision agrees
// with net/http's server, or differs only as documented: we reject by a rule
// of http1Stricter, or accept a request Transfer-Encoding list of registered
// codings ending in chunked.
func FuzzHTTP1Differential(f *testing.F) {
	for _, s := range http1Seeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		h, _, err := http1.ParseRequestHead(raw, http1.Limits{})
		theirs := http1test.NetHTTPAccepts(raw)
		if errors.Is(err, http1.ErrIncomplete) {
			// No complete head: net/http, at end of input, cannot have
			// read one either, unless it took a bare LF as a line end.
			if theirs && !bytes.Contains(raw, []byte("\n\n")) && !bytes.Contains(raw, []byte("\n\r\n")) {
				t.Fatalf("incomplete for us, accepted by net/http: %q", raw)
			}
			return
		}
		ours := err == nil
		switch {
		case ours == theirs:
		case ours:
			te := h.Get("Transfer-Encoding")
			if !h.Chunked() || !bytes.Contains(te, []byte(",")) {
				t.Fatalf("we accept, net/http rejects: %q", raw)
			}
		default:
			var e *http1.Error
			if !errors.As(err, &e) || !http1Stricter[e.Rule] {
				t.Fatalf("undocumented stricter rejection (%v): %q", err, raw)
			}
		}
	})
}
