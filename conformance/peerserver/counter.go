package peerserver

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// Counter counts events (requests served, calls cancelled) and lets a test
// wait until a count is reached, without polling. The zero value is ready.
type Counter struct {
	n       atomic.Int64
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every Add
}

// Add counts one event and wakes the waiters.
func (c *Counter) Add() {
	c.n.Add(1)
	c.mu.Lock()
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
	c.mu.Unlock()
}

// Load returns the count.
func (c *Counter) Load() int64 { return c.n.Load() }

// Wait returns once the count is at least n, or ctx's error with how far
// it got ("3 of 5 <what>: context deadline exceeded").
func (c *Counter) Wait(ctx context.Context, n int64, what string) error {
	for {
		c.mu.Lock()
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		changed := c.changed
		c.mu.Unlock()
		got := c.n.Load()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("%d of %d %s: %w", got, n, what, ctx.Err())
		}
	}
}
