// Package extensions shows the two in-process extension points written
// from scratch, as docs/adding-a-protocol.md walks through them:
//
//   - Stamp, a stream filter (proxy/filter) that sets a header on every
//     response, whatever the protocol;
//   - VersionPin, a route plugin (proxy/route) that keeps the hosts whose
//     metadata version matches the request's, with a version pushed at run
//     time for requests that name none.
//
// Importing the package registers both in the default registries (one
// blank import in the binary's main, like a codec):
//
//	import _ "github.com/xgate/xgate/examples/extensions"
//
// and a configuration uses them by name:
//
//	listeners:
//	  - name: edge
//	    filters: [{name: stamp, config: {header: x-served-by, value: edge-1}}]
//	    routes:
//	      - match: {service: toy.Echo}
//	        cluster: echo
//	        plugins: [{name: version_pin, config: {header: x-version}}]
package extensions

import (
	"github.com/xgate/xgate/proxy/filter"
	"github.com/xgate/xgate/proxy/route"
)

func init() {
	if err := filter.Register(Stamp); err != nil {
		panic(err)
	}
	route.Register(NewVersionPin())
}
