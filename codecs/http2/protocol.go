package http2

import "github.com/xgate/xgate/xprotocol"

// Registered names.
const (
	// Name is the HTTP/2 protocol's name.
	Name = "http2"
	// NameGRPC is the gRPC alias's name.
	NameGRPC = "grpc"
	// FamilyHTTP is the family HTTP/1.1, HTTP/2 and gRPC share.
	FamilyHTTP = "http"
)

// Protocol is HTTP/2 (h2c with prior knowledge) as an xprotocol.Protocol;
// use Proto. Streams whose content-type is application/grpc report
// "grpc" and take gRPC semantics.
type Protocol struct {
	name string
}

// GRPCProtocol is gRPC: HTTP/2 where every stream takes gRPC semantics
// (routing keys from :path, errors as grpc-status). Use GRPC.
type GRPCProtocol struct {
	Protocol
}

var (
	// Proto is HTTP/2, registered as "http2".
	Proto = &Protocol{name: Name}
	// GRPC is gRPC over HTTP/2, registered as "grpc".
	GRPC = &GRPCProtocol{Protocol{name: NameGRPC}}
)

var (
	_ xprotocol.Protocol = Proto
	_ xprotocol.Resetter = Proto
	_ xprotocol.Family   = Proto
	_ xprotocol.Alias    = GRPC
)

func init() {
	xprotocol.Register(Proto)
	xprotocol.Register(GRPC)
}

// Name returns "http2" or "grpc".
func (p *Protocol) Name() string { return p.name }

// Family returns "http".
func (p *Protocol) Family() string { return FamilyHTTP }

// AliasOf returns "http2": gRPC rides on HTTP/2.
func (p *GRPCProtocol) AliasOf() string { return Name }

// Match accepts the client connection preface. It says MatchNeedMore while
// the bytes are a strict prefix of "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
// MatchYes once all 24 bytes are there and MatchNo at the first byte that
// differs. It looks at most at 24 bytes and does not allocate.
func (p *Protocol) Match(prefix []byte) xprotocol.MatchResult {
	n := min(len(prefix), prefaceLen)
	if string(prefix[:n]) != clientPreface[:n] {
		return xprotocol.MatchNo
	}
	if n < prefaceLen {
		return xprotocol.MatchNeedMore
	}
	return xprotocol.MatchYes
}

// PoolMode is PoolMultiplex: streams share a connection.
func (p *Protocol) PoolMode() xprotocol.PoolMode { return xprotocol.PoolMultiplex }

// MaxStreamID is 2^31-1, the stream id width. Client sessions map the
// engine's ids onto odd wire ids themselves.
func (p *Protocol) MaxStreamID() uint64 { return maxStreamID }

// NewSession returns the per-connection state; its pending output already
// holds the server SETTINGS or the client preface and SETTINGS.
func (p *Protocol) NewSession(opts xprotocol.SessionOptions) xprotocol.Session {
	return newSession(p.name, opts)
}

// NewHeartbeat returns nil: HTTP/2 keep-alive is the connection-level
// PING, which has no stream id to pair a reply with. Sessions answer PINGs
// themselves.
func (p *Protocol) NewHeartbeat(uint64) xprotocol.Frame { return nil }

// HeartbeatReply returns nil (see NewHeartbeat).
func (p *Protocol) HeartbeatReply(xprotocol.Frame) xprotocol.Frame { return nil }

// ErrorReply builds a complete response to req: for a gRPC request (or on
// the grpc protocol) a trailers-only response, one HEADERS with :status
// 200, content-type application/grpc, grpc-status (StatusToGRPC) and the
// percent-encoded grpc-message; otherwise :status (StatusToHTTP) with a
// text/plain body of msg and its content-length. Both end the stream.
// Anything but a request gets nil.
func (p *Protocol) ErrorReply(req xprotocol.Frame, st xprotocol.Status, msg string) xprotocol.Frame {
	if req.Kind() != xprotocol.KindRequest {
		return nil
	}
	if p.name == NameGRPC || req.Protocol() == NameGRPC {
		return GRPCTrailersOnly(req.StreamID(), st, msg)
	}
	return HTTPError(req.StreamID(), st, msg)
}

// NewReset builds a KindReset frame for stream id with StatusToCode(st).
func (p *Protocol) NewReset(id uint64, st xprotocol.Status) xprotocol.Frame {
	f := newFrame(p.name, xprotocol.KindReset, id, 0)
	f.code = StatusToCode(st)
	f.end = true
	return f
}

// NewGoAway builds a KindGoAway frame with StatusToCode(st): a session
// encoding it sends GOAWAY with its own last stream id and stops taking
// new streams.
func (p *Protocol) NewGoAway(st xprotocol.Status) xprotocol.Frame {
	f := newFrame(p.name, xprotocol.KindGoAway, 0, 0)
	f.code = StatusToCode(st)
	return f
}
