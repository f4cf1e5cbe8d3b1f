package http1_test

import (
	"errors"
	"io"
	"net"
	"sync"

	"github.com/xgate/xgate/xprotocol"
)

// wire runs a Session over a real connection the way the engine does:
// it decodes what it has read, writes the session's pending output after
// each batch of Decode calls and after each Encode, closes the connection
// once the session says so, and asks EndOfInput for the last frame when
// the peer closes.
type wire struct {
	conn net.Conn
	sess xprotocol.Session
	in   []byte
	rbuf []byte
	eof  bool
	shut bool // the session asked to close, and the connection was

	// What the session held, for the memory bounds of the streaming tests.
	maxIn, maxFrame, maxOut int
}

const readSize = 32 << 10

func newWire(conn net.Conn, sess xprotocol.Session) *wire {
	return &wire{conn: conn, sess: sess, rbuf: make([]byte, readSize)}
}

var errClosed = errors.New("the session closed the connection")

// next returns the next frame, reading as needed; io.EOF when the peer
// closed between messages.
func (w *wire) next() (xprotocol.Frame, error) {
	for {
		if w.shut {
			return nil, errClosed
		}
		if len(w.in) > 0 {
			f, n, err := w.sess.Decode(w.in)
			switch {
			case err == nil:
				w.in = w.in[n:]
				if f == nil {
					continue
				}
				w.maxFrame = max(w.maxFrame, len(f.Body()))
				if err := w.flush(); err != nil && !errors.Is(err, errClosed) {
					f.Release()
					return nil, err
				}
				return f, nil
			case !errors.Is(err, xprotocol.ErrIncomplete):
				_ = w.flush()
				w.conn.Close()
				return nil, err
			}
		}
		if err := w.flush(); err != nil {
			return nil, err
		}
		if w.eof {
			if e, ok := w.sess.(xprotocol.EndOfInput); ok {
				if f := e.EndOfInput(); f != nil {
					return f, nil
				}
			}
			if len(w.in) > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, io.EOF
		}
		if len(w.in) == 0 {
			w.in = nil // do not keep the consumed prefix alive
		}
		n, err := w.conn.Read(w.rbuf)
		w.in = append(w.in, w.rbuf[:n]...)
		w.maxIn = max(w.maxIn, len(w.in))
		if err != nil {
			w.eof = true
		}
	}
}

// send encodes frames (releasing them) and writes them.
func (w *wire) send(frames ...xprotocol.Frame) error {
	for _, f := range frames {
		out, err := w.sess.Encode(nil, f)
		f.Release()
		if err != nil {
			w.conn.Close()
			return err
		}
		w.maxOut = max(w.maxOut, len(out))
		if _, err := w.conn.Write(out); err != nil {
			return err
		}
		if err := w.flush(); err != nil {
			return err
		}
	}
	return nil
}

// flush writes the pending output and closes the connection when the
// session asks; it then reports errClosed.
func (w *wire) flush() error {
	if fl, ok := w.sess.(xprotocol.Flusher); ok {
		if p := fl.AppendPending(nil); len(p) > 0 {
			if _, err := w.conn.Write(p); err != nil {
				return err
			}
		}
	}
	if c, ok := w.sess.(xprotocol.Closing); ok && c.ShouldClose() {
		w.conn.Close()
		w.shut = true
		return errClosed
	}
	return nil
}

// message is a whole decoded message: head, body and trailers.
type message struct {
	head     msg
	body     []byte
	trailers []string
	frames   int
}

// readMessage reads a head and its data frames.
func (w *wire) readMessage() (message, error) {
	f, err := w.next()
	if err != nil {
		return message{}, err
	}
	m := message{head: snap(f), body: append([]byte(nil), f.Body()...), frames: 1}
	end := f.EndStream()
	f.Release()
	for !end {
		if f, err = w.next(); err != nil {
			return m, err
		}
		m.frames++
		m.body = append(m.body, f.Body()...)
		d := snap(f)
		m.trailers = append(m.trailers, d.Fields...)
		end = f.EndStream()
		f.Release()
	}
	return m, nil
}

// serve accepts connections on ln and runs handle on each in its own
// goroutine until ln is closed; the returned function closes ln and waits
// for every connection to finish.
func serve(ln net.Listener, handle func(net.Conn)) (stop func()) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
			}()
		}
	}()
	return func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}
}
