// Package h2spec runs the h2spec HTTP/2 conformance tool
// (github.com/summerwind/h2spec) against a server and reads its JUnit
// report: how many of its test cases passed, failed and were skipped, and
// which failed (by h2spec's own ids, e.g. "http2/5.1/3", which it accepts
// back as arguments to run just those).
//
// Install the tool with
//
//	go install github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible
//
// By default h2spec speaks h2c with prior knowledge (no TLS) to
// 127.0.0.1:80, path "/", with a 2 s timeout per test case.
package h2spec

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrNotInstalled is returned (wrapped) by Path and Run when the h2spec
// binary is in neither place Path looks.
var ErrNotInstalled = errors.New("h2spec: binary not found (go install github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible)")

// Path returns the h2spec binary: the one on $PATH, else $(go env
// GOPATH)/bin/h2spec (for each GOPATH entry), else an error wrapping
// ErrNotInstalled.
func Path() (string, error) {
	if p, err := exec.LookPath("h2spec"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		}
	}
	if gopath == "" {
		if home, err := os.UserHomeDir(); err == nil {
			gopath = filepath.Join(home, "go")
		}
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "h2spec")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

// Outcome is how one test case ended.
type Outcome int

// Outcomes.
const (
	Passed Outcome = iota
	Failed
	Skipped
)

// String returns "passed", "failed" or "skipped".
func (o Outcome) String() string {
	switch o {
	case Passed:
		return "passed"
	case Failed:
		return "failed"
	case Skipped:
		return "skipped"
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// Case is one h2spec test case.
type Case struct {
	// ID is h2spec's id of the case, e.g. "http2/5.1/3" (group id, then
	// the case's number in its group).
	ID string
	// Group is the title of its group, e.g. "5.1. Stream States".
	Group string
	// Description says what the case sends, e.g. "Sends a DATA frame".
	Description string
	// Outcome is whether it passed, failed or was skipped.
	Outcome Outcome
	// Message is what h2spec expected and what it got, for a failure.
	Message string
	// Duration is how long the case ran.
	Duration time.Duration
}

// Result is what one h2spec run reported.
type Result struct {
	// Tests, Passed, Failed and Skipped count the test cases (Failed
	// counts JUnit failures and errors alike).
	Tests, Passed, Failed, Skipped int
	// Cases are all the cases run, in h2spec's order.
	Cases []Case
	// Failures are the failed cases.
	Failures []Case
	// Output is h2spec's console output (empty for ParseReport).
	Output string
}

// FailedIDs returns the ids of the failed cases.
func (r *Result) FailedIDs() []string {
	ids := make([]string, 0, len(r.Failures))
	for _, c := range r.Failures {
		ids = append(ids, c.ID)
	}
	return ids
}

// String summarises the run like h2spec does, followed by one line per
// failure.
func (r *Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d tests, %d passed, %d skipped, %d failed", r.Tests, r.Passed, r.Skipped, r.Failed)
	for _, c := range r.Failures {
		fmt.Fprintf(&b, "\n  %s %s: %s", c.ID, c.Description, strings.ReplaceAll(c.Message, "\n", " | "))
	}
	return b.String()
}

// Run runs h2spec against host:port — "h2spec -h host -p port -j
// REPORT extra..." — and returns its parsed report. extra are more h2spec
// flags and arguments: "--strict" (also the strict cases), "-t" "-k" (TLS,
// certificate not checked), "-P" "/path", "-o" "5" (timeout per case in
// seconds), or ids of groups or cases to run ("http2/5.1",
// "generic/3.1/2"). A run with failing cases is not an error (h2spec exits
// 1 then): look at Result.Failed. Run fails when h2spec is not installed,
// cannot reach the server (it stops at once then), or ctx ends.
func Run(ctx context.Context, host, port string, extra ...string) (*Result, error) {
	bin, err := Path()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "h2spec-")
	if err != nil {
		return nil, fmt.Errorf("h2spec: %w", err)
	}
	defer os.RemoveAll(dir)
	report := filepath.Join(dir, "report.xml")
	args := append([]string{"-h", host, "-p", port, "-j", report}, extra...)
	cmd := exec.CommandContext(ctx, bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("h2spec: %w\n%s", ctx.Err(), out.String())
	}
	f, err := os.Open(report)
	if err != nil {
		// h2spec writes the report only after the last case; without one
		// it stopped early (most often: the server was not reachable).
		return nil, fmt.Errorf("h2spec %s: no report (%v): %s", strings.Join(args, " "), runErr, strings.TrimSpace(out.String()))
	}
	defer f.Close()
	res, err := ParseReport(f)
	if err != nil {
		return nil, err
	}
	res.Output = out.String()
	if cat, err := catalogue(ctx, bin, hasStrict(extra)); err == nil {
		res.renumber(cat)
	}
	return res, nil
}

func hasStrict(args []string) bool {
	for _, a := range args {
		if a == "-S" || a == "--strict" || a == "--strict=true" {
			return true
		}
	}
	return false
}

// junit is the shape of h2spec's JUnit report.
type junit struct {
	Suites []struct {
		Name    string `xml:"name,attr"`
		Package string `xml:"package,attr"`
		Cases   []struct {
			Package   string    `xml:"package,attr"`
			ClassName string    `xml:"classname,attr"`
			Time      string    `xml:"time,attr"`
			Failure   *innerXML `xml:"failure"`
			Error     *innerXML `xml:"error"`
			Skipped   *innerXML `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

type innerXML struct {
	Content string `xml:",innerxml"`
}

// ParseReport reads an h2spec JUnit report (the -j file). The report does
// not carry the cases' numbers, so each case's ID counts its position in
// its group; that is h2spec's id when the whole group ran (Run fixes the
// ids from h2spec's catalogue otherwise).
func ParseReport(r io.Reader) (*Result, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("h2spec: reading the JUnit report: %w", err)
	}
	dec := xml.NewDecoder(bytes.NewReader(xmlSafe(raw)))
	// h2spec writes messages as raw inner XML, unescaped.
	dec.Strict = false
	var doc junit
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("h2spec: reading the JUnit report: %w", err)
	}
	res := &Result{}
	for _, s := range doc.Suites {
		for i, tc := range s.Cases {
			pkg := tc.Package
			if pkg == "" {
				pkg = s.Package
			}
			c := Case{
				ID:          pkg + "/" + strconv.Itoa(i+1),
				Group:       s.Name,
				Description: tc.ClassName,
			}
			if secs, err := strconv.ParseFloat(tc.Time, 64); err == nil {
				c.Duration = time.Duration(secs * float64(time.Second))
			}
			switch {
			case tc.Failure != nil:
				c.Outcome, c.Message = Failed, unescape(tc.Failure.Content)
			case tc.Error != nil:
				c.Outcome, c.Message = Failed, unescape(tc.Error.Content)
			case tc.Skipped != nil:
				c.Outcome = Skipped
			}
			res.add(c)
		}
	}
	if res.Tests == 0 {
		return nil, errors.New("h2spec: the JUnit report lists no test cases")
	}
	return res, nil
}

func (r *Result) add(c Case) {
	r.Tests++
	r.Cases = append(r.Cases, c)
	switch c.Outcome {
	case Passed:
		r.Passed++
	case Failed:
		r.Failed++
		r.Failures = append(r.Failures, c)
	case Skipped:
		r.Skipped++
	}
}

func unescape(s string) string {
	s = strings.TrimSpace(s)
	var v struct {
		S string `xml:",chardata"`
	}
	if err := xml.Unmarshal([]byte("<m>"+s+"</m>"), &v); err == nil {
		return v.S
	}
	return s
}

// renumber sets each case's ID from the catalogue: the number of the
// first not yet used case with the same description in the same group.
func (r *Result) renumber(cat map[string][]int) {
	used := map[string]int{}
	fix := func(c *Case) {
		group := c.ID[:strings.LastIndexByte(c.ID, '/')]
		key := group + "\x00" + c.Description
		seqs := cat[key]
		if n := used[key]; n < len(seqs) {
			c.ID = group + "/" + strconv.Itoa(seqs[n])
			used[key] = n + 1
		}
	}
	for i := range r.Cases {
		fix(&r.Cases[i])
	}
	r.Failures = r.Failures[:0]
	for _, c := range r.Cases {
		if c.Outcome == Failed {
			r.Failures = append(r.Failures, c)
		}
	}
}

// catalogue lists every case h2spec has (its --dryrun output) as group id
// and description → case numbers.
func catalogue(ctx context.Context, bin string, strict bool) (map[string][]int, error) {
	args := []string{"--dryrun"}
	if strict {
		args = append(args, "--strict")
	}
	out, err := exec.CommandContext(ctx, bin, args...).Output()
	if err != nil {
		return nil, err
	}
	return parseDryRun(bytes.NewReader(out))
}

// rootKeys are the keys of h2spec's top-level groups, in the order it
// runs (and lists) them.
var rootKeys = []string{"generic", "http2", "hpack"}

// parseDryRun reads "h2spec --dryrun": top-level group names unindented,
// then groups ("3.1. DATA") and cases ("1: Sends a DATA frame") indented
// by two spaces a level.
func parseDryRun(r io.Reader) (map[string][]int, error) {
	cat := map[string][]int{}
	root, group := -1, ""
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		text := strings.TrimLeft(line, " ")
		if text == "" {
			continue
		}
		if text == line { // unindented: a top-level group
			root++
			group = ""
			continue
		}
		if root < 0 || root >= len(rootKeys) {
			return nil, fmt.Errorf("h2spec: unexpected dry-run line %q", line)
		}
		if num, desc, ok := strings.Cut(text, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil && group != "" {
				key := rootKeys[root] + "/" + group + "\x00" + desc
				cat[key] = append(cat[key], n)
				continue
			}
		}
		if section, _, ok := strings.Cut(text, ". "); ok {
			group = section
			continue
		}
		return nil, fmt.Errorf("h2spec: unexpected dry-run line %q", line)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(cat) == 0 {
		return nil, errors.New("h2spec: empty dry run")
	}
	return cat, nil
}

// xmlSafe replaces what XML 1.0 cannot carry — control characters and
// invalid UTF-8, which h2spec copies from response bodies into failure
// messages — with U+FFFD, so the report parses whatever the server sent.
func xmlSafe(b []byte) []byte {
	b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	return bytes.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			return '\uFFFD'
		}
		return r
	}, b)
}
