// Package sdk is what a filter plugin written in Go needs to be started by
// Xgate's external filter (package extproc): the go-plugin handshake, the
// plugin type and Serve.
//
// A plugin implements extprocpb.FilterServer and calls Serve from main:
//
//	type authz struct{ extprocpb.UnimplementedFilterServer }
//
//	func (authz) OnRequest(ctx context.Context, req *extprocpb.Request) (*extprocpb.Decision, error) {
//		return sdk.Continue(), nil
//	}
//
//	func main() { sdk.Serve(authz{}) }
//
// Serve returns only when Xgate stops the plugin (go-plugin's controller
// Shutdown) or the process is told to stop. Anything the plugin writes to
// stderr ends up in Xgate's log; stdout belongs to the handshake.
package sdk

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/xgate/xgate/proxy/filter/extproc/extprocpb"
)

// Handshake is the go-plugin handshake between Xgate and its filter
// plugins: protocol version 1, and the environment variable
// XGATE_PLUGIN=filter set for the plugin (a plugin started by hand, without
// it, refuses to run).
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "XGATE_PLUGIN",
	MagicCookieValue: "filter",
}

// PluginName is the name the filter service is dispensed under.
const PluginName = "filter"

// HealthService is the grpc.health.v1 service name a plugin reports
// SERVING (go-plugin's GRPCServiceName): go-plugin's Go server does it by
// itself; plugins in other languages serve it explicitly.
const HealthService = plugin.GRPCServiceName

// Plugin is the go-plugin Plugin of the filter service. On the plugin's
// side Impl is served; on Xgate's side GRPCClient hands back the
// connection itself, from which the host makes its Filter and Health
// clients.
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is the plugin's implementation (plugin side only).
	Impl extprocpb.FilterServer
}

var _ plugin.GRPCPlugin = (*Plugin)(nil)

// GRPCServer registers Impl on the plugin's gRPC server.
func (p *Plugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	extprocpb.RegisterFilterServer(s, p.Impl)
	return nil
}

// GRPCClient returns conn: the host makes its own clients on it.
func (p *Plugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return conn, nil
}

// Plugins is the plugin set both sides agree on.
func Plugins(impl extprocpb.FilterServer) plugin.PluginSet {
	return plugin.PluginSet{PluginName: &Plugin{Impl: impl}}
}

// Serve serves impl as an Xgate filter plugin over gRPC on a Unix socket
// (go-plugin), writing the handshake line to stdout. It returns when the
// plugin is stopped. Should the gateway die without stopping it (SIGKILL),
// the plugin notices that its parent changed and exits.
func Serve(impl extprocpb.FilterServer) {
	go exitWhenOrphaned(os.Getppid(), time.Second)
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         Plugins(impl),
		GRPCServer:      plugin.DefaultGRPCServer,
	})
}

// exitWhenOrphaned exits the process once its parent is no longer parent
// (the plugin was re-parented to init or a subreaper).
func exitWhenOrphaned(parent int, every time.Duration) {
	if parent <= 1 {
		return // started by init: nothing to watch
	}
	for range time.Tick(every) {
		if os.Getppid() != parent {
			fmt.Fprintln(os.Stderr, "[WARN] the gateway went away; exiting")
			os.Exit(1)
		}
	}
}

// Continue is the decision that lets a request go on unchanged.
func Continue() *extprocpb.Decision {
	return &extprocpb.Decision{Action: extprocpb.Decision_CONTINUE}
}

// Reply is the decision that answers a request with the protocol's error
// reply for status (a generic status name such as "bad_request") and msg.
func Reply(status, msg string) *extprocpb.Decision {
	return &extprocpb.Decision{Action: extprocpb.Decision_REPLY, Status: status, Message: msg}
}

// Get returns the value of the first header called key in req.
func Get(req *extprocpb.Request, key string) ([]byte, bool) {
	for _, h := range req.GetHeaders() {
		if h.GetKey() == key {
			return h.GetValue(), true
		}
	}
	return nil, false
}
