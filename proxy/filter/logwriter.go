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
	ch      chan *[]byte
	done    chan struct{}
	exited  chan struct{}
	closed  atomic.Bool
	once    sync.Once
	w       io.Writer
	closer  io.Closer // nil for stderr/stdout
	pool    sync.Pool
	log     *slog.Logger
	dropped atomic.Uint64

	droppedC Counter
	errorsC  Counter
	writtenC Counter
}

func newLogWriter(w io.Writer, closer io.Closer, queue int, env Env) *logWriter {
	lw := &logWriter{
		ch: make(chan *[]byte, queue), done: make(chan struct{}), exited: make(chan struct{}),
		w: w, closer: closer, log: env.logger(),
		droppedC: env.Counter("dropped"), errorsC: env.Counter("write_errors"), writtenC: env.Counter("written"),
	}
	lw.pool.New = func() any {
		b := make([]byte, 0, 512)
		return &b
	}
	go lw.run()
	return lw
}

func (lw *logWriter) get() *[]byte { return lw.pool.Get().(*[]byte) }

func (lw *logWriter) put(b *[]byte) {
	if cap(*b) <= maxPooledRecord {
		*b = (*b)[:0]
		lw.pool.Put(b)
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
