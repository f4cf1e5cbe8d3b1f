// Package h2test runs xgate HTTP/2 sessions over real connections for
// tests: Server drives a server session per accepted connection the way
// the engine does (decode a batch, hand the frames to a Handler, write
// AppendPending output), with Echo as a ready handler; Client drives a
// client session from one goroutine and hands each stream's frames to the
// caller on a channel.
package h2test
