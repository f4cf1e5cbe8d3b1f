package dubbopeer

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"net"
	"sync"
	"time"

	dh "dubbo.apache.org/dubbo-go/v3/protocol/dubbo/hessian2"
)

// Response is a decoded Dubbo response.
type Response struct {
	// ID is the request id the response answers.
	ID int64
	// Status is the status byte (dh.Response_OK is 20).
	Status byte
	// Heartbeat is set on the reply to a heartbeat.
	Heartbeat bool
	// Value is the result of an OK response (nil for a null result).
	Value any
	// Exception is the exception an OK response carries
	// (RESPONSE_WITH_EXCEPTION), as dubbo-go decodes it.
	Exception error
	// Attachments are the response attachments, when the body has them.
	Attachments map[string]any
	// ErrorMessage is the body of a response whose status is not OK.
	ErrorMessage string
}

// Invocation is a call with everything dubbo-go's codec can put in it.
type Invocation struct {
	// Service is the service path (also sent as the interface).
	Service string
	// Method is the method name.
	Method string
	// Version is the service version ("" for none).
	Version string
	// Group is sent as the "group" attachment when set.
	Group string
	// Timeout is sent as the "timeout" attachment (milliseconds); 0 means
	// the context's deadline, if any.
	Timeout time.Duration
	// Args are the arguments; dubbo-go's codec derives the parameter
	// types from their Go types.
	Args []any
	// Attachments are copied and sent with the codec's own (path,
	// interface, version, group, timeout).
	Attachments map[string]any
}

// Client multiplexes concurrent calls over one Dubbo connection.
type Client struct {
	conn    net.Conn
	wmu     sync.Mutex
	w       *bufio.Writer
	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan *Response
	err     error
	done    chan struct{}
}

// Dial connects to addr.
func Dial(addr string, timeout time.Duration) (*Client, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, fmt.Errorf("dubbopeer: dial %s: %w", addr, err)
	}
	c := &Client{conn: conn, w: bufio.NewWriter(conn), pending: make(map[int64]chan *Response), done: make(chan struct{})}
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

// Call invokes service.method with args and waits for the response or ctx.
func (c *Client) Call(ctx context.Context, service, method string, args ...any) (*Response, error) {
	return c.Do(ctx, Invocation{Service: service, Method: method, Args: args})
}

// Do sends a two-way invocation and waits for its response or ctx.
func (c *Client) Do(ctx context.Context, inv Invocation) (*Response, error) {
	if inv.Timeout == 0 {
		if dl, ok := ctx.Deadline(); ok {
			inv.Timeout = time.Until(dl)
		}
	}
	return c.roundTrip(ctx, func(id int64) ([]byte, error) {
		return encodeRequest(id, inv, dh.PackageRequest_TwoWay)
	})
}

// Heartbeat sends a heartbeat and waits for its reply.
func (c *Client) Heartbeat(ctx context.Context) (*Response, error) {
	return c.roundTrip(ctx, func(id int64) ([]byte, error) {
		return dh.NewHessianCodec(nil).Write(dh.Service{},
			dh.DubboHeader{SerialID: 2, Type: dh.PackageHeartbeat, ID: id}, dh.NewRequest([]any{}, nil))
	})
}

// Oneway sends an invocation without FlagTwoWay: no response comes back.
func (c *Client) Oneway(inv Invocation) error {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.mu.Unlock()
	b, err := encodeRequest(id, inv, dh.PackageRequest)
	if err != nil {
		return err
	}
	return c.WriteRaw(b)
}

// encodeRequest writes an invocation with dubbo-go's codec. It copies the
// attachments, which the codec adds path, version, group, interface and
// timeout to.
func encodeRequest(id int64, inv Invocation, typ dh.PackageType) ([]byte, error) {
	atts := maps.Clone(inv.Attachments)
	if atts == nil {
		atts = map[string]any{}
	}
	args := inv.Args
	if args == nil {
		args = []any{}
	}
	svc := dh.Service{Path: inv.Service, Interface: inv.Service, Method: inv.Method,
		Version: inv.Version, Group: inv.Group, Timeout: inv.Timeout}
	return dh.NewHessianCodec(nil).Write(svc, dh.DubboHeader{SerialID: 2, Type: typ, ID: id}, dh.NewRequest(args, atts))
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

func (c *Client) roundTrip(ctx context.Context, build func(id int64) ([]byte, error)) (*Response, error) {
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
	b, err := build(id)
	if err == nil {
		err = c.WriteRaw(b)
	}
	if err != nil {
		c.forget(id)
		return nil, err
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("dubbopeer: connection lost: %w", c.Err())
		}
		return r, nil
	case <-ctx.Done():
		c.forget(id)
		return nil, ctx.Err()
	}
}

func (c *Client) forget(id int64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

func (c *Client) readLoop() {
	defer close(c.done)
	r := bufio.NewReader(c.conn)
	var err error
	for {
		var p *packet
		if p, err = readPacket(r); err != nil {
			break
		}
		if p.header.Type&dh.PackageResponse == 0 {
			continue // a request from the server (a read-only event): ignore
		}
		resp, derr := decodeResponse(p)
		if derr != nil {
			err = derr
			break
		}
		c.mu.Lock()
		ch, ok := c.pending[resp.ID]
		delete(c.pending, resp.ID)
		c.mu.Unlock()
		if ok {
			ch <- resp
		}
	}
	c.mu.Lock()
	c.err = err
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
	c.mu.Unlock()
}

// decodeResponse reads a response packet with dubbo-go's ReadBody.
func decodeResponse(p *packet) (*Response, error) {
	h := p.header
	resp := &Response{ID: h.ID, Status: h.ResponseStatus, Heartbeat: h.Type&dh.PackageHeartbeat != 0}
	switch {
	case h.ResponseStatus != dh.Response_OK:
		var body dh.DubboResponse
		if err := p.readBody(&body); err != nil {
			return nil, err
		}
		resp.ErrorMessage = errorMessage(body.Exception)
	case resp.Heartbeat:
		if err := p.readBody(nil); err != nil {
			return nil, err
		}
	default:
		body := dh.NewResponse(nil, nil, nil)
		if err := p.readBody(body); err != nil {
			return nil, err
		}
		resp.Value, resp.Exception, resp.Attachments = body.RspObj, body.Exception, body.Attachments
	}
	return resp, nil
}
