package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xgate/xgate/codecs/dubbo"
	"github.com/xgate/xgate/codecs/dubbo/dubbopeer"
	"github.com/xgate/xgate/codecs/thrift/thriftpeer"
	"github.com/xgate/xgate/xprotocol"
)

func TestHistogramBuckets(t *testing.T) {
	prev := -1
	for _, v := range []uint64{0, 1, 127, 128, 255, 256, 257, 511, 512, 1000, 1 << 20, 1<<20 + 12345, 1 << 40, 1<<64 - 1} {
		i := histIndex(v)
		require.Less(t, i, histBuckets, "index of %d", v)
		require.GreaterOrEqual(t, i, prev, "index must grow with the value (%d)", v)
		prev = i
		require.LessOrEqual(t, histLow(i), v, "bucket %d low end above %d", i, v)
		require.GreaterOrEqual(t, histHigh(i), v, "bucket %d high end below %d", i, v)
		// Relative width under 1/128.
		require.LessOrEqual(t, float64(histHigh(i)-histLow(i)), float64(v)/histSub+1, "bucket of %d too wide", v)
	}
	for i := 1; i < histBuckets; i++ {
		require.Equal(t, histHigh(i-1)+1, histLow(i), "buckets %d and %d must be contiguous", i-1, i)
	}
}

func TestHistogramQuantiles(t *testing.T) {
	h := NewHistogram()
	require.Zero(t, h.Quantile(0.99))
	vals := make([]uint64, 100000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range vals {
		vals[i] = uint64(rng.ExpFloat64() * 50000) // ~50 µs mean, long tail
		h.Record(vals[i])
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := vals[int(q*float64(len(vals)))-1]
		got := h.Quantile(q)
		require.GreaterOrEqual(t, got, exact, "q%.3f", q)
		require.LessOrEqual(t, float64(got), float64(exact)*1.01+1, "q%.3f: %d vs exact %d", q, got, exact)
	}
	require.Equal(t, vals[len(vals)-1], h.Max())
	require.Equal(t, vals[0], h.Min())
	require.Equal(t, h.Max(), h.Quantile(1))

	// Merge adds counts and keeps the extremes.
	o := NewHistogram()
	o.Record(7)
	o.Record(1 << 30)
	h.Merge(o)
	require.Equal(t, uint64(len(vals)+2), h.Count())
	require.Equal(t, uint64(1<<30), h.Max())
}

func TestHistogramRecordDoesNotAllocate(t *testing.T) {
	h := NewHistogram()
	v := uint64(1)
	require.Zero(t, testing.AllocsPerRun(1000, func() { h.Record(v); v = v*3 + 1 }))
}

func TestParseHTTP1Response(t *testing.T) {
	for _, tc := range []struct {
		name, in   string
		status, n  int
		incomplete bool
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1", 200, 41, false},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n", 200, 68, false},
		{"no body", "HTTP/1.1 204 No Content\r\n\r\n", 204, 27, false},
		{"1xx", "HTTP/1.1 100 Continue\r\n\r\n", 100, 25, false},
		{"partial head", "HTTP/1.1 200 OK\r\nContent-Le", 0, 0, true},
		{"partial body", "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc", 0, 0, true},
		{"partial chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab", 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, n, err := parseHTTP1Response([]byte(tc.in))
			if tc.incomplete {
				require.ErrorIs(t, err, xprotocol.ErrIncomplete)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.status, status)
			require.Equal(t, tc.n, n)
		})
	}
	_, _, err := parseHTTP1Response([]byte("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc"))
	require.Error(t, err)
	require.False(t, errors.Is(err, xprotocol.ErrIncomplete))
}

// TestLoadAgainstEchoServers runs the tool for about a second against each
// protocol's echo server, directly.
func TestLoadAgainstEchoServers(t *testing.T) {
	for _, tc := range []struct {
		protocol, variant string
		peer              bool
	}{
		{"bolt", "", false}, {"dubbo", "", false}, {"dubbo", "", true}, {"thrift", "framed-binary", false},
		{"thrift", "framed-compact", false}, {"thrift", "compact", false}, {"thrift", "binary", true},
		{"thrift", "framed-compact", true}, {"http1", "", false}, {"h2", "", false}, {"grpc", "", false},
	} {
		t.Run(fmt.Sprintf("%s/%s/peer=%v", tc.protocol, tc.variant, tc.peer), func(t *testing.T) {
			s, err := startEcho(tc.protocol, tc.variant, "127.0.0.1:0", tc.peer)
			require.NoError(t, err)
			t.Cleanup(s.close)
			n := 8
			if tc.variant == "binary" || tc.variant == "compact" {
				n = 1
			}
			res, err := load(&options{protocol: tc.protocol, variant: tc.variant, addr: s.addr, conns: 2, inFlight: n,
				duration: time.Second, drain: 5 * time.Second, payload: 100})
			require.NoError(t, err)
			require.Positive(t, res.Requests)
			require.Zero(t, res.ErrorsTotal, "errors: %v", res.Errors)
			require.Positive(t, res.ReqPerSec)
			require.Positive(t, res.Latency.P99)
			require.GreaterOrEqual(t, res.Latency.Max, res.Latency.P99)
		})
	}
}

// TestRequestsModeAndJSON: -requests sends exactly that many, and -json
// prints a Result.
func TestRequestsModeAndJSON(t *testing.T) {
	s, err := startEcho("bolt", "", "127.0.0.1:0", false)
	require.NoError(t, err)
	t.Cleanup(s.close)
	var out, errOut bytes.Buffer
	code := run([]string{"-protocol", "bolt", "-addr", s.addr, "-c", "3", "-n", "5", "-requests", "1000", "-json"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	var res Result
	require.NoError(t, json.Unmarshal(out.Bytes(), &res))
	require.Equal(t, uint64(1000), res.Requests)
	require.Zero(t, res.ErrorsTotal)

	out.Reset()
	require.Equal(t, 0, run([]string{"-protocol", "bolt", "-addr", s.addr, "-requests", "10"}, &out, &errOut))
	require.Contains(t, out.String(), "10 ok, 0 errors")
}

// TestUnreachableAndBadFlags: connection failures are counted by kind and
// bad flags are refused.
func TestUnreachableAndBadFlags(t *testing.T) {
	res, err := load(&options{protocol: "bolt", addr: "127.0.0.1:1", conns: 2, inFlight: 1, duration: 100 * time.Millisecond})
	require.NoError(t, err)
	require.Zero(t, res.Requests)
	require.Equal(t, uint64(2), res.Errors[errConnect])

	var out, errOut bytes.Buffer
	require.Equal(t, 2, run([]string{"-protocol", "bolt"}, &out, &errOut))
	require.Contains(t, errOut.String(), "-addr is required")
	errOut.Reset()
	require.Equal(t, 1, run([]string{"-protocol", "nope", "-addr", "127.0.0.1:1"}, &out, &errOut))
	require.True(t, strings.Contains(errOut.String(), "unknown protocol"), errOut.String())
	errOut.Reset()
	require.Equal(t, 1, run([]string{"-protocol", "thrift", "-variant", "binary", "-n", "2", "-addr", "127.0.0.1:1"}, &out, &errOut))
	require.Contains(t, errOut.String(), "use -c")
}

// TestFastEchoWithReferenceClients: the codec-based echo servers answer the
// reference libraries' own clients (Apache Thrift's generated client in
// every variant, dubbo-go's codec) with the value sent.
func TestFastEchoWithReferenceClients(t *testing.T) {
	for name, v := range thriftVariants {
		t.Run("thrift/"+name, func(t *testing.T) {
			s, err := startEcho("thrift", name, "127.0.0.1:0", false)
			require.NoError(t, err)
			t.Cleanup(s.close)
			c, err := thriftpeer.Dial(s.addr, thriftpeer.ClientOptions{Variant: v})
			require.NoError(t, err)
			defer c.Close()
			for _, msg := range []string{"hello", strings.Repeat("x", 300)} {
				got, err := c.Echo.Echo(context.Background(), msg)
				require.NoError(t, err)
				require.Equal(t, msg, got)
			}
		})
	}
	t.Run("dubbo", func(t *testing.T) {
		s, err := startEcho("dubbo", "", "127.0.0.1:0", false)
		require.NoError(t, err)
		t.Cleanup(s.close)
		c, err := dubbopeer.Dial(s.addr, 2*time.Second)
		require.NoError(t, err)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, msg := range []string{"hello", strings.Repeat("p", 300)} {
			r, err := c.Call(ctx, dubboService, echoMethod, msg)
			require.NoError(t, err)
			require.Equal(t, byte(dubbo.StatusOK), r.Status)
			require.Equal(t, msg, r.Value)
		}
		hb, err := c.Heartbeat(ctx)
		require.NoError(t, err)
		require.True(t, hb.Heartbeat)
	})
}
