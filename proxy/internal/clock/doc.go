// Package clock is the time source of the proxy's background loops (active
// health checks, DNS refresh): the real clock in production, a fake one in
// tests, so that a test moves time on instead of sleeping.
package clock
