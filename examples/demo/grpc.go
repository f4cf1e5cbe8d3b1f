package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/xgate/xgate/conformance/grpcpeer"
)

// runGRPC makes every kind of gRPC call with grpc-go through the gateway
// (HTTP/2 with prior knowledge on the same port); the :path picks the
// cluster.
func runGRPC(ctx context.Context, addr string, expect func(string, bool)) error {
	cc, err := grpcpeer.Dial(addr)
	if err != nil {
		return err
	}
	defer cc.Close()
	call := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 5*time.Second) }
	backend := func(md metadata.MD) string {
		if v := md.Get(grpcpeer.MDBackend); len(v) > 0 {
			return v[0]
		}
		return "answered by xgate"
	}
	show := func(what string, md metadata.MD, result string, err error) {
		if err != nil {
			fmt.Printf("%-6s %-44s -> error: %v\n", "grpc", what, err)
			return
		}
		fmt.Printf("%-6s %-44s -> %-40s %s\n", "grpc", what, backend(md), result)
	}
	fromTest := func(md metadata.MD) bool { return strings.HasPrefix(backend(md), "grpc-test#") }

	var hdr, trl metadata.MD
	cctx, cancel := call()
	resp, err := grpcpeer.Unary(cctx, cc, 1024, 2048, grpc.Header(&hdr), grpc.Trailer(&trl))
	cancel()
	var got string
	if err == nil {
		got = fmt.Sprintf("OK %d bytes back, server got %s", len(resp.GetPayload().GetBody()), strings.Join(trl.Get(grpcpeer.MDPayloadSize), ""))
	}
	show("TestService/UnaryCall (1 KiB up, 2 KiB down)", hdr, got, err)
	expect("grpc unary", err == nil && fromTest(hdr) && slices.Equal(trl.Get(grpcpeer.MDPayloadSize), []string{"1024"}))

	sizes := []int{10, 100, 1000, 10000}
	hdr = nil
	cctx, cancel = call()
	out, err := grpcpeer.ServerStream(cctx, cc, sizes, grpc.Header(&hdr))
	cancel()
	show("TestService/StreamingOutputCall", hdr, fmt.Sprintf("OK %d messages %v", len(out), out), err)
	expect("grpc server stream", err == nil && fromTest(hdr) && slices.Equal(out, sizes))

	hdr = nil
	cctx, cancel = call()
	total, err := grpcpeer.ClientStream(cctx, cc, []int{1, 10, 100, 1000}, grpc.Header(&hdr))
	cancel()
	show("TestService/StreamingInputCall (4 messages)", hdr, fmt.Sprintf("OK server summed %d bytes", total), err)
	expect("grpc client stream", err == nil && fromTest(hdr) && total == 1111)

	sizes = []int{8, 80, 800}
	hdr = nil
	cctx, cancel = call()
	out, err = grpcpeer.Bidi(cctx, cc, sizes, grpc.Header(&hdr))
	cancel()
	show("TestService/FullDuplexCall (ping-pong)", hdr, fmt.Sprintf("OK %v", out), err)
	expect("grpc bidi", err == nil && fromTest(hdr) && slices.Equal(out, sizes))

	for _, svc := range []string{"", grpcpeer.ServiceName} {
		cctx, cancel = call()
		st, err := grpcpeer.Health(cctx, cc, svc)
		cancel()
		what := "Health/Check " + svc
		if svc == "" {
			what = "Health/Check (the whole server)"
		}
		if err != nil {
			fmt.Printf("%-6s %-44s -> error: %v\n", "grpc", what, err)
		} else {
			fmt.Printf("%-6s %-44s -> %s\n", "grpc", what, st)
		}
		expect("grpc health "+svc, err == nil && st == healthpb.HealthCheckResponse_SERVING)
	}

	cctx, cancel = call()
	names, err := grpcpeer.ListServices(cctx, cc)
	cancel()
	if err != nil {
		fmt.Printf("%-6s %-44s -> error: %v\n", "grpc", "reflection ListServices", err)
	} else {
		fmt.Printf("%-6s %-44s -> %s\n", "grpc", "reflection ListServices", strings.Join(names, " "))
	}
	expect("grpc reflection", err == nil && slices.Contains(names, grpcpeer.ServiceName))

	// A service no route names: the gateway answers with a grpc-status.
	hdr = nil
	cctx, cancel = call()
	err = cc.Invoke(cctx, "/demo.NoSuchService/Call", &testpb.Empty{}, &testpb.Empty{}, grpc.Header(&hdr))
	cancel()
	st := status.Convert(err)
	fmt.Printf("%-6s %-44s -> %-40s %s %q\n", "grpc", "demo.NoSuchService/Call", backend(hdr), st.Code(), st.Message())
	expect("grpc no route", err != nil && st.Code() != codes.OK && st.Code() != codes.DeadlineExceeded && !fromTest(hdr))
	return nil
}
