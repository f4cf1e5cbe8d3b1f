package outlier

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/xgate/xgate/xprotocol"
)

// Config is a cluster's outlier detection (config.OutlierDetection).
type Config struct {
	// ConsecutiveFailures is the failure streak that ejects a host; 0 turns
	// detection off.
	ConsecutiveFailures int
	// BaseEjectionTime is the length of a first ejection.
	BaseEjectionTime time.Duration
	// MaxEjectionTime caps an ejection.
	MaxEjectionTime time.Duration
	// MaxEjectionPercent bounds the share of hosts ejected at once (0..100).
	MaxEjectionPercent int
}

// IsFailure reports whether a response with status st counts against its
// host: unavailable, server_error and timeout do. Other statuses (ok, a bad
// request, an overloaded server, ...) show a host that answers, and count
// as successes.
func IsFailure(st xprotocol.Status) bool {
	switch st {
	case xprotocol.StatusUnavailable, xprotocol.StatusServerError, xprotocol.StatusTimeout:
		return true
	}
	return false
}

// Detector is one cluster's outlier detection. It is safe for concurrent
// use.
type Detector struct {
	cfg     Config
	ejected atomic.Int64 // hosts ejected now
	total   atomic.Uint64

	mu    sync.Mutex              // guards changes of hosts (not the hot path)
	hosts atomic.Pointer[[]*Host] // copy on write
}

// NewDetector returns a cluster's detector with no hosts.
func NewDetector(cfg Config) *Detector {
	d := &Detector{cfg: cfg}
	d.hosts.Store(new([]*Host))
	return d
}

// Enabled reports whether failures can eject hosts.
func (d *Detector) Enabled() bool { return d.cfg.ConsecutiveFailures > 0 }

// Add makes a host of the cluster and counts it for MaxEjectionPercent.
func (d *Detector) Add() *Host {
	h := &Host{d: d}
	d.mu.Lock()
	defer d.mu.Unlock()
	old := *d.hosts.Load()
	hs := make([]*Host, len(old), len(old)+1)
	copy(hs, old)
	hs = append(hs, h)
	d.hosts.Store(&hs)
	return h
}

// Remove takes h out of the cluster (a DNS answer dropped it). An ejected
// host stops counting as ejected.
func (d *Detector) Remove(h *Host) {
	d.mu.Lock()
	defer d.mu.Unlock()
	old := *d.hosts.Load()
	hs := make([]*Host, 0, len(old))
	for _, o := range old {
		if o != h {
			hs = append(hs, o)
		}
	}
	if len(hs) == len(old) {
		return
	}
	d.hosts.Store(&hs)
	h.removed.Store(true)
	for {
		until := h.ejectedUntil.Load()
		if until == 0 {
			return
		}
		if h.ejectedUntil.CompareAndSwap(until, 0) {
			d.ejected.Add(-1)
			return
		}
	}
}

// Hosts returns the number of hosts in the cluster.
func (d *Detector) Hosts() int { return len(*d.hosts.Load()) }

// Ejected returns the number of hosts ejected now (ejections that have
// expired count until Available or Sweep notices them).
func (d *Detector) Ejected() int { return int(d.ejected.Load()) }

// Ejections returns how many ejections there have been (a counter).
func (d *Detector) Ejections() uint64 { return d.total.Load() }

// Sweep returns every host whose ejection has expired by now to service,
// and returns how many it returned. The engine may call it from a timer;
// ejection calls it when the cluster is at its ejection limit.
func (d *Detector) Sweep(now int64) int {
	n := 0
	for _, h := range *d.hosts.Load() {
		if until := h.ejectedUntil.Load(); until != 0 && now >= until && h.uneject(until) {
			n++
		}
	}
	return n
}

// reserve takes one ejection slot if the cluster is below its limit.
func (d *Detector) reserve() bool {
	n := int64(len(*d.hosts.Load()))
	pct := int64(d.cfg.MaxEjectionPercent)
	for {
		cur := d.ejected.Load()
		if cur*100 >= pct*n {
			return false
		}
		if d.ejected.CompareAndSwap(cur, cur+1) {
			return true
		}
	}
}

// duration is the length of the n-th ejection.
func (d *Detector) duration(n int64) time.Duration {
	base, maxT := d.cfg.BaseEjectionTime, d.cfg.MaxEjectionTime
	if base <= 0 {
		return 0
	}
	if n > int64(maxT/base) {
		return maxT
	}
	return min(time.Duration(n)*base, maxT)
}

// Host is one endpoint's outlier state, shared by every event loop.
type Host struct {
	d            *Detector
	consecutive  atomic.Int64
	ejectedUntil atomic.Int64 // unix ns; 0 = in service
	multiplier   atomic.Int64 // n of the next ejection is multiplier+1
	lastEnd      atomic.Int64 // unix ns at which the last ejection ended (was due to end)
	ejecting     atomic.Bool  // one ejection decision at a time
	removed      atomic.Bool
	ejections    atomic.Uint64
}

// Available reports whether the host may be picked at now; an ejection
// that has expired ends here.
func (h *Host) Available(now int64) bool {
	until := h.ejectedUntil.Load()
	if until == 0 {
		return true
	}
	if now < until {
		return false
	}
	h.uneject(until)
	return true
}

// EjectedUntil returns when the current ejection ends (unix ns), or 0.
func (h *Host) EjectedUntil() int64 { return h.ejectedUntil.Load() }

// Ejections returns how many times the host has been ejected.
func (h *Host) Ejections() uint64 { return h.ejections.Load() }

// ConsecutiveFailures returns the current failure streak.
func (h *Host) ConsecutiveFailures() int64 { return h.consecutive.Load() }

// Success records a request the host answered. It only writes when it ends
// a failure streak.
func (h *Host) Success() {
	if h.consecutive.Load() != 0 {
		h.consecutive.Store(0)
	}
}

// Result records a response with status st: a failure when IsFailure(st),
// otherwise a success. It reports whether the host was ejected.
func (h *Host) Result(st xprotocol.Status, now int64) bool {
	if IsFailure(st) {
		return h.Failure(now)
	}
	h.Success()
	return false
}

// Failure records a failed request or connection at now and reports
// whether it ejected the host.
func (h *Host) Failure(now int64) bool {
	th := int64(h.d.cfg.ConsecutiveFailures)
	if th <= 0 {
		return false
	}
	if h.consecutive.Add(1) < th {
		return false
	}
	return h.Eject(now)
}

// Eject ejects the host at now whatever its failure streak (an upstream
// heartbeat went unanswered), unless it is ejected already, was removed,
// detection is off, or the cluster is at MaxEjectionPercent. It reports
// whether it ejected the host.
func (h *Host) Eject(now int64) bool {
	d := h.d
	if !d.Enabled() || h.removed.Load() {
		return false
	}
	if !h.ejecting.CompareAndSwap(false, true) {
		return false // another loop is deciding right now
	}
	defer h.ejecting.Store(false)
	if until := h.ejectedUntil.Load(); until != 0 {
		if now < until {
			return false
		}
		h.uneject(until)
	}
	if !d.reserve() && (d.Sweep(now) == 0 || !d.reserve()) {
		return false
	}
	if last := h.lastEnd.Load(); last != 0 && now-last >= int64(d.cfg.MaxEjectionTime) {
		h.multiplier.Store(0)
	}
	until := now + int64(d.duration(h.multiplier.Add(1)))
	if until <= now {
		until = now + 1
	}
	h.lastEnd.Store(until)
	h.ejectedUntil.Store(until)
	h.consecutive.Store(0)
	h.ejections.Add(1)
	d.total.Add(1)
	if h.removed.Load() {
		// Remove ran between the check above and the store: undo, so the
		// slot is not leaked.
		h.uneject(until)
	}
	return true
}

// uneject ends the ejection that lasts until until; only the caller that
// ends it gives the cluster its slot back.
func (h *Host) uneject(until int64) bool {
	if h.ejectedUntil.CompareAndSwap(until, 0) {
		h.d.ejected.Add(-1)
		return true
	}
	return false
}
