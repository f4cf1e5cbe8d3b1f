package http1

import (
	"bytes"

	"github.com/xgate/xgate/codecs/internal/httpsem"
	"github.com/xgate/xgate/xprotocol"
)

// continueLine is the interim response a server session sends itself to a
// request with "Expect: 100-continue" (RFC 9110 §10.1.1), as Envoy does.
const continueLine = "HTTP/1.1 100 Continue\r\n\r\n"

// decodeRequest reads a request head (server session). A Content-Length
// body of at most inlineMax bytes is waited for and carried in the head
// frame; any other body follows as data frames.
func (s *session) decodeRequest(src []byte) (*Frame, int, error) {
	f := getFrame()
	h := &f.req
	n, err := h.Parse(src, s.lim)
	if err != nil {
		f.Release()
		if err == ErrIncomplete {
			return nil, 0, err
		}
		return nil, 0, s.reject(err)
	}
	if h.form == AuthorityForm {
		f.Release()
		return nil, 0, s.reject(errConnect)
	}
	body := h.Body()
	expect := h.Expect100Continue() && body.Kind != BodyNone
	total, end := n, true
	switch body.Kind {
	case BodyLength:
		if body.Length > s.inlineMax {
			end = false
			break
		}
		total += int(body.Length)
		if len(src) < total {
			if expect && s.recv.len() == 0 {
				s.queueContinue()
			}
			f.Release()
			return nil, 0, ErrIncomplete
		}
	case BodyChunked:
		end = false
	}
	s.nextID++
	ex := exchange{id: s.nextID, head: string(h.Method()) == "HEAD", http10: h.version == HTTP10, keepAlive: h.KeepAlive()}
	if expect && !end {
		if s.recv.len() == 0 {
			s.queueContinue()
		} else {
			ex.expect = true
		}
	}
	s.continued = false
	s.recv.push(ex)
	s.fillRequest(f, src, n, total)
	f.kind, f.id, f.end, f.isHead = xprotocol.KindRequest, ex.id, end, ex.head
	if !end {
		s.startBody(body, ex.id)
	}
	return f, total, nil
}

// queueContinue queues "100 Continue" once for the head at the front of
// the input.
func (s *session) queueContinue() {
	if !s.continued {
		s.pending = append(s.pending, continueLine...)
		s.continued = true
	}
}

// startBody readies the decoder for the body of the message with stream id.
func (s *session) startBody(b Body, id uint64) {
	s.inID = id
	switch b.Kind {
	case BodyLength:
		s.in, s.left = inLength, b.Length
	case BodyChunked:
		s.in = inChunked
		s.chunk.Reset()
	case BodyUntilClose:
		s.in = inClose
	}
}

// decodeResponse reads a response head (client session). Interim 1xx
// responses are consumed without a frame; 101 is refused, as the gateway
// never forwards Upgrade.
func (s *session) decodeResponse(src []byte) (*Frame, int, error) {
	f := getFrame()
	h := &f.resp
	n, err := h.Parse(src, s.lim)
	if err != nil {
		f.Release()
		if err == ErrIncomplete {
			return nil, 0, err
		}
		return nil, 0, s.fail(err)
	}
	if code := h.Status(); code < 200 {
		f.Release()
		if code == 101 {
			return nil, 0, s.fail(errSwitching)
		}
		return nil, n, nil
	}
	ex := s.sent.front()
	var method []byte
	if ex != nil && ex.head {
		method = methodHEAD
	}
	body := ResponseBody(method, h)
	total, end := n, true
	switch body.Kind {
	case BodyLength:
		if body.Length > s.inlineMax {
			end = false
			break
		}
		total += int(body.Length)
		if len(src) < total {
			f.Release()
			return nil, 0, ErrIncomplete
		}
	case BodyChunked, BodyUntilClose:
		end = false
	}
	var id uint64
	if ex != nil {
		id = ex.id
	} else {
		s.nextID++ // an unsolicited response: numbered in arrival order
		id = s.nextID
	}
	s.inClose = !h.KeepAlive() || body.Kind == BodyUntilClose
	fillResponse(f, src, n, total)
	f.kind, f.id, f.end = xprotocol.KindResponse, id, end
	if end {
		s.endInput()
	} else {
		s.startBody(body, id)
	}
	return f, total, nil
}

var methodHEAD = []byte("HEAD")

// endInput is called when the message being decoded is complete.
func (s *session) endInput() {
	s.in = inHead
	if s.role != xprotocol.RoleClient {
		return
	}
	if s.sent.len() > 0 {
		s.sent.pop()
	}
	if s.inClose {
		s.in = inClosed
		s.closing = true
	}
}

// fillRequest copies the head (and its body, when it carries it) into f's
// own buffer and prepares both views of it: the Header with HTTP-family
// naming, and the wire copy that forwards it with the connection-specific
// fields removed and Host and X-Forwarded-* added.
func (s *session) fillRequest(f *Frame, src []byte, n, total int) {
	h := &f.req
	hidden, drop := classify(&h.Header, true, s.remoteIP != "")
	authority := h.Host()
	// The wire copy adds Host when the target carried the authority (or
	// an HTTP/1.0 request had none), and X-Forwarded-For and -Proto when
	// the peer's address is known.
	addHost := h.form == AbsoluteForm || h.meta.hosts == 0
	if addHost {
		for i := 0; i < h.n; i++ {
			if equalFold(h.at(i).name.of(src), "host") {
				drop.add(i)
			}
		}
	}
	xff := 0
	if s.remoteIP != "" {
		for i := 0; i < h.n; i++ {
			if fl := h.at(i); equalFold(fl.name.of(src), "x-forwarded-for") {
				xff += int(fl.value.end-fl.value.off) + 2
			}
		}
		xff += len(s.remoteIP)
	}
	var target []byte
	if h.form == AbsoluteForm {
		target = src[h.path.off:h.target.end]
	}
	size := total + len(target) + 1
	if addHost {
		size += len("Host: \r\n") + len(authority)
	}
	if s.remoteIP != "" {
		size += len("X-Forwarded-For: \r\nX-Forwarded-Proto: \r\n") + xff + len(s.scheme)
	}
	buf := f.own(size)
	copy(buf, src[:total])
	w := buf[:total]
	if h.form == AbsoluteForm {
		// RFC 9112 §3.2.1: an empty path is forwarded as "/".
		start := len(w)
		if len(target) == 0 || target[0] != '/' {
			w = append(w, '/')
		}
		w = append(w, target...)
		target = w[start:len(w):len(w)]
	}
	injStart := len(w)
	if addHost {
		w = append(w, "Host: "...)
		start := len(w)
		w = append(w, authority...)
		authority = w[start:len(w):len(w)]
		w = append(w, "\r\n"...)
	}
	var xffValue, xfpValue []byte
	if s.remoteIP != "" {
		w = append(w, "X-Forwarded-For: "...)
		start := len(w)
		for i := 0; i < h.n; i++ {
			if fl := h.at(i); equalFold(fl.name.of(src), "x-forwarded-for") {
				w = append(w, fl.value.of(src)...)
				w = append(w, ", "...)
			}
		}
		w = append(w, s.remoteIP...)
		xffValue = w[start:len(w):len(w)]
		w = append(w, "\r\nX-Forwarded-Proto: "...)
		start = len(w)
		w = append(w, s.scheme...)
		xfpValue = w[start:len(w):len(w)]
		w = append(w, "\r\n"...)
	}
	f.inject = w[injStart:len(w):len(w)]
	h.Header.buf = buf[:n:n]
	if !addHost {
		authority = h.Host()
	}
	f.body = buf[n:total:total]
	f.size = total
	f.target = target
	f.lineEnd, f.fieldsEnd = startLineEnd(&h.Header, n), n-2
	f.drop = drop
	f.service = httpsem.HostOnly(authority)

	v := &f.view
	v.h, v.hidden = &h.Header, hidden
	path := target
	switch h.form {
	case OriginForm:
		path = h.target.of(buf)
	case AsteriskForm:
		path = h.target.of(buf)
	}
	v.pseudo = [4]extField{
		{nameMethod, h.Method()},
		{nameScheme, schemeBytes(s.scheme)}, // the connection's, as X-Forwarded-Proto
		{nameAuthority, authority},
		{namePath, path},
	}
	v.np = 4
	if xffValue != nil {
		v.extra = append(v.extra, extField{nameXFF, xffValue}, extField{nameXFP, xfpValue})
	}
}

var (
	schemeHTTP  = []byte("http")
	schemeHTTPS = []byte("https")
)

func schemeBytes(s string) []byte {
	if s == "https" {
		return schemeHTTPS
	}
	return schemeHTTP
}

// fillResponse copies a response head (and its body, when it carries it)
// into f's own buffer and prepares its view and wire copy.
func fillResponse(f *Frame, src []byte, n, total int) {
	h := &f.resp
	hidden, drop := classify(&h.Header, false, false)
	buf := f.own(total)
	copy(buf, src[:total])
	h.Header.buf = buf[:n:n]
	f.body = buf[n:total:total]
	f.size = total
	f.lineEnd, f.fieldsEnd = startLineEnd(&h.Header, n), n-2
	f.drop = drop
	v := &f.view
	v.h, v.hidden = &h.Header, hidden
	v.pseudo[0] = extField{nameStatus, buf[9:12:12]}
	v.np = 1
}

// startLineEnd returns where the start-line of a head of n bytes ends.
func startLineEnd(h *Header, n int) int {
	if h.n == 0 {
		return n - 2
	}
	return int(h.at(0).name.off)
}

// classify marks the field lines a proxy does not forward as they are
// (RFC 9110 §7.6.1): hidden ones are not reported by the view, dropped ones
// are left out of the wire copy. Connection, Keep-Alive, Proxy-Connection,
// Transfer-Encoding, Upgrade and the fields Connection names are both
// (Content-Length and Host are never removed by being named: that would
// change the framing or the target). TE is dropped, and hidden unless it is
// "trailers". In a request, Host is hidden (it is ":authority"), "Expect:
// 100-continue" is both (the session answers it), and so are
// X-Forwarded-For and X-Forwarded-Proto when replace is set (the session
// adds its own).
func classify(h *Header, req, replace bool) (hidden, drop fieldSet) {
	conn := false
	for i := 0; i < h.n; i++ {
		name, value := h.Field(i)
		both := false
		switch len(name) {
		case 2:
			if equalFold(name, "te") {
				drop.add(i)
				if !equalFold(value, "trailers") {
					hidden.add(i)
				}
			}
		case 4:
			if req && equalFold(name, "host") {
				hidden.add(i)
			}
		case 6:
			both = req && equalFold(name, "expect") && equalFold(value, "100-continue")
		case 7:
			both = equalFold(name, "upgrade")
		case 10:
			both = equalFold(name, "connection") || equalFold(name, "keep-alive")
			conn = conn || equalFold(name, "connection") && namesFields(value)
		case 15:
			both = replace && equalFold(name, "x-forwarded-for")
		case 16:
			both = equalFold(name, "proxy-connection")
		case 17:
			both = equalFold(name, "transfer-encoding") || replace && equalFold(name, "x-forwarded-proto")
		}
		if both {
			hidden.add(i)
			drop.add(i)
		}
	}
	if !conn {
		return hidden, drop
	}
	for i := 0; i < h.n; i++ {
		name, _ := h.Field(i)
		if hidden.has(i) || equalFold(name, "content-length") || equalFold(name, "host") {
			continue
		}
		h.eachToken("connection", func(tok []byte) bool {
			if equalFoldBB(tok, name) {
				hidden.add(i)
				drop.add(i)
				return false
			}
			return true
		})
	}
	return hidden, drop
}

// namesFields reports whether a Connection value lists an option other
// than close, keep-alive and upgrade: one that may name a field.
func namesFields(v []byte) bool {
	for len(v) > 0 {
		var tok []byte
		if j := bytes.IndexByte(v, ','); j >= 0 {
			tok, v = trimOWS(v[:j]), v[j+1:]
		} else {
			tok, v = trimOWS(v), nil
		}
		if len(tok) > 0 && !equalFold(tok, "close") && !equalFold(tok, "keep-alive") && !equalFold(tok, "upgrade") {
			return true
		}
	}
	return false
}
