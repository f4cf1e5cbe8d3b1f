package http1

import (
	"fmt"

	"github.com/xgate/xgate/xprotocol"
)

// ErrIncomplete is returned while the input holds only a prefix of a message
// head (or of a chunked-body line); it is not a failure, the caller reads
// more and tries again. It is xprotocol.ErrIncomplete, so the engine treats
// it like every other codec's.
var ErrIncomplete = xprotocol.ErrIncomplete

// Role says which side of an exchange a message comes from. It picks the
// status a rejection carries: a bad request is answered with a 4xx or 5xx
// naming the fault, a bad upstream response with 502 Bad Gateway.
type Role uint8

const (
	// Request is a message from a client.
	Request Role = iota
	// Response is a message from a server (an upstream, for the gateway).
	Response
)

// Rule names one rule of RFC 9110 / RFC 9112, or one limit of this package,
// that a message broke.
type Rule uint8

// The rules a message can break. Each has a fixed status for requests (see
// Status); responses always get 502.
const (
	RuleNone Rule = iota
	RuleHeadTooLarge
	RuleTooManyFields
	RuleRequestLineTooLong
	RuleBareLF
	RuleBareCR
	RuleObsFold
	RuleFieldName
	RuleSpaceBeforeColon
	RuleMissingColon
	RuleFieldValue
	RuleRequestLine
	RuleMethod
	RuleTarget
	RuleTargetForm
	RuleVersion
	RuleVersionUnsupported
	RuleMissingHost
	RuleMultipleHost
	RuleHost
	RuleContentLength
	RuleContentLengthConflict
	RuleContentLengthWithTE
	RuleTEOnHTTP10
	RuleTERepeated
	RuleTESyntax
	RuleTEUnknown
	RuleChunkedNotFinal
	RuleStatusLine
	RuleStatusCode
	RuleChunkSize
	RuleChunkSizeOverflow
	RuleChunkTooLarge
	RuleChunkLineTooLong
	RuleChunkExt
	RuleChunkDataEnd
	RuleConnect
	RuleSwitchingProtocols
	numRules
)

// ruleInfo is the status a request breaking the rule is answered with, and
// the rule in words with the section that states it.
var ruleInfo = [numRules]struct {
	status int
	text   string
}{
	RuleNone:                  {0, "no rule broken"},
	RuleHeadTooLarge:          {431, "message head exceeds Limits.MaxHeaderBytes (RFC 6585 §5)"},
	RuleTooManyFields:         {431, "more field lines than Limits.MaxHeaders (RFC 6585 §5)"},
	RuleRequestLineTooLong:    {414, "request-line exceeds Limits.MaxRequestLineBytes (RFC 9112 §3)"},
	RuleBareLF:                {400, "line ends in a bare LF, not CRLF (RFC 9112 §2.2; a forwarding gateway rejects)"},
	RuleBareCR:                {400, "bare CR outside a CRLF (RFC 9112 §2.2)"},
	RuleObsFold:               {400, "line folding (obs-fold) or whitespace before a field line (RFC 9112 §5.2, §2.2)"},
	RuleFieldName:             {400, "field name is empty or not a token (RFC 9110 §5.1)"},
	RuleSpaceBeforeColon:      {400, "whitespace between field name and colon (RFC 9112 §5.1)"},
	RuleMissingColon:          {400, "field line has no colon (RFC 9112 §5)"},
	RuleFieldValue:            {400, "field value holds a control character (RFC 9110 §5.5)"},
	RuleRequestLine:           {400, "request-line is not method SP request-target SP HTTP-version (RFC 9112 §3)"},
	RuleMethod:                {400, "method is not a token (RFC 9110 §9.1)"},
	RuleTarget:                {400, "request-target is not a valid URI reference for its form (RFC 9112 §3.2, RFC 3986)"},
	RuleTargetForm:            {400, "request-target form not allowed for the method (RFC 9112 §3.2.3, §3.2.4)"},
	RuleVersion:               {400, "HTTP-version is malformed (RFC 9112 §2.3)"},
	RuleVersionUnsupported:    {505, "HTTP-version is not HTTP/1.0 or HTTP/1.1 (RFC 9110 §15.6.6)"},
	RuleMissingHost:           {400, "HTTP/1.1 request without Host (RFC 9112 §3.2)"},
	RuleMultipleHost:          {400, "more than one Host field line (RFC 9112 §3.2)"},
	RuleHost:                  {400, "Host is not uri-host [\":\" port] (RFC 9110 §7.2)"},
	RuleContentLength:         {400, "Content-Length is not a non-negative decimal that fits in 63 bits (RFC 9110 §8.6)"},
	RuleContentLengthConflict: {400, "Content-Length field lines disagree (RFC 9110 §8.6, RFC 9112 §6.3)"},
	RuleContentLengthWithTE:   {400, "Content-Length together with Transfer-Encoding (RFC 9112 §6.1, §6.3)"},
	RuleTEOnHTTP10:            {400, "Transfer-Encoding in an HTTP/1.0 message (RFC 9112 §6.1)"},
	RuleTERepeated:            {400, "more than one Transfer-Encoding field line"},
	RuleTESyntax:              {400, "Transfer-Encoding is not a list of transfer-coding tokens (RFC 9112 §6.1)"},
	RuleTEUnknown:             {501, "unknown transfer coding (RFC 9112 §6.1)"},
	RuleChunkedNotFinal:       {400, "chunked is not the final transfer coding, or is applied twice (RFC 9112 §6.1, §6.3)"},
	RuleStatusLine:            {502, "status-line is not HTTP-version SP status-code SP reason-phrase (RFC 9112 §4)"},
	RuleStatusCode:            {502, "status code is not three digits in 100..599 (RFC 9110 §15)"},
	RuleChunkSize:             {400, "chunk-size is not hexadecimal (RFC 9112 §7.1)"},
	RuleChunkSizeOverflow:     {400, "chunk-size overflows 63 bits (RFC 9112 §7.1)"},
	RuleChunkTooLarge:         {413, "chunk-size exceeds Limits.MaxChunkSize"},
	RuleChunkLineTooLong:      {400, "chunk-size line exceeds Limits.MaxChunkLineBytes (RFC 9112 §7.1.1)"},
	RuleChunkExt:              {400, "chunk extension is malformed (RFC 9112 §7.1.1)"},
	RuleChunkDataEnd:          {400, "chunk data not followed by CRLF (RFC 9112 §7.1)"},
	RuleConnect:               {501, "CONNECT is not supported: the gateway does not tunnel"},
	RuleSwitchingProtocols:    {502, "101 (Switching Protocols) although the gateway never forwards Upgrade"},
}

// String returns the rule in words, with the section that states it.
func (r Rule) String() string {
	if r >= numRules {
		return fmt.Sprintf("rule(%d)", uint8(r))
	}
	return ruleInfo[r].text
}

// Status is the status a gateway answers a request breaking r with: 400,
// 413, 414, 431, 501 or 505.
func (r Rule) Status() int {
	if r >= numRules {
		return 400
	}
	return ruleInfo[r].status
}

// Error is a rejected message: the rule it broke and the status the gateway
// should answer with before closing the connection. Status is the rule's own
// status for a Request, and 502 (Bad Gateway) for a Response.
//
// Errors are preallocated, one per rule and role, so refusing hostile input
// allocates nothing; compare them with errors.As and the Rule field.
type Error struct {
	Status int
	Rule   Rule
	Role   Role
}

// Error implements error.
func (e *Error) Error() string {
	side := "request"
	if e.Role == Response {
		side = "response"
	}
	return fmt.Sprintf("http1: %s rejected (%d): %s", side, e.Status, e.Rule)
}

// Unwrap returns the xprotocol error class: ErrFrameTooLarge for a size
// limit, ErrMalformed for everything else.
func (e *Error) Unwrap() error {
	switch e.Rule.Status() {
	case 413, 414, 431:
		return xprotocol.ErrFrameTooLarge
	}
	return xprotocol.ErrMalformed
}

var errTable [2][numRules]Error

func init() {
	for r := Rule(0); r < numRules; r++ {
		errTable[Request][r] = Error{Status: ruleInfo[r].status, Rule: r, Role: Request}
		errTable[Response][r] = Error{Status: 502, Rule: r, Role: Response}
	}
}

// fail returns the preallocated error for rule r in role.
func fail(role Role, r Rule) error { return &errTable[role&1][r] }
