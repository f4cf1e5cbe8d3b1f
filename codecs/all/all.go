// Package all registers every codec shipped with Xgate. Import it for its
// side effect; a new codec adds one line here. Registration order is the
// detection order of an `auto` listener.
package all

import (
	_ "github.com/xgate/xgate/codecs/bolt"  // SOFA Bolt v1 and v2
	_ "github.com/xgate/xgate/codecs/dubbo" // Dubbo 2.x (hessian2)
	_ "github.com/xgate/xgate/codecs/http1" // HTTP/1.1
	_ "github.com/xgate/xgate/codecs/http2" // HTTP/2 (h2c, h2 over TLS) and gRPC
	_ "github.com/xgate/xgate/codecs/thrift"
)
