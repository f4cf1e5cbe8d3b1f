package filter

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xgate/xgate/xprotocol"
)

// AccessLog is the name of the access-log filter: one line per request,
// written when the request ends, whatever the protocol.
//
// Settings:
//
//	path: /var/log/xgate/access.log   # a file (appended to, created 0640), stderr or stdout; default stderr
//	format: "%START_TIME% %PROTOCOL% %SERVICE% %METHOD% %STATUS% %DURATION%ms"   # text lines; default DefaultLogFormat
//	json: true                        # one JSON object per line instead (then no format); default false
//	queue: 4096                       # records waiting for the writer; default 1024, 1..1048576
//
// Placeholders (an empty value prints "-"): %START_TIME% (UTC, RFC 3339
// with milliseconds), %DURATION% (milliseconds), %PROTOCOL%, %SERVICE%,
// %METHOD%, %PATH%, %HOST% (the generic routing keys), %STATUS% (the
// generic status: ok, no_route, unavailable, timeout, overload,
// bad_request, server_error, unknown), %DETAILS% (the gateway's reply
// message), %STOPPED_BY% (the filter that replied), %CLUSTER% (alias
// %UPSTREAM_CLUSTER%), %UPSTREAM_HOST%, %BYTES_RECEIVED%, %BYTES_SENT%,
// %DOWNSTREAM_REMOTE_ADDRESS%, %STREAM_ID%, %REQ(name)% and %RESP(name)%
// (a request or response header, e.g. %REQ(x-request-id)% or
// %RESP(:status)% for the HTTP status code); %% is a literal %. A line
// ends with a newline, added if the format lacks one. Control characters
// from the wire are written as \xNN, so a client cannot forge lines.
//
// JSON lines have the keys start_time, duration_ms, protocol, service,
// method, path, host, status, details, stopped_by, cluster, upstream_host,
// bytes_received, bytes_sent, downstream_remote_address and stream_id.
//
// The event loops never wait for the disk: each record is formatted into a
// pooled buffer and queued to one writer goroutine per filter, which
// writes whole records in batches; when the queue is full the record is
// dropped and counted (event "dropped"; also "written", "write_errors").
// The writer is stopped, after writing what is queued, by Chain.Close.
const AccessLog = "access_log"

// DefaultLogFormat is the access log's line when no format is set.
const DefaultLogFormat = `[%START_TIME%] "%PROTOCOL% %SERVICE% %METHOD% %PATH%" %STATUS% %DURATION%ms ` +
	`%BYTES_RECEIVED% %BYTES_SENT% %CLUSTER% %UPSTREAM_HOST% %DOWNSTREAM_REMOTE_ADDRESS% "%DETAILS%"` + "\n"

type accessLogConfig struct {
	path   string
	format []segment
	json   bool
	queue  int
}

func parseAccessLog(s *Settings) accessLogConfig {
	c := accessLogConfig{path: s.String("path", "stderr")}
	switch {
	case c.path == "":
		s.Fail("path", "must not be empty (a file path, stderr or stdout)")
	case c.path != "stderr" && c.path != "stdout":
		if fi, err := os.Stat(filepath.Dir(c.path)); err != nil || !fi.IsDir() {
			s.Fail("path", "directory %q does not exist", filepath.Dir(c.path))
		}
	}
	format := s.String("format", "")
	c.json = s.Bool("json", false)
	c.queue = s.Int("queue", 1024, 1, 1<<20)
	switch {
	case c.json && format != "":
		s.Fail("format", "is not used with json: true (JSON lines have fixed keys); remove one")
	case format == "":
		format = DefaultLogFormat
	}
	segs, err := compileFormat(format)
	if err != nil {
		s.Fail("format", "%v", err)
	}
	c.format = segs
	return c
}

func buildAccessLog(c accessLogConfig, env Env) (Factory, error) {
	var w io.Writer
	var closer io.Closer
	switch c.path {
	case "stderr":
		w = os.Stderr
	case "stdout":
		w = os.Stdout
	default:
		f, err := os.OpenFile(c.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return nil, fmt.Errorf("access log: %w", err)
		}
		w, closer = f, f
	}
	return newAccessLog(c, newLogWriter(w, closer, c.queue, env)), nil
}

func newAccessLog(c accessLogConfig, lw *logWriter) *accessLog {
	return &accessLog{format: c.format, json: c.json, w: lw}
}

// accessLog is both the listener's Factory (one shared instance) and the
// io.Closer the Chain closes.
type accessLog struct {
	format []segment
	json   bool
	w      *logWriter
}

func (a *accessLog) New() Filter  { return a }
func (a *accessLog) Close() error { return a.w.Close() }

func (a *accessLog) OnLog(_ *Handle, info *Info) {
	bp := a.w.get()
	if a.json {
		*bp = appendJSONRecord((*bp)[:0], info)
	} else {
		*bp = appendTextRecord((*bp)[:0], a.format, info)
	}
	a.w.send(bp)
}

type op uint8

const (
	opLiteral op = iota
	opStartTime
	opDuration
	opProtocol
	opService
	opMethod
	opPath
	opHost
	opStatus
	opDetails
	opStoppedBy
	opCluster
	opUpstreamHost
	opBytesReceived
	opBytesSent
	opRemoteAddr
	opStreamID
	opReq
	opResp
)

var placeholders = map[string]op{
	"START_TIME":                opStartTime,
	"DURATION":                  opDuration,
	"PROTOCOL":                  opProtocol,
	"SERVICE":                   opService,
	"METHOD":                    opMethod,
	"PATH":                      opPath,
	"HOST":                      opHost,
	"STATUS":                    opStatus,
	"DETAILS":                   opDetails,
	"STOPPED_BY":                opStoppedBy,
	"CLUSTER":                   opCluster,
	"UPSTREAM_CLUSTER":          opCluster,
	"UPSTREAM_HOST":             opUpstreamHost,
	"BYTES_RECEIVED":            opBytesReceived,
	"BYTES_SENT":                opBytesSent,
	"DOWNSTREAM_REMOTE_ADDRESS": opRemoteAddr,
	"STREAM_ID":                 opStreamID,
}

// segment is a literal run of a format or one placeholder (arg: the
// header name of REQ/RESP).
type segment struct {
	op  op
	arg string
}

// compileFormat splits a format into segments once, at configuration time.
func compileFormat(format string) ([]segment, error) {
	var segs []segment
	var lit strings.Builder
	flushLit := func() {
		if lit.Len() > 0 {
			segs = append(segs, segment{op: opLiteral, arg: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(format); {
		c := format[i]
		if c != '%' {
			lit.WriteByte(c)
			i++
			continue
		}
		if i+1 < len(format) && format[i+1] == '%' {
			lit.WriteByte('%')
			i += 2
			continue
		}
		end := strings.IndexByte(format[i+1:], '%')
		if end < 0 {
			return nil, fmt.Errorf("placeholder at byte %d has no closing %% (write %%%% for a literal %%)", i)
		}
		name := format[i+1 : i+1+end]
		i += end + 2
		flushLit()
		switch {
		case strings.HasPrefix(name, "REQ(") && strings.HasSuffix(name, ")") && len(name) > 5:
			segs = append(segs, segment{op: opReq, arg: name[4 : len(name)-1]})
		case strings.HasPrefix(name, "RESP(") && strings.HasSuffix(name, ")") && len(name) > 6:
			segs = append(segs, segment{op: opResp, arg: name[5 : len(name)-1]})
		default:
			o, ok := placeholders[name]
			if !ok {
				return nil, fmt.Errorf("unknown placeholder %%%s%% (known: %s, REQ(header), RESP(header))", name, placeholderNames())
			}
			segs = append(segs, segment{op: o})
		}
	}
	if lit.Len() == 0 || !strings.HasSuffix(lit.String(), "\n") {
		lit.WriteByte('\n')
	}
	flushLit()
	return segs, nil
}

func placeholderNames() string {
	names := []string{"START_TIME", "DURATION", "PROTOCOL", "SERVICE", "METHOD", "PATH", "HOST", "STATUS",
		"DETAILS", "STOPPED_BY", "CLUSTER", "UPSTREAM_HOST", "BYTES_RECEIVED", "BYTES_SENT",
		"DOWNSTREAM_REMOTE_ADDRESS", "STREAM_ID"}
	return strings.Join(names, ", ")
}

const timeLayout = "2006-01-02T15:04:05.000Z07:00"

func key(f xprotocol.Frame, k xprotocol.Key) []byte {
	if f == nil {
		return nil
	}
	return f.Key(k)
}

func header(f xprotocol.Frame, name string) []byte {
	if f == nil {
		return nil
	}
	v, _ := f.Header().Get(name)
	return v
}

func streamID(info *Info) uint64 {
	if info.Request == nil {
		return 0
	}
	return info.Request.StreamID()
}

func appendTextRecord(b []byte, segs []segment, info *Info) []byte {
	for _, s := range segs {
		switch s.op {
		case opLiteral:
			b = append(b, s.arg...)
		case opStartTime:
			b = info.Start.UTC().AppendFormat(b, timeLayout)
		case opDuration:
			b = strconv.AppendInt(b, info.Duration.Milliseconds(), 10)
		case opProtocol:
			b = appendText(b, info.Protocol)
		case opService:
			b = appendText(b, key(info.Request, xprotocol.KeyService))
		case opMethod:
			b = appendText(b, key(info.Request, xprotocol.KeyMethod))
		case opPath:
			b = appendText(b, key(info.Request, xprotocol.KeyPath))
		case opHost:
			b = appendText(b, key(info.Request, xprotocol.KeyHost))
		case opStatus:
			b = append(b, info.Status.String()...)
		case opDetails:
			b = appendText(b, info.Details)
		case opStoppedBy:
			b = appendText(b, info.StoppedBy)
		case opCluster:
			b = appendText(b, info.Cluster)
		case opUpstreamHost:
			b = appendText(b, info.UpstreamHost)
		case opBytesReceived:
			b = strconv.AppendInt(b, info.BytesReceived, 10)
		case opBytesSent:
			b = strconv.AppendInt(b, info.BytesSent, 10)
		case opRemoteAddr:
			b = appendText(b, info.RemoteAddr)
		case opStreamID:
			b = strconv.AppendUint(b, streamID(info), 10)
		case opReq:
			b = appendText(b, header(info.Request, s.arg))
		case opResp:
			b = appendText(b, header(info.Response, s.arg))
		}
	}
	return b
}

// appendText writes a value for a text line: "-" when empty, control
// characters and invalid UTF-8 as \xNN, and a backslash doubled so the
// escapes stay unambiguous.
func appendText[T string | []byte](b []byte, v T) []byte {
	if len(v) == 0 {
		return append(b, '-')
	}
	const hex = "0123456789abcdef"
	for i := 0; i < len(v); {
		c := v[i]
		if c >= 0x20 && c < 0x7f {
			if c == '\\' {
				b = append(b, '\\')
			}
			b = append(b, c)
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(string(v[i:min(i+utf8.UTFMax, len(v))]))
			if r != utf8.RuneError || size > 1 {
				b = append(b, v[i:i+size]...)
				i += size
				continue
			}
		}
		b = append(b, '\\', 'x', hex[c>>4], hex[c&0xf])
		i++
	}
	return b
}

func appendJSONRecord(b []byte, info *Info) []byte {
	b = append(b, `{"start_time":"`...)
	b = info.Start.UTC().AppendFormat(b, timeLayout)
	b = append(b, `","duration_ms":`...)
	b = strconv.AppendInt(b, info.Duration.Milliseconds(), 10)
	b = appendJSONField(b, "protocol", info.Protocol)
	b = appendJSONField(b, "service", key(info.Request, xprotocol.KeyService))
	b = appendJSONField(b, "method", key(info.Request, xprotocol.KeyMethod))
	b = appendJSONField(b, "path", key(info.Request, xprotocol.KeyPath))
	b = appendJSONField(b, "host", key(info.Request, xprotocol.KeyHost))
	b = appendJSONField(b, "status", info.Status.String())
	b = appendJSONField(b, "details", info.Details)
	b = appendJSONField(b, "stopped_by", info.StoppedBy)
	b = appendJSONField(b, "cluster", info.Cluster)
	b = appendJSONField(b, "upstream_host", info.UpstreamHost)
	b = append(b, `,"bytes_received":`...)
	b = strconv.AppendInt(b, info.BytesReceived, 10)
	b = append(b, `,"bytes_sent":`...)
	b = strconv.AppendInt(b, info.BytesSent, 10)
	b = appendJSONField(b, "downstream_remote_address", info.RemoteAddr)
	b = append(b, `,"stream_id":`...)
	b = strconv.AppendUint(b, streamID(info), 10)
	return append(b, "}\n"...)
}

func appendJSONField[T string | []byte](b []byte, name string, v T) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, `":`...)
	return appendJSONString(b, v)
}

// appendJSONString writes v as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced by U+FFFD.
func appendJSONString[T string | []byte](b []byte, v T) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(v); {
		c := v[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(string(v[i:min(i+utf8.UTFMax, len(v))]))
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			b = append(b, `\u202`...)
			b = append(b, hex[r&0xf])
		} else {
			b = append(b, v[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
