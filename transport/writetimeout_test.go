package transport

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriteTimeoutClosesStalledPeer: a peer that reads nothing while
// output is pending is closed with ErrWriteTimeout after the timeout; one
// that reads slowly but steadily is not.
func TestWriteTimeoutClosesStalledPeer(t *testing.T) {
	const timeout = 500 * time.Millisecond
	closed := make(chan error, 2)
	srv := startServer(t, ServerOptions{Accept: acceptWith(&funcs{
		open: func(c *Conn) {
			c.SetWriteTimeout(timeout)
			c.Write(make([]byte, 32<<20)) // far more than the socket buffers take
		},
		close: func(_ *Conn, err error) { closed <- err },
	})})

	t.Run("stalled", func(t *testing.T) {
		start := time.Now()
		nc := dial(t, srv.Address())
		_ = nc
		err := recv(t, closed, "close of the stalled connection")
		assert.True(t, errors.Is(err, ErrWriteTimeout), "closed with %v", err)
		took := time.Since(start)
		assert.GreaterOrEqual(t, took, timeout)
		assert.Less(t, took, 5*timeout, "closed too late")
	})

	t.Run("slow reader", func(t *testing.T) {
		nc := dial(t, srv.Address())
		buf := make([]byte, 512<<10)
		deadline := time.Now().Add(4 * timeout)
		for time.Now().Before(deadline) {
			_, err := io.ReadFull(nc, buf)
			require.NoError(t, err, "a reading client was cut off")
			none(t, closed, "close of a reading connection")
			time.Sleep(timeout / 8) // the slow reader's pace, not synchronisation
		}
		require.NoError(t, nc.Close())
		recv(t, closed, "close after the client left")
	})
}
