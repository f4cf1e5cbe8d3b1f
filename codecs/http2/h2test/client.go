package h2test

import (
	"errors"
	"net"
	"sync"

	"github.com/xgate/xgate/xprotocol"
)

// Client drives a client session over a connection from one goroutine.
// Each stream's decoded frames arrive on the channel Open returned, which
// is closed after the frame that ends the stream (EndStream or a reset).
type Client struct {
	conn    net.Conn
	sess    xprotocol.Session
	fl      xprotocol.Flusher
	cmds    chan func()
	reads   chan []byte
	quit    chan struct{}
	stopped chan struct{}
	wg      sync.WaitGroup
	subs    map[uint64]chan xprotocol.Frame
	GoAways chan xprotocol.Frame // GOAWAY frames from the server
	errMu   sync.Mutex
	err     error
}

// NewClient starts a client session of p over conn.
func NewClient(conn net.Conn, p xprotocol.Protocol, opts xprotocol.SessionOptions) *Client {
	opts.Role = xprotocol.RoleClient
	sess := p.NewSession(opts)
	c := &Client{conn: conn, sess: sess, fl: sess.(xprotocol.Flusher), cmds: make(chan func()),
		reads: make(chan []byte, 16), quit: make(chan struct{}), stopped: make(chan struct{}), subs: map[uint64]chan xprotocol.Frame{},
		GoAways: make(chan xprotocol.Frame, 8)}
	c.wg.Add(2)
	go c.read()
	go c.loop()
	return c
}

func (c *Client) read() {
	defer c.wg.Done()
	defer close(c.reads)
	for {
		b := make([]byte, 32<<10)
		n, err := c.conn.Read(b)
		if n > 0 {
			select {
			case c.reads <- b[:n]:
			case <-c.quit:
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (c *Client) loop() {
	defer c.wg.Done()
	defer close(c.stopped)
	defer func() {
		for id, ch := range c.subs {
			close(ch)
			delete(c.subs, id)
		}
	}()
	c.write()
	var buf []byte
	for {
		select {
		case <-c.quit:
			return
		case fn := <-c.cmds:
			fn()
			c.write()
		case b, ok := <-c.reads:
			if !ok {
				c.fail(net.ErrClosed)
				return
			}
			buf = append(buf, b...)
			off := 0
			for off < len(buf) {
				f, n, err := c.sess.Decode(buf[off:])
				if errors.Is(err, xprotocol.ErrIncomplete) {
					break
				}
				if err != nil {
					c.fail(err)
					c.write()
					return
				}
				off += n
				if f != nil {
					c.deliver(f)
				}
			}
			buf = buf[:copy(buf, buf[off:])]
			c.write()
		}
	}
}

func (c *Client) deliver(f xprotocol.Frame) {
	if f.Kind() == xprotocol.KindGoAway {
		select {
		case c.GoAways <- f:
		default:
			f.Release()
		}
		return
	}
	id := f.StreamID()
	ch := c.subs[id]
	if ch == nil {
		f.Release()
		return
	}
	end := f.EndStream() || f.Kind() == xprotocol.KindReset
	select {
	case ch <- f:
	case <-c.quit:
		f.Release()
		return
	}
	if end {
		close(ch)
		delete(c.subs, id)
	}
}

func (c *Client) write() {
	if out := c.fl.AppendPending(nil); len(out) > 0 {
		if _, err := c.conn.Write(out); err != nil {
			c.fail(err)
		}
	}
}

func (c *Client) fail(err error) {
	c.errMu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.errMu.Unlock()
}

// Err returns the error the connection failed with, if any.
func (c *Client) Err() error {
	c.errMu.Lock()
	defer c.errMu.Unlock()
	return c.err
}

// Do runs fn with the session on the client's goroutine, then writes the
// session's pending output. It returns false if the client has stopped.
func (c *Client) Do(fn func(s xprotocol.Session)) bool {
	done := make(chan struct{})
	select {
	case c.cmds <- func() { fn(c.sess); close(done) }:
		<-done
		return true
	case <-c.stopped:
		return false
	}
}

// Open encodes head (a request) for its stream id and returns the channel
// the stream's frames arrive on. It releases head.
func (c *Client) Open(head xprotocol.Frame) (<-chan xprotocol.Frame, error) {
	ch := make(chan xprotocol.Frame, 1<<12)
	err := net.ErrClosed
	c.Do(func(s xprotocol.Session) {
		var out []byte
		out, err = s.Encode(nil, head)
		if err == nil {
			c.subs[head.StreamID()] = ch
			_, err = c.conn.Write(out)
		}
		head.Release()
	})
	return ch, err
}

// Send encodes f (DATA, trailers, a reset, GOAWAY) and releases it.
func (c *Client) Send(f xprotocol.Frame) error {
	err := net.ErrClosed
	c.Do(func(s xprotocol.Session) {
		var out []byte
		out, err = s.Encode(nil, f)
		if err == nil {
			_, err = c.conn.Write(out)
		}
		if f.Kind() == xprotocol.KindReset {
			if ch := c.subs[f.StreamID()]; ch != nil {
				close(ch)
				delete(c.subs, f.StreamID())
			}
		}
		f.Release()
	})
	return err
}

// Held returns the session's held DATA bytes.
func (c *Client) Held() int {
	n := 0
	c.Do(func(xprotocol.Session) { n = c.fl.Held() })
	return n
}

// Close stops the client and closes the connection.
func (c *Client) Close() error {
	select {
	case <-c.quit:
	default:
		close(c.quit)
	}
	err := c.conn.Close()
	c.wg.Wait()
	return err
}
