package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// microWhat says what each micro-benchmark measures, by package and name
// (without the -GOMAXPROCS suffix). Benchmarks not listed are shown with
// their name only.
var microWhat = map[string]string{
	"bolt DecodeRequest":                   "Decode + Release: 22-byte header, 12 headers, 512 B body, copied into pooled memory",
	"bolt DecodeResponse":                  "Decode + Release of a 512 B response",
	"bolt DecodeRequestV2":                 "the request in Bolt v2, no CRC",
	"bolt DecodeRequestV2CRC":              "Bolt v2 with the CRC32 validated on decode",
	"bolt DecodeResponseV2CRC":             "Bolt v2 response with a CRC32",
	"bolt Forward":                         "hot path: Decode → service/method → SetStreamID (in place) → Encode into a reused buffer → Release",
	"bolt ForwardV2CRC":                    "the same in v2 with CRC32 validated, then recomputed after the id patch",
	"bolt EncodeEdited":                    "Decode → Header.Set → re-serialise → Release",
	"bolt EncodeEditedV2CRC":               "the same with a Bolt v2 CRC32 frame",
	"bolt HeaderGet":                       "one lookup in the 12-entry header map, no parse-to-map",
	"bolt Match":                           "detection of one prefix",
	"dubbo DecodeHeader":                   "Decode + Release of a 298-byte dubbo-go echo(String) request (header only)",
	"dubbo DecodeResponse":                 "Decode + Status + Release of a typical response",
	"dubbo DecodeRouteKeys":                "+ service and method read lazily from the hessian2 body",
	"dubbo Forward":                        "hot path: Decode → keys → SetStreamID → Encode → Release",
	"dubbo AttachmentGet":                  "one attachment (skips the arguments in place)",
	"dubbo Attachments":                    "3 attachment Gets, Range, Timeout",
	"dubbo EncodeEdited":                   "Set and Del attachments, splice the body",
	"dubbo LibraryDecode":                  "reference: dubbo-go's own HessianCodec, header + body",
	"dubbo ErrorReply":                     "build an error response",
	"dubbo Match":                          "detection of one prefix",
	"thrift DecodeFramedBinaryCall":        "Decode + Release of a framed binary call (header only)",
	"thrift DecodeFramedCompactCall":       "the same in compact",
	"thrift DecodeUnframedBinaryCall":      "message end found by walking the struct",
	"thrift DecodeUnframedCompactCall":     "the walker, compact",
	"thrift LibrarySkipUnframedBinaryCall": "reference: apache/thrift reading the header and Skip-ping the args",
	"thrift Forward":                       "hot path: Decode → keys → seqid rewrite → Encode → Release (per variant)",
	"thrift Match":                         "detection on an 8-byte framed binary prefix",
	"thrift DecodeReply":                   "upstream session: Decode + Release of the reply to that call (per variant)",
	"thrift Encode":                        "a decoded call written out unchanged into a reused buffer (per variant)",
	"http1 ParseRequestHead":               "664-byte browser-like request head, fields as offsets",
	"http1 ParseResponseHead":              "a response head",
	"http1 ChunkedDecode":                  "64 KiB body as 16 chunks of 4 KiB with a trailer",
	"http1 DecodeRequest":                  "session decode into a pooled frame (hop-by-hop classified, X-Forwarded-* prepared)",
	"http1 ForwardExchange":                "request decoded → encoded upstream, 1 KiB response decoded → encoded downstream",
	"http1 EncodeFromHTTP2":                "request and response built the HTTP/2 way, written as HTTP/1.1",
	"http1 StreamChunked":                  "64 KiB chunked body decoded into data frames and re-chunked",
	"http2 DecodeUnaryRequest":             "gRPC unary request: HEADERS (HPACK) + DATA",
	"http2 EncodeResponse":                 "response head, HPACK into a reused buffer",
	"http2 UnaryExchange":                  "gRPC unary both ways: request decode, response head + DATA + trailers encode",
	"transport EchoRoundTrip":              "one client, 128-byte ping-pong through a gnet echo server",
	"transport TLSEchoRoundTrip":           "the same over TLS",
}

// microTable turns `go test -bench -benchmem` output into a Markdown table.
func microTable(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("micro-benchmarks: %w", err)
	}
	defer f.Close()
	var b strings.Builder
	b.WriteString("| package | benchmark | what it measures | ns/op | B/op | allocs/op |\n|---|---|---|---|---|---|\n")
	pkg := ""
	rows := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "pkg: ") {
			pkg = strings.TrimPrefix(line, "pkg: github.com/xgate/xgate/")
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 {
			continue
		}
		name := strings.TrimPrefix(fields[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		short := pkg[strings.LastIndexByte(pkg, '/')+1:]
		what := microWhat[short+" "+name]
		if what == "" {
			base, _, _ := strings.Cut(name, "/")
			what = microWhat[short+" "+base]
		}
		ns, bop, allocs := "", "", ""
		for i := 2; i+1 < len(fields); i++ {
			switch fields[i+1] {
			case "ns/op":
				ns = fields[i]
			case "B/op":
				bop = fields[i]
			case "allocs/op":
				allocs = fields[i]
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", short, name, what, ns, bop, allocs)
		rows++
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("micro-benchmarks: %w", err)
	}
	if rows == 0 {
		return "", fmt.Errorf("micro-benchmarks: no results in %s", path)
	}
	return b.String(), nil
}

// benchLine is one benchmark's best run.
type benchLine struct {
	ns          float64
	bop, allocs string
}

// readBench returns, per benchmark name (without the -GOMAXPROCS suffix),
// its fastest run in a `go test -bench -benchmem -count N` output.
func readBench(path string) (map[string]benchLine, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("benchmarks: %w", err)
	}
	defer f.Close()
	best := map[string]benchLine{}
	var order []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(fields[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		var l benchLine
		for i := 2; i+1 < len(fields); i++ {
			switch fields[i+1] {
			case "ns/op":
				l.ns, _ = strconv.ParseFloat(fields[i], 64)
			case "B/op":
				l.bop = fields[i]
			case "allocs/op":
				l.allocs = fields[i]
			}
		}
		old, seen := best[name]
		if !seen {
			order = append(order, name)
		}
		if !seen || l.ns < old.ns {
			best[name] = l
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("benchmarks: %w", err)
	}
	return best, order, nil
}

// sameFramesTable compares the gateway's codecs and MOSN's on the same
// frames (fastest of each benchmark's runs).
func sameFramesTable(xgatePath, mosnPath string) (string, error) {
	x, order, err := readBench(xgatePath)
	if err != nil {
		return "", err
	}
	m, _, err := readBench(mosnPath)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("| benchmark (same bytes) | xgate ns/op | xgate B/op, allocs/op | MOSN v1.3.0 ns/op | MOSN B/op, allocs/op | MOSN ÷ xgate |\n|---|---|---|---|---|---|\n")
	for _, name := range order {
		xl, ml := x[name], m[name]
		ratio := "—"
		if ml.ns > 0 && xl.ns > 0 {
			ratio = fmt.Sprintf("%.1f×", ml.ns/xl.ns)
		}
		fmt.Fprintf(&b, "| %s | %.0f | %s, %s | %.0f | %s, %s | %s |\n", name, xl.ns, xl.bop, xl.allocs, ml.ns, ml.bop, ml.allocs, ratio)
	}
	return b.String(), nil
}
