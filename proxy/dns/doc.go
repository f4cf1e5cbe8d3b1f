// Package dns keeps a strict_dns cluster's hosts: a Watcher re-resolves the
// host names of the cluster's endpoints every refresh period, on a
// goroutine of its own, and publishes the resulting set of "ip:port"
// addresses (an atomic pointer the engine reads without locks), calling a
// change callback when the set differs from the last one.
//
// Resolution goes through the Resolver interface (*net.Resolver by
// default); tests inject a fake one and never send DNS traffic. An endpoint
// whose host is an IP literal is used as written. When resolving a name
// fails, or returns no address, the name keeps the addresses of its last
// good answer, so a DNS outage does not empty the cluster.
package dns
