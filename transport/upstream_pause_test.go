package transport

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDialedConnNeverPaused: a dialled (upstream) connection whose peer is
// slow to read our writes still has its replies read — they are what frees
// the requests piling up in its outbound buffer. Only accepted connections
// are paused by the watermarks.
func TestDialedConnNeverPaused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	upstream := make(chan net.Conn, 1)
	go func() {
		nc, err := ln.Accept()
		if err == nil {
			upstream <- nc
		}
	}()

	gotReply := make(chan int, 1)
	overWatermark := make(chan int, 1)
	srv := startServer(t, ServerOptions{HighWatermark: 64 << 10, Accept: acceptWith(&funcs{
		open: func(c *Conn) {
			c.Loop().Dial(ln.Addr().String(), failsafe, &funcs{
				open: func(u *Conn) {
					// The peer reads nothing: most of this stays with us.
					u.Write(make([]byte, 32<<20))
				},
				data: func(u *Conn, p []byte) int {
					overWatermark <- u.Outbound()
					gotReply <- len(p)
					return len(p)
				},
			})
		},
	})})
	client := dial(t, srv.Address())
	defer client.Close()

	up := recv(t, upstream, "upstream accept")
	defer up.Close()
	require.NoError(t, up.SetDeadline(time.Now().Add(failsafe)))
	_, err = up.Write([]byte("reply"))
	require.NoError(t, err)
	assert.Equal(t, len("reply"), recv(t, gotReply, "reply on the dialled connection"))
	assert.Greater(t, recv(t, overWatermark, "outbound"), 64<<10, "the test did not exceed the watermark")
}
