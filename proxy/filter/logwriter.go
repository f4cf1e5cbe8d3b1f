package filter

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// maxPooledRecord bounds the buffers kept for reuse; a larger record (huge
// header values) is written and then left to the garbage collector.
const maxPooledRecord = 64 << 10

// batchBytes is how much the writer gathers before one write.
const batchBytes = 64 << 10

// logWriter moves formatted records off the event loops: send never
// blocks (a full queue drops the record and counts it), and one goroutine
// writes whole records in batches, so lines from different writers of one
// O_APPEND file never interleave mid-line.
type logWriter struct {
	ch     chan *[]byte
	done   chan struct{}
	exited chan struct{}
	closed atomic.Bool
	once   sync.Once
	w      io.Writer
	closer io.Closer // nil for stderr/stdout
	// free recycles record buffers between the loops and the writer: a
	// bounded list (a queue's worth plus freeSlack), so buffers survive
	// GCs and idle memory stays bounded. A buffer is allocated only when
	// the records in flight reach a new peak.
	free    chan *[]byte
	log     *slog.Logger
	dropped atomic.Uint64

	droppedC Counter
	errorsC  Counter
	writtenC Counter
}

func newLogWriter(w io.Writer, closer io.Closer, queue int, env Env) *logWriter {
	lw := &logWriter{
		ch: make(chan *[]byte, queue), done: make(chan struct{}), exited: make(chan struct{}),
		free: make(chan *[]byte, queue+freeSlack),
		w:    w, closer: closer, log: env.logger(),
		droppedC: env.Counter("dropped"), errorsC: env.Counter("write_errors"), writtenC: env.Counter("written"),
	}
	go lw.run()
	return lw
}

// freeSlack is how many buffers beyond the queue the free list keeps:
// those in the writer's hands and in OnLog calls in progress.
const freeSlack = 256

func (lw *logWriter) get() *[]byte {
	select {
	case b := <-lw.free:
		return b
	default:
		b := make([]byte, 0, 512)
		return &b
	}
}

func (lw *logWriter) put(b *[]byte) {
	if cap(*b) > maxPooledRecord {
		return
	}
	*b = (*b)[:0]
	select {
	case lw.free <- b:
	default: // the list is full: let the collector have it
	}
}

// send queues one record without blocking; it drops it when the queue is
// full or the writer is closed.
func (lw *logWriter) send(b *[]byte) {
	if !lw.closed.Load() {
		select {
		case lw.ch <- b:
			return
		default:
		}
	}
	lw.dropped.Add(1)
	lw.droppedC.Inc()
	lw.put(b)
}

func (lw *logWriter) run() {
	defer close(lw.exited)
	batch := make([]byte, 0, batchBytes)
	var reported bool
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if _, err := lw.w.Write(batch); err != nil {
			lw.errorsC.Inc()
			if !reported { // once: a full disk must not flood the log too
				reported = true
				lw.log.Error("access log write failed; counting further failures in write_errors", "err", err)
			}
		}
		batch = batch[:0]
	}
	add := func(b *[]byte) {
		batch = append(batch, *b...)
		lw.put(b)
		lw.writtenC.Inc()
	}
	for {
		select {
		case b := <-lw.ch:
			add(b)
		gather:
			for len(batch) < batchBytes {
				select {
				case b := <-lw.ch:
					add(b)
				default:
					break gather
				}
			}
			flush()
		case <-lw.done:
			for {
				select {
				case b := <-lw.ch:
					add(b)
					if len(batch) >= batchBytes {
						flush()
					}
				default:
					flush()
					if lw.closer != nil {
						if err := lw.closer.Close(); err != nil {
							lw.log.Error("access log close failed", "err", err)
						}
					}
					return
				}
			}
		}
	}
}

// closeWait bounds how long Close waits for the writer (a stalled disk).
const closeWait = 5 * time.Second

// Close stops accepting records, writes the queued ones, closes the file
// and waits (at most closeWait) for the writer goroutine to exit.
func (lw *logWriter) Close() error {
	lw.once.Do(func() {
		lw.closed.Store(true)
		close(lw.done)
	})
	t := time.NewTimer(closeWait)
	defer t.Stop()
	select {
	case <-lw.exited:
		return nil
	case <-t.C:
		return fmt.Errorf("access log: writer still busy after %s; records queued may be lost", closeWait)
	}
}
