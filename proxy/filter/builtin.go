package filter

import "github.com/xgate/xgate/proxy/config"

func init() {
	Default.MustRegister(Define(AccessLog, parseAccessLog, buildAccessLog))
	Default.MustRegister(Define(LocalRateLimit, parseRateLimit, buildRateLimit))
	Default.MustRegister(Define(HeaderAuth, parseHeaderAuth, buildHeaderAuth))
	Default.MustRegister(Define(Fault, parseFault, buildFault))
	// Every configuration parsed from now on has its filters checked
	// against Default (names and settings, with field paths and lines).
	config.SetFilterChecker(Default)
}
