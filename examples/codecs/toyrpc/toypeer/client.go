package toypeer

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/xgate/xgate/examples/codecs/toyrpc"
	"github.com/xgate/xgate/xprotocol"
)

// Response is a decoded ToyRPC response, copied out of the codec's pools.
type Response struct {
	ID        uint32
	Code      toyrpc.Code
	Heartbeat bool
	Service   string
	Method    string
	Headers   map[string]string
	Body      []byte
}

// Client multiplexes concurrent calls over one ToyRPC connection.
type Client struct {
	conn    net.Conn
	wmu     sync.Mutex
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
		return nil, fmt.Errorf("toypeer: dial %s: %w", addr, err)
	}
	c := &Client{conn: conn, pending: make(map[uint32]chan *Response), done: make(chan struct{})}
	go c.readLoop()
	return c, nil
}

// Close closes the connection; calls in flight fail.
func (c *Client) Close() error {
	err := c.conn.Close()
	<-c.done
	return err
}

// Err returns why the connection ended (io.EOF when the peer closed it).
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Call sends a request to service.method and waits for its response or
// ctx. A deadline on ctx travels as the "timeout-ms" header.
func (c *Client) Call(ctx context.Context, service, method string, body []byte, headers ...[2]string) (*Response, error) {
	if dl, ok := ctx.Deadline(); ok {
		headers = append(headers, [2]string{toyrpc.HeaderTimeout, fmt.Sprint(max(time.Until(dl).Milliseconds(), 1))})
	}
	return c.roundTrip(ctx, toyrpc.Message{Type: toyrpc.TypeRequest, Service: service, Method: method, Headers: headers, Body: body})
}

// Heartbeat sends a heartbeat and waits for its reply.
func (c *Client) Heartbeat(ctx context.Context) (*Response, error) {
	return c.roundTrip(ctx, toyrpc.Message{Type: toyrpc.TypeRequest, Heartbeat: true})
}

// Oneway sends a oneway request.
func (c *Client) Oneway(service, method string, body []byte) error {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.mu.Unlock()
	return c.write(toyrpc.Message{Type: toyrpc.TypeOneway, ID: id, Service: service, Method: method, Body: body})
}

// WriteRaw sends arbitrary bytes (for tests of malformed input).
func (c *Client) WriteRaw(p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.conn.Write(p)
	return err
}

func (c *Client) write(m toyrpc.Message) error {
	b, err := toyrpc.AppendMessage(nil, m)
	if err != nil {
		return err
	}
	return c.WriteRaw(b)
}

func (c *Client) roundTrip(ctx context.Context, m toyrpc.Message) (*Response, error) {
	ch := make(chan *Response, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, err
	}
	c.nextID++
	m.ID = c.nextID
	c.pending[m.ID] = ch
	c.mu.Unlock()
	if err := c.write(m); err != nil {
		c.forget(m.ID)
		return nil, err
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("toypeer: connection lost: %w", c.Err())
		}
		return r, nil
	case <-ctx.Done():
		c.forget(m.ID)
		return nil, ctx.Err()
	}
}

func (c *Client) forget(id uint32) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

func (c *Client) readLoop() {
	defer close(c.done)
	err := ReadFrames(c.conn, func(f *toyrpc.Frame) {
		if f.Kind() != xprotocol.KindResponse {
			return
		}
		r := &Response{ID: uint32(f.StreamID()), Code: f.Code(), Heartbeat: f.Heartbeat(),
			Service: string(f.Key(xprotocol.KeyService)), Method: string(f.Key(xprotocol.KeyMethod)),
			Headers: map[string]string{}, Body: append([]byte(nil), f.Body()...)}
		f.Header().Range(func(k, v []byte) bool {
			r.Headers[string(k)] = string(v)
			return true
		})
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
