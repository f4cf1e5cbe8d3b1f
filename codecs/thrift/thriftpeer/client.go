package thriftpeer

import (
	"fmt"
	"time"

	athrift "github.com/apache/thrift/lib/go/thrift"

	xthrift "github.com/xgate/xgate/codecs/thrift"
	"github.com/xgate/xgate/conformance/thrift/gen-go/echo"
)

// ClientOptions shape a client connection.
type ClientOptions struct {
	// Variant is the protocol and transport the client speaks (required).
	Variant xthrift.Variant
	// Multiplexed names calls "Echo:echo" and "Calc:mul" (TMultiplexedProtocol);
	// without it names are plain ("echo", "mul").
	Multiplexed bool
	// Timeout bounds the connect and every read and write; 0 means 5s.
	Timeout time.Duration
}

// Client is one connection with the library's generated clients on it. Like
// the generated clients, it makes one call at a time: use one Client per
// goroutine.
type Client struct {
	// Echo calls the Echo service.
	Echo *echo.EchoClient
	// Calc calls the Calc service (only a multiplexed server has it).
	Calc  *echo.CalcClient
	trans athrift.TTransport
}

// Dial connects to addr.
func Dial(addr string, opts ClientOptions) (*Client, error) {
	if !opts.Variant.Valid() {
		return nil, fmt.Errorf("thriftpeer: dial: invalid variant %d", opts.Variant)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	conf := &athrift.TConfiguration{ConnectTimeout: timeout, SocketTimeout: timeout}
	sock := athrift.NewTSocketConf(addr, conf)
	if err := sock.Open(); err != nil {
		return nil, fmt.Errorf("thriftpeer: dial %s: %w", addr, err)
	}
	tf, pf := factories(opts.Variant)
	trans, err := tf.GetTransport(sock)
	if err != nil {
		_ = sock.Close()
		return nil, fmt.Errorf("thriftpeer: dial %s: %w", addr, err)
	}
	proto := pf.GetProtocol(trans)
	echoOut, calcOut := proto, proto
	if opts.Multiplexed {
		echoOut = athrift.NewTMultiplexedProtocol(proto, "Echo")
		calcOut = athrift.NewTMultiplexedProtocol(proto, "Calc")
	}
	return &Client{
		Echo:  echo.NewEchoClient(athrift.NewTStandardClient(proto, echoOut)),
		Calc:  echo.NewCalcClient(athrift.NewTStandardClient(proto, calcOut)),
		trans: trans,
	}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.trans.Close() }
