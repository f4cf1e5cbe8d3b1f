// Package peerserver is what the test peers' servers share: the
// connection bookkeeping of boltpeer and dubbopeer (accept on a listener,
// serve each connection on its own goroutine, and on Close stop accepting,
// close every connection and wait for their goroutines), and the Counter
// the HTTP and gRPC peers let tests wait on.
package peerserver

import (
	"errors"
	"math/rand/v2"
	"net"
	"sync"
)

// Server serves connections accepted from one listener.
type Server struct {
	ln    net.Listener
	serve func(net.Conn)
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// Start accepts from ln and runs serve for each connection; serve returns
// when it is done with the connection, which is then closed.
func Start(ln net.Listener, serve func(net.Conn)) *Server {
	s := &Server{ln: ln, serve: serve, conns: make(map[net.Conn]struct{})}
	s.wg.Add(1)
	go s.acceptLoop()
	return s
}

// Addr returns the listening address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops accepting, closes every connection and waits for them.
func (s *Server) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				_ = c.Close()
			}()
			s.serve(c)
		}()
	}
}

// Shuffle puts batch in random order (a server answering out of order) and
// returns how many items moved from their place.
func Shuffle[T any](batch []T) int {
	order := make([]int, len(batch))
	for i := range order {
		order[i] = i
	}
	rand.Shuffle(len(batch), func(i, j int) {
		batch[i], batch[j] = batch[j], batch[i]
		order[i], order[j] = order[j], order[i]
	})
	moved := 0
	for i, o := range order {
		if i != o {
			moved++
		}
	}
	return moved
}
