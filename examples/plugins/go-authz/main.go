// Command go-authz is an example Xgate filter plugin in Go: it lets a
// request through when it carries the header x-allow: yes, adding the
// header x-plugin: go, and answers every other request bad_request
// "denied by plugin".
//
// Build it and name it in a listener's filters:
//
//	go build -o bin/go-authz ./examples/plugins/go-authz
//
//	filters:
//	  - name: external
//	    config: {command: [bin/go-authz], timeout: 50ms}
//
// For the tests of the external filter it also misbehaves on request:
// a request with the header x-plugin-test: crash makes the process exit
// at once, and x-plugin-test: hang makes OnRequest wait until the caller
// gives up. Neither is something a real plugin should copy.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/xgate/xgate/proxy/filter/extproc/extprocpb"
	"github.com/xgate/xgate/proxy/filter/extproc/sdk"
)

type authz struct {
	extprocpb.UnimplementedFilterServer
}

// OnRequest allows x-allow: yes and denies the rest.
func (authz) OnRequest(ctx context.Context, req *extprocpb.Request) (*extprocpb.Decision, error) {
	switch v, _ := sdk.Get(req, "x-plugin-test"); string(v) {
	case "crash":
		fmt.Fprintln(os.Stderr, "go-authz: crashing as asked")
		os.Exit(3)
	case "hang":
		<-ctx.Done()
		return nil, ctx.Err()
	case "pid":
		return sdk.Reply("bad_request", fmt.Sprintf("pid %d", os.Getpid())), nil
	}
	if v, ok := sdk.Get(req, "x-allow"); !ok || string(v) != "yes" {
		return sdk.Reply("bad_request", "denied by plugin"), nil
	}
	d := sdk.Continue()
	d.SetHeaders = []*extprocpb.Header{{Key: "x-plugin", Value: []byte("go")}}
	d.RemoveHeaders = []string{"x-allow"}
	return d, nil
}

func main() {
	sdk.Serve(authz{})
}
