package dubbo

import (
	"encoding/binary"
	"fmt"

	hessian "github.com/apache/dubbo-go-hessian2"
	"github.com/apache/dubbo-go-hessian2/java_exception"

	"github.com/xgate/xgate/xprotocol"
)

// Attachment is one attachment entry. Build functions write attachments in
// slice order, so the bytes they produce are reproducible (a Go map would
// not be).
type Attachment struct {
	// Key is the attachment name, written as a Hessian2 string.
	Key string
	// Value is encoded with dubbo-go-hessian2: a string (what Dubbo itself
	// puts there), a number, a map, a registered POJO...
	Value any
}

// Request describes a Dubbo invocation for BuildRequest.
type Request struct {
	// ID is the request id.
	ID uint64
	// Oneway clears FlagTwoWay: the server sends no response.
	Oneway bool
	// DubboVersion is the first leading string; "" means DefaultDubboVersion.
	DubboVersion string
	// Path is the service path (the interface name).
	Path string
	// Version is the service version.
	Version string
	// Method is the method name.
	Method string
	// ParamTypes is the parameter-types descriptor, one JVM type descriptor
	// per argument, e.g. "Ljava/lang/String;I" for (String, int).
	ParamTypes string
	// Args are the arguments, encoded with dubbo-go-hessian2 in order.
	Args []any
	// Attachments end the body, in order. Dubbo clients also send "path",
	// "version" (when set), "group", "interface" and "timeout" here; Build
	// writes only what is listed.
	Attachments []Attachment
}

// Response describes a reply for BuildResponse.
type Response struct {
	// ID is the id of the request answered.
	ID uint64
	// Status is the status byte; 0 means StatusOK.
	Status RespStatus
	// Value is the result of an OK response; nil gives ResponseNullValue.
	Value any
	// Exception, when set, makes an OK response ResponseWithException. A
	// java_exception.Throwabler is encoded as is, any other error as a
	// java.lang.Throwable with its message.
	Exception error
	// Attachments, when not nil (even empty), are written after the value
	// and the type says so (ResponseValueWithAttachments...).
	Attachments []Attachment
	// ErrorMessage is the body of a response whose Status is not OK.
	ErrorMessage string
}

// BuildRequest serializes r with Hessian2 into a new pooled frame. It fails
// when ParamTypes does not name one type per argument or when
// dubbo-go-hessian2 cannot encode an argument or attachment.
func BuildRequest(r Request) (*Frame, error) {
	if n := countDesc([]byte(r.ParamTypes)); n != len(r.Args) {
		return nil, xprotocol.Malformed(Name, HeaderParameterTypes,
			fmt.Sprintf("%q names %d types for %d arguments", r.ParamTypes, n, len(r.Args)))
	}
	if r.DubboVersion == "" {
		r.DubboVersion = DefaultDubboVersion
	}
	flag := FlagRequest | FlagTwoWay | byte(Hessian2)
	if r.Oneway {
		flag &^= FlagTwoWay
	}
	e := hessian.NewEncoder()
	e.Append(make([]byte, HeaderLen))
	for _, s := range [...]string{r.DubboVersion, r.Path, r.Version, r.Method, r.ParamTypes} {
		e.Append(appendString(nil, s))
	}
	for i, a := range r.Args {
		if err := e.Encode(a); err != nil {
			return nil, fmt.Errorf("dubbo: encode argument %d: %w", i, err)
		}
	}
	if err := encodeAttachments(e, r.Attachments); err != nil {
		return nil, err
	}
	return frameFrom(e.Buffer(), flag, 0, r.ID)
}

// encodeAttachments writes an untyped map ('H' ... 'Z', what Java writes for
// a HashMap) with the entries in order. The map is written by hand to keep
// that order, so the encoder does not count it among the values a
// reference can name; values shared by pointer across attachments are
// therefore not supported.
func encodeAttachments(e *hessian.Encoder, as []Attachment) error {
	e.Append([]byte{tagMap})
	for _, a := range as {
		e.Append(appendString(nil, a.Key))
		if err := e.Encode(a.Value); err != nil {
			return fmt.Errorf("dubbo: encode attachment %q: %w", a.Key, err)
		}
	}
	e.Append([]byte{tagEnd})
	return nil
}

// BuildResponse serializes r with Hessian2 into a new pooled frame. It
// fails when dubbo-go-hessian2 cannot encode the value or an attachment.
func BuildResponse(r Response) (*Frame, error) {
	if r.Status == 0 {
		r.Status = StatusOK
	}
	e := hessian.NewEncoder()
	e.Append(make([]byte, HeaderLen))
	if r.Status != StatusOK {
		e.Append(appendString(nil, r.ErrorMessage))
		return frameFrom(e.Buffer(), byte(Hessian2), r.Status, r.ID)
	}
	t := ResponseValue
	switch {
	case r.Exception != nil:
		t = ResponseWithException
	case r.Value == nil:
		t = ResponseNullValue
	}
	if r.Attachments != nil {
		t = t.withAttachments()
	}
	e.Append(appendSmallInt(nil, int32(t)))
	switch {
	case r.Exception != nil:
		ex, ok := r.Exception.(java_exception.Throwabler)
		if !ok {
			ex = java_exception.NewThrowable(r.Exception.Error())
		}
		if err := e.Encode(ex); err != nil {
			return nil, fmt.Errorf("dubbo: encode exception: %w", err)
		}
	case r.Value != nil:
		if err := e.Encode(r.Value); err != nil {
			return nil, fmt.Errorf("dubbo: encode value: %w", err)
		}
	}
	if r.Attachments != nil {
		if err := encodeAttachments(e, r.Attachments); err != nil {
			return nil, err
		}
	}
	return frameFrom(e.Buffer(), byte(Hessian2), r.Status, r.ID)
}

// frameFrom fills in the header of msg (HeaderLen bytes, then the body) and
// copies it into a pooled frame.
func frameFrom(msg []byte, flag byte, status RespStatus, id uint64) (*Frame, error) {
	n := len(msg) - HeaderLen
	if n > MaxBodyLen {
		return nil, xprotocol.TooLarge(Name, "bodyLength", n, MaxBodyLen)
	}
	bufp := bufs.Get(len(msg))
	copy(*bufp, msg)
	putHeader(*bufp, flag, status, id, n)
	return newFrame(bufp), nil
}

// putHeader writes a frame header at the front of b.
func putHeader(b []byte, flag byte, status RespStatus, id uint64, bodyLen int) {
	b[0], b[1], b[flagOff], b[statusOff] = MagicHigh, MagicLow, flag, byte(status)
	binary.BigEndian.PutUint64(b[idOff:], id)
	binary.BigEndian.PutUint32(b[lenOff:], uint32(bodyLen))
}

// newSmall builds a frame whose body is one Hessian2 null, int or string,
// without the library (no allocation in steady state): heartbeats and
// error replies.
func newSmall(flag byte, status RespStatus, id uint64, body func([]byte) []byte, bodyLen int) *Frame {
	bufp := bufs.Get(HeaderLen + bodyLen)
	b := *bufp
	body(b[HeaderLen:HeaderLen])
	putHeader(b, flag, status, id, bodyLen)
	return newFrame(bufp)
}

func nullBody(dst []byte) []byte { return append(dst, tagNull) }

// NewHeartbeat builds a heartbeat request: FlagRequest, FlagTwoWay and
// FlagEvent with Hessian2, status 0, and a null body (what Java Dubbo and
// dubbo-go send).
func NewHeartbeat(id uint64) *Frame {
	return newSmall(FlagRequest|FlagTwoWay|FlagEvent|byte(Hessian2), 0, id, nullBody, 1)
}

// NewHeartbeatReply builds the reply to heartbeat id: an event response,
// status OK, with a null body, in serialization s (0 means Hessian2). The
// body is a Hessian2 null whatever s says; HeartbeatReply picks Hessian2
// for heartbeats in other serializations.
func NewHeartbeatReply(id uint64, s Serialization) *Frame {
	if s == 0 {
		s = Hessian2
	}
	return newSmall(FlagEvent|byte(s), StatusOK, id, nullBody, 1)
}

// NewErrorResponse builds a Hessian2 response with status and msg as its
// body, which is what Dubbo servers send for a status other than OK (a
// Java client raises it as the RemotingException's message). With
// StatusOK the body is a null result instead (ResponseNullValue).
func NewErrorResponse(id uint64, status RespStatus, msg string) *Frame {
	return newError(byte(Hessian2), id, status, msg)
}

// newError is NewErrorResponse with a chosen flag byte (event or not).
func newError(flag byte, id uint64, status RespStatus, msg string) *Frame {
	if status == StatusOK {
		if flag&FlagEvent != 0 {
			return newSmall(flag, status, id, nullBody, 1)
		}
		return newSmall(flag, status, id, func(b []byte) []byte {
			return appendSmallInt(b, int32(ResponseNullValue))
		}, 1)
	}
	return newSmall(flag, status, id, func(b []byte) []byte { return appendString(b, msg) }, stringLen(msg))
}
