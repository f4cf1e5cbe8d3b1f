package fuzz

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Committed seed corpora: testdata/fuzz/<Target>/ holds, for every fuzz
// target of this package, files in the format `go test` reads (and writes
// for a failing input), so that `go test ./fuzz` runs them as regression
// tests and a fuzzing run starts from them. TestWriteSeedCorpus writes
// them from the same seed functions the targets pass to f.Add; run
//
//	XGATE_WRITE_CORPUS=1 go test -run '^TestWriteSeedCorpus$' ./fuzz
//
// after changing seeds. Inputs the fuzzer found are committed beside them
// under descriptive names.

// corpusMaxFiles and corpusMaxBytes keep committed corpora small.
const (
	corpusMaxFiles = 64
	corpusMaxBytes = 8 << 10
)

// bytesSeeds adapts a target with one []byte argument.
func bytesSeeds(seeds func(testing.TB) [][]byte) func(testing.TB) [][]any {
	return func(t testing.TB) [][]any {
		var out [][]any
		for _, s := range seeds(t) {
			out = append(out, []any{s})
		}
		return out
	}
}

// fuzzSeeds maps every fuzz target of this package to the seeds it adds
// with f.Add, as argument lists.
var fuzzSeeds = map[string]func(testing.TB) [][]any{
	"FuzzBoltDecode":            bytesSeeds(boltSeeds),
	"FuzzConfig":                bytesSeeds(configSeeds),
	"FuzzDetect":                bytesSeeds(func(testing.TB) [][]byte { return detectSeeds }),
	"FuzzMatchDisjointMonotone": bytesSeeds(func(testing.TB) [][]byte { return matchSeeds }),
	"FuzzDubboDecode":           bytesSeeds(dubboSeeds),
	"FuzzDubboBody":             bytesSeeds(dubboBodySeeds),
	"FuzzHTTP1RequestHead":      bytesSeeds(http1SeedBytes),
	"FuzzHTTP1Differential":     bytesSeeds(http1SeedBytes),
	"FuzzHTTP1Session": func(testing.TB) [][]any {
		var out [][]any
		for _, s := range http1SessionSeeds() {
			out = append(out, []any{s.data, s.step})
		}
		return out
	},
	"FuzzHTTP2Session": bytesSeeds(http2Seeds),
	"FuzzHTTP2Frames":  bytesSeeds(h2FrameSeeds),
	"FuzzThriftDecode": bytesSeeds(thriftDecodeSeeds),
	"FuzzThriftHeader": bytesSeeds(thriftHeaderSeeds),
}

// http1SeedBytes is http1Seeds as byte slices.
func http1SeedBytes(testing.TB) [][]byte {
	var out [][]byte
	for _, s := range http1Seeds() {
		out = append(out, []byte(s))
	}
	return out
}

// marshalCorpusEntry writes one input in the corpus file format of `go
// test` (version 1: a header line, then one Go expression per argument,
// formatted as the go command formats them).
func marshalCorpusEntry(args ...any) ([]byte, error) {
	b := bytes.NewBufferString("go test fuzz v1\n")
	for _, a := range args {
		switch a := a.(type) {
		case []byte:
			fmt.Fprintf(b, "[]byte(%q)\n", a)
		case byte:
			fmt.Fprintf(b, "byte(%q)\n", a)
		case string:
			fmt.Fprintf(b, "string(%q)\n", a)
		default:
			return nil, fmt.Errorf("corpus entry: unsupported argument type %T", a)
		}
	}
	return b.Bytes(), nil
}

// corpusName is the name `go test` gives a corpus file: the first 16 hex
// digits of its SHA-256.
func corpusName(entry []byte) string {
	return fmt.Sprintf("%x", sha256.Sum256(entry))[:16]
}

// TestWriteSeedCorpus writes each target's seeds into
// testdata/fuzz/<Target>/ (only with XGATE_WRITE_CORPUS=1). Seeds over
// corpusMaxBytes are left to f.Add; a target with more seeds than fit
// beside its existing files gets an even spread of them. Existing files
// are kept.
func TestWriteSeedCorpus(t *testing.T) {
	if os.Getenv("XGATE_WRITE_CORPUS") != "1" {
		t.Skip("set XGATE_WRITE_CORPUS=1 to write testdata/fuzz")
	}
	for _, target := range fuzzTargets(t) {
		seeds, ok := fuzzSeeds[target]
		if !ok {
			t.Fatalf("%s has no entry in fuzzSeeds", target)
		}
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		existing, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, e := range existing {
			have[e.Name()] = true
		}
		var entries [][]byte
		seen := map[string]bool{}
		for _, args := range seeds(t) {
			entry, err := marshalCorpusEntry(args...)
			if err != nil {
				t.Fatal(err)
			}
			if name := corpusName(entry); len(entry) <= corpusMaxBytes && !seen[name] && !have[name] {
				seen[name] = true
				entries = append(entries, entry)
			}
		}
		if room := max(corpusMaxFiles-len(existing), 0); len(entries) > room {
			// An even spread of what fits.
			spread := make([][]byte, room)
			for i := range spread {
				spread[i] = entries[i*len(entries)/room]
			}
			entries = spread
		}
		for _, entry := range entries {
			if err := os.WriteFile(filepath.Join(dir, corpusName(entry)), entry, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		written := len(entries)
		t.Logf("%s: %d seeds written beside %d existing files", target, written, len(existing))
	}
}

// fuzzTargets lists the Fuzz functions declared in this package's files.
func fuzzTargets(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	fset := token.NewFileSet()
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Fuzz") {
				targets = append(targets, fn.Name.Name)
			}
		}
	}
	slices.Sort(targets)
	if len(targets) < 13 {
		t.Fatalf("found %d fuzz targets: %v", len(targets), targets)
	}
	return targets
}

// TestEveryTargetHasCorpus fails for a fuzz target without a committed,
// non-empty, small corpus of well-formed files, and for a target missing
// from fuzzSeeds (so that the corpus can be regenerated).
func TestEveryTargetHasCorpus(t *testing.T) {
	for _, target := range fuzzTargets(t) {
		if _, ok := fuzzSeeds[target]; !ok {
			t.Errorf("%s has no entry in fuzzSeeds", target)
		}
		dir := filepath.Join("testdata", "fuzz", target)
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) == 0 {
			t.Errorf("%s has no committed corpus in %s (XGATE_WRITE_CORPUS=1 go test -run '^TestWriteSeedCorpus$' ./fuzz): %v", target, dir, err)
			continue
		}
		if len(entries) > corpusMaxFiles {
			t.Errorf("%s: %d corpus files, keep at most %d", target, len(entries), corpusMaxFiles)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte("go test fuzz v1\n")) {
				t.Errorf("%s/%s is not a corpus file", target, e.Name())
			}
			if len(b) > corpusMaxBytes+1<<10 {
				t.Errorf("%s/%s is %d bytes; keep corpus files small", target, e.Name(), len(b))
			}
		}
	}
}

// TestCorpusEntryFormat checks marshalCorpusEntry against an entry `go
// test` wrote itself (testdata/fuzz/FuzzDetect/8279f79141a2289f, a
// minimised input the fuzzer found): same bytes, same name.
func TestCorpusEntryFormat(t *testing.T) {
	const name = "8279f79141a2289f"
	want, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzDetect", name))
	if err != nil {
		t.Fatal(err)
	}
	got, err := marshalCorpusEntry([]byte("\x0100"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) || corpusName(got) != name {
		t.Fatalf("marshalCorpusEntry wrote %q (%s), go test wrote %q (%s)", got, corpusName(got), want, name)
	}
	if _, err := marshalCorpusEntry(1.5); err == nil {
		t.Fatal("a float argument was accepted")
	}
}
