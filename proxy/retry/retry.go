package retry

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/xgate/xgate/xprotocol"
)

// Conditions is a set of retry_on conditions.
type Conditions uint16

// Retry conditions (retry_on names in parentheses).
const (
	// ConnectFailure: the connection to the host could not be opened
	// (connect_failure).
	ConnectFailure Conditions = 1 << iota
	// Reset: the stream or connection ended without a response (reset).
	Reset
	// Unavailable: status unavailable (unavailable).
	Unavailable
	// Timeout: no response within the per-try timeout, or status timeout
	// (timeout).
	Timeout
	// Overload: status overload, the host is busy (overload).
	Overload
	// ServerError: status server_error (server_error).
	ServerError
	// RefusedStream: the upstream refused the stream without processing it
	// (refused_stream).
	RefusedStream
)

var conditionNames = []struct {
	c    Conditions
	name string
}{
	{ConnectFailure, "connect_failure"},
	{Reset, "reset"},
	{Unavailable, "unavailable"},
	{Timeout, "timeout"},
	{Overload, "overload"},
	{ServerError, "server_error"},
	{RefusedStream, "refused_stream"},
}

// ConditionNames returns every retry_on name, in a fixed order.
func ConditionNames() []string {
	names := make([]string, len(conditionNames))
	for i, cn := range conditionNames {
		names[i] = cn.name
	}
	return names
}

// ParseConditions turns retry_on names into Conditions. An unknown name is
// an error that lists the known ones; a duplicate is harmless.
func ParseConditions(names []string) (Conditions, error) {
	var c Conditions
outer:
	for _, n := range names {
		for _, cn := range conditionNames {
			if cn.name == n {
				c |= cn.c
				continue outer
			}
		}
		return 0, fmt.Errorf("unknown retry_on condition %q (known: %s)", n, strings.Join(ConditionNames(), ", "))
	}
	return c, nil
}

// Has reports whether every condition of o is in c.
func (c Conditions) Has(o Conditions) bool { return o != 0 && c&o == o }

// String returns the retry_on names of c, comma-separated.
func (c Conditions) String() string {
	var names []string
	for _, cn := range conditionNames {
		if c&cn.c != 0 {
			names = append(names, cn.name)
		}
	}
	return strings.Join(names, ",")
}

// Cause says how an attempt failed.
type Cause uint8

// Causes of a failed attempt.
const (
	// CauseConnectFailure: dialling the host failed.
	CauseConnectFailure Cause = iota + 1
	// CauseReset: the stream was reset, or its connection closed, with no
	// response head.
	CauseReset
	// CauseRefusedStream: the upstream said it did not process the stream
	// (xprotocol.Unprocessed, GOAWAY past the stream).
	CauseRefusedStream
	// CauseTimeout: the per-try timeout expired with no response head.
	CauseTimeout
	// CauseResponse: a response head arrived; Outcome.Status says how it
	// went.
	CauseResponse
)

// Phase says how far an attempt got.
type Phase uint8

// Phases of an attempt.
const (
	// PhaseNotSent: no byte of the request was written to the upstream.
	PhaseNotSent Phase = iota + 1
	// PhaseSent: the request (or part of it) was written; no response head.
	PhaseSent
	// PhaseAnswered: a response head arrived and was held back; nothing went
	// to the client yet.
	PhaseAnswered
	// PhaseForwarded: some of the response went to the client.
	PhaseForwarded
)

// Outcome is what happened to one attempt.
type Outcome struct {
	Cause  Cause
	Status xprotocol.Status // of the response, for CauseResponse
	Phase  Phase
}

// Condition returns the retry_on condition that covers o, or 0 when none
// does (a successful or a non-retriable response).
func (o Outcome) Condition() Conditions {
	switch o.Cause {
	case CauseConnectFailure:
		return ConnectFailure
	case CauseReset:
		return Reset
	case CauseRefusedStream:
		return RefusedStream
	case CauseTimeout:
		return Timeout
	case CauseResponse:
		switch o.Status {
		case xprotocol.StatusUnavailable:
			return Unavailable
		case xprotocol.StatusTimeout:
			return Timeout
		case xprotocol.StatusOverload:
			return Overload
		case xprotocol.StatusServerError:
			return ServerError
		}
	}
	return 0
}

// statusConditions are those a route marks retriable by listing them:
// it vouches that the call may run twice.
const statusConditions = Unavailable | Timeout | Overload | ServerError

// safeConditions mean the upstream did not process the request.
const safeConditions = ConnectFailure | RefusedStream

// Policy is a route's retry policy as this package needs it.
type Policy struct {
	// On are the conditions that may be retried (retry_on).
	On Conditions
}

// ShouldRetry reports whether o may be retried under p (see the package
// documentation for the rules). It does not count attempts or consult
// breakers and budgets.
func (p Policy) ShouldRetry(o Outcome) bool {
	if o.Phase == PhaseForwarded || o.Phase == 0 {
		return false
	}
	c := o.Condition()
	if !p.On.Has(c) {
		return false
	}
	switch {
	case o.Phase == PhaseNotSent, c&safeConditions != 0:
		return true
	case o.Cause == CauseReset:
		return false // written, maybe processed, and no status vouched for
	default:
		return c&statusConditions != 0
	}
}

// DefaultBackoffBase is the backoff base when none is set (as Envoy).
const DefaultBackoffBase = 25 * time.Millisecond

// Backoff is an exponential delay between attempts with full jitter
// (route retry_policy.backoff).
type Backoff struct {
	// Base bounds the first retry's delay; each retry doubles the bound.
	// 0 means DefaultBackoffBase.
	Base time.Duration
	// Max caps the bound; 0 means 10 × Base.
	Max time.Duration
}

// Delay returns the wait before retry number retry (1 for the first): a
// uniformly random duration in [0, bound], where bound is
// Base × 2^(retry-1) capped at Max. rnd returns a uniform value in [0, n);
// nil uses math/rand/v2.
func (b Backoff) Delay(retry int, rnd func(n int64) int64) time.Duration {
	base := b.Base
	if base <= 0 {
		base = DefaultBackoffBase
	}
	maxD := b.Max
	if maxD <= 0 {
		maxD = 10 * base
	}
	bound := maxD
	if retry < 1 {
		retry = 1
	}
	if shift := retry - 1; shift < 62 && base <= maxD>>shift {
		bound = base << shift
	}
	if rnd == nil {
		rnd = rand.Int64N
	}
	return time.Duration(rnd(int64(bound) + 1))
}

// Budget allows retries only while the retries in flight are fewer than
// Percent of the requests in flight, or fewer than MinConcurrency (a floor
// for quiet clusters), so a failing upstream cannot be flooded with
// retries. It is safe for concurrent use; one per cluster.
type Budget struct {
	permille int64 // budget percent × 10
	minConc  int64
	requests atomic.Int64
	retries  atomic.Int64
	refused  atomic.Uint64
}

// NewBudget returns a budget of percent (0..100, to a tenth) of the active
// requests, with at least minRetryConcurrency retries allowed. Envoy's
// defaults are 20 and 3.
func NewBudget(percent float64, minRetryConcurrency int) *Budget {
	return &Budget{permille: int64(percent*10 + 0.5), minConc: int64(max(minRetryConcurrency, 0))}
}

// StartRequest counts a request in flight; EndRequest ends it.
func (b *Budget) StartRequest() { b.requests.Add(1) }

// EndRequest ends a request counted by StartRequest.
func (b *Budget) EndRequest() { b.requests.Add(-1) }

// Allowed returns how many retries may be in flight now.
func (b *Budget) Allowed() int64 {
	return max(b.minConc, b.requests.Load()*b.permille/1000)
}

// TryStartRetry takes a retry out of the budget, or reports false (and
// counts a refusal) when it is spent. The retry's request stays counted by
// StartRequest; EndRetry returns the retry.
func (b *Budget) TryStartRetry() bool {
	for {
		cur := b.retries.Load()
		if cur >= b.Allowed() {
			b.refused.Add(1)
			return false
		}
		if b.retries.CompareAndSwap(cur, cur+1) {
			return true
		}
	}
}

// EndRetry ends a retry started by TryStartRetry.
func (b *Budget) EndRetry() { b.retries.Add(-1) }

// Active returns the requests and retries in flight.
func (b *Budget) Active() (requests, retries int64) {
	return b.requests.Load(), b.retries.Load()
}

// Refused returns how many retries the budget refused.
func (b *Budget) Refused() uint64 { return b.refused.Load() }
