package http1

import (
	"errors"
	"strconv"

	"github.com/xgate/xgate/xprotocol"
)

// Preallocated errors the session returns beyond the parser's.
var (
	errConnect   = fail(Request, RuleConnect)
	errSwitching = fail(Response, RuleSwitchingProtocols)
)

// frameErrors are the *xprotocol.FrameError a session returns, one per rule
// and role, each wrapping the matching *Error: errors.Is finds the
// xprotocol class and errors.As the rule. Refusing input allocates nothing.
var frameErrors [2][numRules]xprotocol.FrameError

// rejectReplies are the responses a server session sends before closing on
// a refused request, one per rule.
var rejectReplies [numRules][]byte

func init() {
	for r := Rule(0); r < numRules; r++ {
		for _, role := range []Role{Request, Response} {
			frameErrors[role][r] = xprotocol.FrameError{
				Protocol: Name, Field: ruleField(r, role), Reason: r.String(), Err: fail(role, r),
			}
		}
		rejectReplies[r] = rejectReply(r)
	}
}

// rejectReply renders the response to a request refused by rule r: its
// status, "Connection: close" and a one-line text body.
func rejectReply(r Rule) []byte {
	code := r.Status()
	body := strconv.Itoa(code) + " " + reasonPhrase(code) + ": " + r.String() + "\n"
	return []byte("HTTP/1.1 " + strconv.Itoa(code) + " " + reasonPhrase(code) + "\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n" +
		"Connection: close\r\n\r\n" + body)
}

// ruleField names the part of the message a rule is about, for
// FrameError.Field.
func ruleField(r Rule, role Role) string {
	switch r {
	case RuleHeadTooLarge, RuleTooManyFields:
		return "head"
	case RuleRequestLineTooLong, RuleVersion, RuleVersionUnsupported:
		if role == Response {
			return "status-line"
		}
		return "request-line"
	case RuleRequestLine, RuleTarget, RuleTargetForm:
		return "request-line"
	case RuleMethod, RuleConnect:
		return "method"
	case RuleBareLF, RuleBareCR:
		return "line-end"
	case RuleObsFold, RuleFieldName, RuleSpaceBeforeColon, RuleMissingColon, RuleFieldValue:
		return "field"
	case RuleMissingHost, RuleMultipleHost, RuleHost:
		return "host"
	case RuleContentLength, RuleContentLengthConflict, RuleContentLengthWithTE:
		return "content-length"
	case RuleTEOnHTTP10, RuleTERepeated, RuleTESyntax, RuleTEUnknown, RuleChunkedNotFinal:
		return "transfer-encoding"
	case RuleStatusLine, RuleStatusCode, RuleSwitchingProtocols:
		return "status-line"
	}
	return "chunk"
}

// frameError returns the FrameError for err, an *Error of the parser.
func frameError(err error) *xprotocol.FrameError {
	var e *Error
	if !errors.As(err, &e) || e.Rule >= numRules {
		return &frameErrors[Request][RuleNone]
	}
	return &frameErrors[e.Role&1][e.Rule]
}

// reject ends a server session on a refused request: it queues the error
// response the rule calls for, with "Connection: close", when that response
// is the next thing the client expects (no other response is owed or in
// progress), and returns the FrameError. The engine writes the pending
// bytes and closes.
func (s *session) reject(err error) error {
	fe := frameError(err)
	reply := !s.out.active
	if s.in == inHead {
		reply = reply && s.recv.len() == 0
	} else {
		reply = reply && s.recv.len() == 1 && s.recv.front().id == s.inID
	}
	if reply {
		s.pending = append(s.pending, rejectReplies[fe.Err.(*Error).Rule]...)
	}
	return s.fail(fe)
}

// fail ends the session's input with err: nothing more is decoded and the
// connection is to be closed.
func (s *session) fail(err error) error {
	if _, ok := err.(*xprotocol.FrameError); !ok {
		err = frameError(err)
	}
	s.failed, s.in, s.closing = err, inClosed, true
	return err
}
