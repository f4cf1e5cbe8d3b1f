package grpcpeer

import (
	"context"
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
)

// Dial returns a client connection to addr (host:port) over cleartext
// HTTP/2 (insecure credentials) with MaxMessageSize limits both ways. The
// address is used as is (no name resolution: "passthrough"), so it is also
// the :authority. opts are added after the defaults. grpc connects lazily:
// the first call dials.
func Dial(addr string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	all := append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(MaxMessageSize),
			grpc.MaxCallSendMsgSize(MaxMessageSize),
		),
	}, opts...)
	cc, err := grpc.NewClient("passthrough:///"+addr, all...)
	if err != nil {
		return nil, fmt.Errorf("grpcpeer: dial %s: %w", addr, err)
	}
	return cc, nil
}

// Client returns the generated TestService client on cc.
func Client(cc grpc.ClientConnInterface) testpb.TestServiceClient {
	return testpb.NewTestServiceClient(cc)
}

// NewPayload returns a payload of n bytes of the pattern (byte i is
// i mod 251), what the server sends and what the helpers upload.
func NewPayload(n int) *testpb.Payload {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return &testpb.Payload{Type: testpb.PayloadType_COMPRESSABLE, Body: b}
}

// CheckPayload reports whether p holds n bytes of the pattern.
func CheckPayload(p *testpb.Payload, n int) error {
	b := p.GetBody()
	if len(b) != n {
		return fmt.Errorf("grpcpeer: payload of %d bytes, want %d", len(b), n)
	}
	for i, v := range b {
		if v != byte(i%251) {
			return fmt.Errorf("grpcpeer: payload differs at byte %d", i)
		}
	}
	return nil
}

// Unary makes a UnaryCall that sends reqSize bytes and asks for respSize,
// and checks the response payload. Pass grpc.Header and grpc.Trailer in
// opts to see the metadata.
func Unary(ctx context.Context, cc grpc.ClientConnInterface, reqSize, respSize int, opts ...grpc.CallOption) (*testpb.SimpleResponse, error) {
	resp, err := Client(cc).UnaryCall(ctx, &testpb.SimpleRequest{
		ResponseType: testpb.PayloadType_COMPRESSABLE,
		ResponseSize: int32(respSize),
		Payload:      NewPayload(reqSize),
		FillUsername: true,
	}, opts...)
	if err != nil {
		return nil, err
	}
	return resp, CheckPayload(resp.GetPayload(), respSize)
}

// ServerStream makes a StreamingOutputCall asking for one response per
// size, checks each payload, and returns the sizes received.
func ServerStream(ctx context.Context, cc grpc.ClientConnInterface, sizes []int, opts ...grpc.CallOption) ([]int, error) {
	req := &testpb.StreamingOutputCallRequest{ResponseType: testpb.PayloadType_COMPRESSABLE}
	for _, n := range sizes {
		req.ResponseParameters = append(req.ResponseParameters, &testpb.ResponseParameters{Size: int32(n)})
	}
	stream, err := Client(cc).StreamingOutputCall(ctx, req, opts...)
	if err != nil {
		return nil, err
	}
	var got []int
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		n := len(resp.GetPayload().GetBody())
		if err := CheckPayload(resp.GetPayload(), n); err != nil {
			return got, err
		}
		got = append(got, n)
	}
}

// ClientStream makes a StreamingInputCall that sends one message per size
// and returns the total the server says it received.
func ClientStream(ctx context.Context, cc grpc.ClientConnInterface, sizes []int, opts ...grpc.CallOption) (int, error) {
	stream, err := Client(cc).StreamingInputCall(ctx, opts...)
	if err != nil {
		return 0, err
	}
	for _, n := range sizes {
		if err := stream.Send(&testpb.StreamingInputCallRequest{Payload: NewPayload(n)}); err != nil {
			// The server ended the call; CloseAndRecv has its status.
			break
		}
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		return 0, err
	}
	return int(resp.GetAggregatedPayloadSize()), nil
}

// Bidi makes a FullDuplexCall in ping-pong: for each size it sends a
// message of that size asking for one response of the same size and waits
// for that response before sending the next. It returns the sizes
// received; the server's status ends it.
func Bidi(ctx context.Context, cc grpc.ClientConnInterface, sizes []int, opts ...grpc.CallOption) ([]int, error) {
	stream, err := Client(cc).FullDuplexCall(ctx, opts...)
	if err != nil {
		return nil, err
	}
	var got []int
	for _, n := range sizes {
		err := stream.Send(&testpb.StreamingOutputCallRequest{
			ResponseType:       testpb.PayloadType_COMPRESSABLE,
			ResponseParameters: []*testpb.ResponseParameters{{Size: int32(n)}},
			Payload:            NewPayload(n),
		})
		if err != nil && !errors.Is(err, io.EOF) {
			return got, err
		}
		// On io.EOF the server has ended the call: Recv returns why.
		resp, err := stream.Recv()
		if err != nil {
			return got, err
		}
		if err := CheckPayload(resp.GetPayload(), n); err != nil {
			return got, err
		}
		got = append(got, n)
	}
	if err := stream.CloseSend(); err != nil {
		return got, err
	}
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("grpcpeer: a response nobody asked for")
		}
		return got, err
	}
	return got, nil
}

// Health asks the health service about service ("" for the server as a
// whole).
func Health(ctx context.Context, cc grpc.ClientConnInterface, service string) (healthpb.HealthCheckResponse_ServingStatus, error) {
	resp, err := healthpb.NewHealthClient(cc).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		return healthpb.HealthCheckResponse_UNKNOWN, err
	}
	return resp.GetStatus(), nil
}

// ListServices asks server reflection (v1) for the services the server
// exposes.
func ListServices(ctx context.Context, cc grpc.ClientConnInterface) ([]string, error) {
	stream, err := reflectionpb.NewServerReflectionClient(cc).ServerReflectionInfo(ctx)
	if err != nil {
		return nil, err
	}
	err = stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{ListServices: ""},
	})
	if err != nil {
		return nil, err
	}
	resp, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	if err := stream.CloseSend(); err != nil {
		return nil, err
	}
	if e := resp.GetErrorResponse(); e != nil {
		return nil, fmt.Errorf("grpcpeer: reflection: %d %s", e.GetErrorCode(), e.GetErrorMessage())
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	// Let the server end the stream so no goroutine outlives the call.
	for {
		if _, err := stream.Recv(); err != nil {
			if errors.Is(err, io.EOF) {
				return names, nil
			}
			return names, err
		}
	}
}
