package http1_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/http1"
	xh2 "github.com/xgate/xgate/codecs/http2"
	"github.com/xgate/xgate/xprotocol"
)

// hop is one connection: a client session and the server session that
// reads what it writes, in memory.
type hop struct{ cli, srv xprotocol.Session }

func h1Hop() hop { return hop{newClient(), newServer()} }

func h2Hop() hop {
	return hop{
		xh2.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleClient}),
		xh2.Proto.NewSession(xprotocol.SessionOptions{Role: xprotocol.RoleServer}),
	}
}

// pass encodes frames with from (and whatever from has pending: the
// HTTP/2 preface and SETTINGS), decodes the bytes with to and returns the
// frames to decoded. Callers release both.
func pass(t *testing.T, from, to xprotocol.Session, frames ...xprotocol.Frame) []xprotocol.Frame {
	t.Helper()
	wire := []byte(encode(t, from, frames...))
	if fl, ok := from.(xprotocol.Flusher); ok {
		wire = fl.AppendPending(wire)
	}
	var got []xprotocol.Frame
	for len(wire) > 0 {
		f, n, err := to.Decode(wire)
		require.NoError(t, err)
		wire = wire[n:]
		if f != nil {
			got = append(got, f)
		}
	}
	require.NotEmpty(t, got)
	return got
}

func release(frames []xprotocol.Frame) {
	for _, f := range frames {
		f.Release()
	}
}

// reply is the gateway's error reply through one codec's ErrorReply.
type reply func(req xprotocol.Frame, st xprotocol.Status, msg string) xprotocol.Frame

// translate runs one exchange through a gateway: the client's request
// crosses down (client to gateway), then up (gateway to upstream); the
// upstream answers with build's error reply for st, which crosses up back
// to the gateway and then down back to the client. It returns the status
// the client reads and the response's Retry-After.
func translate(t *testing.T, down, up hop, build reply, st xprotocol.Status) (xprotocol.Status, string) {
	t.Helper()
	req := xh2.NewRequest(1, [][2]string{{":method", "GET"}, {":scheme", "http"}, {":authority", "a.example"}, {":path", "/"}}, nil, true)
	atGateway := pass(t, down.cli, down.srv, req)
	req.Release()
	id := atGateway[0].StreamID()
	atUpstream := pass(t, up.cli, up.srv, atGateway...)
	release(atGateway)
	r := build(atUpstream[0], st, "busy")
	require.NotNil(t, r)
	release(atUpstream)
	back := pass(t, up.srv, up.cli, r)
	r.Release()
	assert.Equal(t, st, back[0].Status(), "%s: the gateway reads its upstream's reply", st)
	for _, f := range back {
		f.SetStreamID(id)
	}
	final := pass(t, down.srv, down.cli, back...)
	release(back)
	defer release(final)
	v, _ := final[0].Header().Get("retry-after")
	return final[0].Status(), string(v)
}

// TestErrorReplyTranslates: an error reply built by either codec reads
// back as the same status in the other after the gateway translated it,
// overload included (a 503 with Retry-After, not a codec-private marker).
func TestErrorReplyTranslates(t *testing.T) {
	for st := xprotocol.StatusOK; st <= xprotocol.StatusUnknown; st++ {
		wantRetry := ""
		if st == xprotocol.StatusOverload {
			wantRetry = "1"
		}
		// HTTP/1.1 client, HTTP/2 upstream answering with its ErrorReply.
		got, retry := translate(t, h1Hop(), h2Hop(), xh2.Proto.ErrorReply, st)
		assert.Equal(t, st, got, "%s: HTTP/2 reply read by an HTTP/1.1 client", st)
		assert.Equal(t, wantRetry, retry, st.String())
		// HTTP/2 client, HTTP/1.1 upstream answering with its ErrorReply.
		got, retry = translate(t, h2Hop(), h1Hop(), http1.Proto.ErrorReply, st)
		assert.Equal(t, st, got, "%s: HTTP/1.1 reply read by an HTTP/2 client", st)
		assert.Equal(t, wantRetry, retry, st.String())
	}
}

// TestErrorReplyOtherCodec: one codec's error reply, encoded by the other
// codec's server session (the gateway answering a client itself with the
// upstream protocol's reply), reads back as its status in that codec's
// client session.
func TestErrorReplyOtherCodec(t *testing.T) {
	for st := xprotocol.StatusOK; st <= xprotocol.StatusUnknown; st++ {
		for _, tc := range []struct {
			name  string
			hop   func() hop
			build reply
		}{
			{"http2 reply over http1", h1Hop, xh2.Proto.ErrorReply},
			{"http1 reply over http2", h2Hop, http1.Proto.ErrorReply},
		} {
			h := tc.hop()
			req := xh2.NewRequest(1, [][2]string{{":method", "GET"}, {":scheme", "http"}, {":authority", "a.example"}, {":path", "/"}}, nil, true)
			in := pass(t, h.cli, h.srv, req)
			req.Release()
			r := tc.build(in[0], st, "busy")
			require.NotNil(t, r)
			release(in)
			out := pass(t, h.srv, h.cli, r)
			r.Release()
			assert.Equal(t, st, out[0].Status(), "%s: %s", tc.name, st)
			_, retry := out[0].Header().Get("retry-after")
			assert.Equal(t, st == xprotocol.StatusOverload, retry, "%s: %s", tc.name, st)
			release(out)
		}
	}
}
