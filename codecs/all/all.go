// Package all registers every codec shipped with Xgate. Import it for its
// side effect; a new codec adds one line here.
package all

import (
	_ "github.com/xgate/xgate/codecs/bolt"  // SOFA Bolt v1
	_ "github.com/xgate/xgate/codecs/dubbo" // Dubbo 2.x (hessian2)
	_ "github.com/xgate/xgate/codecs/thrift"
)
