package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleBench = `goos: linux
pkg: github.com/xgate/xgate/codecs/bolt
BenchmarkForward-2   	 1000000	      845.5 ns/op	 1111.05 MB/s	       0 B/op	       0 allocs/op
BenchmarkForward-2   	 1000000	      800.0 ns/op	 1111.05 MB/s	       0 B/op	       0 allocs/op
BenchmarkUnknown/sub-2   	 10	      12 ns/op	       3 B/op	       1 allocs/op
PASS
`

func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMicroTableAndReadBench(t *testing.T) {
	table, err := microTable(writeTemp(t, "micro.txt", sampleBench))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table, "| bolt | Forward | hot path:") || !strings.Contains(table, "| bolt | Unknown/sub |  | 12 | 3 | 1 |") {
		t.Fatalf("table:\n%s", table)
	}
	best, order, err := readBench(writeTemp(t, "b.txt", sampleBench))
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != 2 || best["Forward"].ns != 800 {
		t.Fatalf("best %v order %v: want the fastest Forward run (800 ns)", best, order)
	}
	if _, err := microTable(writeTemp(t, "empty.txt", "PASS\n")); err == nil {
		t.Fatal("no benchmark lines must be an error")
	}
}

func TestReplaceSection(t *testing.T) {
	p := writeTemp(t, "doc.md", "a\n<!-- generated:x -->\nold\n<!-- /generated:x -->\nb\n")
	if err := replaceSection(p, "x", "new\n"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "a\n<!-- generated:x -->\nnew\n<!-- /generated:x -->\nb\n" {
		t.Fatalf("got %q", got)
	}
	if err := replaceSection(p, "missing", "z"); err == nil {
		t.Fatal("missing markers must be an error")
	}
}

func TestCPUTicksAndMedian(t *testing.T) {
	if _, err := cpuTicks(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	if rssMB(os.Getpid()) <= 0 {
		t.Fatal("no RSS for this process")
	}
	m := median([]*Result{{ReqPerSec: 3}, {ReqPerSec: 1}, {ReqPerSec: 2}})
	if m.ReqPerSec != 2 || medianF([]float64{5, 1, 9}) != 5 || medianF(nil) != 0 {
		t.Fatal("median")
	}
}
