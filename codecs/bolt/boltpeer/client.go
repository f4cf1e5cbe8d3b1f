// Package boltpeer is a small Bolt v1 client and echo server over plain
// net.Conn (one goroutine per connection, the standard library's I/O), used
// as an independent peer by end-to-end tests, the demo and load tools.
package boltpeer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/xgate/xgate/codecs/bolt"
	"github.com/xgate/xgate/xprotocol"
)

// Response is a decoded Bolt response, copied out of the codec's pools.
type Response struct {
	// Proto is the response's protocol version byte (1 or 2).
	Proto     byte
	CRC       bool
	ID        uint32
	Status    bolt.RespStatus
	Heartbeat bool
	Class     string
	Headers   map[string]string
	Content   []byte
}

// Client multiplexes concurrent calls over one Bolt connection.
type Client struct {
	// Proto selects the request format: bolt.ProtoV1 (default) or
	// bolt.ProtoV2; set it before the first call.
	Proto byte
	// CRC adds a CRC32 to Bolt v2 requests.
	CRC bool

	conn    net.Conn
	wmu     sync.Mutex
	w       *bufio.Writer
	mu      sync.Mutex
	nextID  uint32
	pending map[uint32]chan *Response
	err     error
	done    chan struct{}
}

// Dial connects to addr.
func Dial(addr string, timeout time.Duration) (*Client, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, fmt.Errorf("boltpeer: dial %s: %w", addr, err)
	}
	c := &Client{conn: conn, w: bufio.NewWriter(conn), pending: make(map[uint32]chan *Response), done: make(chan struct{})}
	go c.readLoop()
	return c, nil
}

// Close closes the connection; calls in flight fail.
func (c *Client) Close() error {
	err := c.conn.Close()
	<-c.done
	return err
}

// Done is closed when the connection is gone.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended (io.EOF when the peer closed it).
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Call sends a request to service.method with content and waits for its
// response or ctx.
func (c *Client) Call(ctx context.Context, service, method string, content []byte) (*Response, error) {
	headers := [][2]string{{"service", service}, {"sofa_head_method_name", method}}
	return c.Do(ctx, headers, content)
}

// Do sends a request with the given headers and waits for its response.
func (c *Client) Do(ctx context.Context, headers [][2]string, content []byte) (*Response, error) {
	var timeout time.Duration
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	return c.roundTrip(ctx, func(id uint32) *bolt.Frame {
		return c.build(bolt.Message{Type: bolt.TypeRequest, Code: bolt.CodeRequest, ID: id, Timeout: timeout,
			Class: "java.lang.String", Headers: headers, Content: content})
	})
}

// build makes a frame in the client's protocol version.
func (c *Client) build(m bolt.Message) *bolt.Frame {
	if c.Proto == bolt.ProtoV2 {
		m.Proto, m.CRC = bolt.ProtoV2, c.CRC
	}
	f, err := bolt.Build(m)
	if err != nil {
		panic(fmt.Sprintf("boltpeer: building a request: %v", err)) // only oversized test input gets here
	}
	return f
}

// Heartbeat sends a heartbeat and waits for the acknowledgement.
func (c *Client) Heartbeat(ctx context.Context) (*Response, error) {
	return c.roundTrip(ctx, func(id uint32) *bolt.Frame {
		return c.build(bolt.Message{Type: bolt.TypeRequest, Code: bolt.CodeHeartbeat, ID: id})
	})
}

// Oneway sends a oneway request.
func (c *Client) Oneway(service, method string, content []byte) error {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.mu.Unlock()
	f := c.build(bolt.Message{Type: bolt.TypeOneway, Code: bolt.CodeRequest, ID: id, Class: "java.lang.String",
		Headers: [][2]string{{"service", service}, {"sofa_head_method_name", method}}, Content: content})
	defer f.Release()
	return c.write(f)
}

// WriteRaw sends arbitrary bytes (for tests of malformed input).
func (c *Client) WriteRaw(p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := c.w.Write(p); err != nil {
		return err
	}
	return c.w.Flush()
}

func (c *Client) roundTrip(ctx context.Context, build func(id uint32) *bolt.Frame) (*Response, error) {
	ch := make(chan *Response, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, err
	}
	c.nextID++
	id := c.nextID
	c.pending[id] = ch
	c.mu.Unlock()
	f := build(id)
	err := c.write(f)
	f.Release()
	if err != nil {
		c.forget(id)
		return nil, err
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("boltpeer: connection lost: %w", c.Err())
		}
		return r, nil
	case <-ctx.Done():
		c.forget(id)
		return nil, ctx.Err()
	}
}

func (c *Client) forget(id uint32) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

func (c *Client) write(f *bolt.Frame) error {
	buf, err := f.AppendBinary(nil)
	if err != nil {
		return err
	}
	return c.WriteRaw(buf)
}

func (c *Client) readLoop() {
	defer close(c.done)
	err := readFrames(c.conn, func(f *bolt.Frame) {
		r := copyResponse(f)
		c.mu.Lock()
		ch, ok := c.pending[r.ID]
		delete(c.pending, r.ID)
		c.mu.Unlock()
		if ok {
			ch <- r
		}
	}, nil)
	c.mu.Lock()
	c.err = err
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
	c.mu.Unlock()
}

func copyResponse(f *bolt.Frame) *Response {
	r := &Response{
		Proto:     f.Version(),
		CRC:       f.CRCEnabled(),
		ID:        f.RequestID(),
		Status:    f.RespStatus(),
		Heartbeat: f.Heartbeat(),
		Class:     string(f.ClassName()),
		Content:   append([]byte(nil), f.Content()...),
		Headers:   map[string]string{},
	}
	f.Header().Range(func(k, v []byte) bool {
		r.Headers[string(k)] = string(v)
		return true
	})
	return r
}

// readFrames decodes frames from r until it fails; io.EOF means a clean end.
// idle, when set, runs whenever every buffered frame was handled, before the
// next blocking read.
func readFrames(r io.Reader, fn func(f *bolt.Frame), idle func()) error {
	buf := make([]byte, 0, 64<<10)
	tmp := make([]byte, 32<<10)
	for {
		for {
			f, n, err := bolt.Decode(buf, 0)
			if errors.Is(err, xprotocol.ErrIncomplete) {
				break
			}
			if err != nil {
				return err
			}
			fn(f)
			f.Release()
			buf = append(buf[:0], buf[n:]...)
		}
		if idle != nil {
			idle()
		}
		n, err := r.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if err != nil {
			if n > 0 {
				continue
			}
			return err
		}
	}
}
