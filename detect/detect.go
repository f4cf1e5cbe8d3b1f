// Package detect picks the protocol of a new connection from its first bytes,
// asking the registered matchers in a fixed order over a bounded peek.
package detect

import (
	"github.com/xgate/xgate/xprotocol"
)

// DefaultPeekBytes is the peek bound when none is configured.
const DefaultPeekBytes = 64

// Detector chooses among a fixed, ordered set of protocols. It is immutable
// and safe for concurrent use.
type Detector struct {
	protos []xprotocol.Protocol
	peek   int
}

// New returns a detector over protos, consulted in the given order, that
// gives up once peek bytes have not been enough to decide. peek <= 0 means
// DefaultPeekBytes.
func New(protos []xprotocol.Protocol, peek int) *Detector {
	if peek <= 0 {
		peek = DefaultPeekBytes
	}
	return &Detector{protos: append([]xprotocol.Protocol(nil), protos...), peek: peek}
}

// PeekBytes returns the bound on how many bytes Detect looks at.
func (d *Detector) PeekBytes() int { return d.peek }

// Protocols returns the candidates in the order they are consulted.
func (d *Detector) Protocols() []xprotocol.Protocol {
	return append([]xprotocol.Protocol(nil), d.protos...)
}

// Detect looks at the first bytes of a connection (at most PeekBytes of
// them) and returns the protocol they start together with MatchYes, or
// MatchNeedMore while an earlier candidate in the order could still claim
// them, or MatchNo when none can. Order decides ties: a protocol claims the
// bytes only when every protocol before it has said no, so the outcome is
// the same whatever the read sizes were.
func (d *Detector) Detect(prefix []byte) (xprotocol.Protocol, xprotocol.MatchResult) {
	full := len(prefix) >= d.peek
	if full {
		prefix = prefix[:d.peek]
	}
	undecided := false
	for _, p := range d.protos {
		switch p.Match(prefix) {
		case xprotocol.MatchYes:
			if !undecided {
				return p, xprotocol.MatchYes
			}
			// A protocol earlier in the order may still claim these bytes.
			return nil, xprotocol.MatchNeedMore
		case xprotocol.MatchNeedMore:
			if !full {
				undecided = true
			}
		}
	}
	if undecided {
		return nil, xprotocol.MatchNeedMore
	}
	return nil, xprotocol.MatchNo
}
