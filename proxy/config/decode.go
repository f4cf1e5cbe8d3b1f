package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// maxValues bounds how many YAML values one configuration may expand to.
// yaml.Node keeps an alias as a pointer, so a few lines of nested anchors
// can stand for billions of values; walking them must stop somewhere.
const maxValues = 1 << 20

// maxMergeDepth bounds nested merge keys ("<<"), which may refer to
// themselves through an anchor.
const maxMergeDepth = 32

var (
	durationType  = reflect.TypeFor[time.Duration]()
	rawConfigType = reflect.TypeFor[RawConfig]()
)

// elementDefaults gives the starting value of a new list element, so that a
// key the file leaves out keeps its default and a key it sets to zero is a
// zero (max_frame_size: 0 is an error, not "use the default").
var elementDefaults = map[reflect.Type]func() reflect.Value{
	reflect.TypeFor[Listener](): func() reflect.Value { return reflect.ValueOf(DefaultListener()) },
	reflect.TypeFor[Cluster]():  func() reflect.Value { return reflect.ValueOf(DefaultCluster()) },
}

// keyDecoder is a struct that decodes some of its keys itself (Cluster:
// endpoints items are "host:port" or a mapping). decodeKey reports whether
// it took key p; when it did not, the key decodes as usual.
type keyDecoder interface {
	decodeKey(d *decoder, p pair, path string) bool
}

// readDocument parses data as exactly one YAML document and returns its
// root value.
func readDocument(data []byte) (*yaml.Node, *FieldError) {
	if ferr := checkText(data); ferr != nil {
		return nil, ferr
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, emptyError()
		}
		return nil, syntaxError(err, data)
	}
	root := documentRoot(&doc)
	if root == nil {
		return nil, emptyError()
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, syntaxError(err, data)
	default:
		if extra := documentRoot(&next); extra != nil {
			return nil, &FieldError{Line: extra.Line,
				Msg: "a second YAML document starts here; a configuration is a single document"}
		}
	}
	return root, nil
}

// documentRoot returns the value of a document, or nil when it has none
// (only comments, or a bare "~").
func documentRoot(doc *yaml.Node) *yaml.Node {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil
	}
	return root
}

func emptyError() *FieldError {
	return &FieldError{Msg: "the configuration is empty: at least one listener is required"}
}

// yamlLine picks the line out of the yaml.v3 parser's "yaml: line N: ..."
// messages.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// unknownAnchor is the one composer message that names no line.
var unknownAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)

// parserProblems are the messages of yaml.v3's parser, as opposed to its
// scanner. For these, v3.0.1 prints the line 0-based: it is the line where
// the enclosing collection starts, or the problem's own line when that
// collection starts on the first line. Scanner messages are 1-based.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"found undefined tag handle":             true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// syntaxError turns a yaml.v3 parse error into a FieldError with the right
// line. data has passed checkText, so reader errors (bad UTF-8, control
// characters), the only ones the parser cannot place, do not occur here.
func syntaxError(err error, data []byte) *FieldError {
	msg := err.Error()
	line := 1 // the parser omits the line when every mark it has is on line 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if parserProblems[msg] {
			line++
		}
		// A problem at the end of a file whose last line has no line
		// break is on that last line, not on the one after it.
		if last := yamlLines(data); line > last {
			line = last
		}
	} else if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		msg = strings.TrimPrefix(msg, "yaml: ")
		line = lineOf(data, []byte("*"+m[1]))
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	if strings.Contains(msg, "cannot start any token") {
		if lines := bytes.Split(data, []byte("\n")); line <= len(lines) && bytes.ContainsRune(lines[line-1], '\t') {
			msg += " (a tab: YAML indentation must use spaces)"
		}
	}
	return &FieldError{Line: line, Msg: "invalid YAML: " + msg}
}

// yamlLines counts the lines of data as the YAML reader does: a line
// break is CR LF, CR, LF, NEL, LS or PS.
func yamlLines(data []byte) int {
	lines := 1
	for i := 0; i < len(data); i++ {
		switch {
		case data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n':
			i++
			lines++
		case data[i] == '\r' || data[i] == '\n':
			lines++
		case bytes.HasPrefix(data[i:], []byte("\u0085")) || bytes.HasPrefix(data[i:], []byte("\u2028")) || bytes.HasPrefix(data[i:], []byte("\u2029")):
			lines++
		}
	}
	return lines
}

// lineOf returns the 1-based line of the first occurrence of sub in data,
// or 0.
func lineOf(data, sub []byte) int {
	i := bytes.Index(data, sub)
	if i < 0 {
		return 0
	}
	return bytes.Count(data[:i], []byte("\n")) + 1
}

// checkText refuses what the YAML reader refuses without saying where:
// invalid UTF-8 and control characters other than tab, LF and CR (YAML 1.2
// section 5.1).
func checkText(data []byte) *FieldError {
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return &FieldError{Line: line, Msg: fmt.Sprintf("invalid YAML: byte 0x%02x is not valid UTF-8", data[i])}
		case r == '\n':
			line++
		case r == '\t' || r == '\r' || r == '\u0085' || r == '\ufeff':
		case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0xfffe || r == 0xffff:
			return &FieldError{Line: line, Msg: fmt.Sprintf("invalid YAML: control character %U is not allowed", r)}
		}
		i += size
	}
	return nil
}

// decoder walks a yaml.Node tree into a Go value by its yaml tags. It does
// what yaml.v3's own decoder does not: it reports every problem rather than
// the first, names each by field path, records the line of every path for
// the validator, rejects unknown and duplicate keys, and reads
// time.Duration as a Go duration string.
type decoder struct {
	src    *source
	errs   Errors
	budget int
}

func (d *decoder) fail(path string, line int, format string, args ...any) {
	d.src.bad[path] = true
	d.errs = append(d.errs, &FieldError{Path: path, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// value decodes n into v. A null leaves v as it is, so "key:" with no value
// behaves like an absent key.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	if d.budget <= 0 {
		return
	}
	d.budget--
	line := n.Line // an alias is reported where it is used, not where it points
	if d.budget == 0 {
		d.fail(path, line, "the configuration expands to too many values through YAML aliases")
		d.src.bad[""] = true // what was decoded is truncated: do not validate it
		return
	}
	if _, ok := d.src.lines[path]; !ok {
		d.src.lines[path] = line
	}
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	if v.Type() == durationType {
		d.duration(n, v, path, line)
		return
	}
	if v.Type() == rawConfigType {
		d.raw(n, v, path, line)
		return
	}
	switch v.Kind() {
	case reflect.Pointer: // an optional block (listener tls)
		nv := reflect.New(v.Type().Elem())
		d.value(n, nv.Elem(), path)
		v.Set(nv)
	case reflect.Struct:
		d.structure(n, v, path, line)
	case reflect.Slice:
		d.list(n, v, path, line)
	case reflect.Map:
		d.dict(n, v, path, line)
	case reflect.String:
		if d.isScalar(n, path, line, "a string") {
			v.SetString(n.Value)
		}
	case reflect.Int, reflect.Int64:
		d.integer(n, v, path, line)
	case reflect.Bool:
		d.boolean(n, v, path, line)
	default:
		panic(fmt.Sprintf("config: no YAML decoding for %s at %s", v.Type(), path))
	}
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string, line int) {
	if n.Kind != yaml.MappingNode {
		d.fail(path, line, "must be a mapping of keys to values, got %s", describe(n))
		return
	}
	fields, names := yamlFields(v.Type())
	pairs := d.pairs(n, path, 0)
	present := make(map[string]bool, len(pairs))
	for _, p := range pairs {
		present[p.key] = true
	}
	for _, p := range pairs {
		child := childPath(path, p.key)
		i, ok := fields[p.key]
		if !ok {
			if guess := closest(p.key, names); guess != "" {
				d.fail(child, p.line, "unknown field %q (did you mean %q?)", p.key, guess)
				if !present[guess] {
					// The intended key is missing because of this typo;
					// do not also report it as required.
					d.src.bad[childPath(path, guess)] = true
				}
			} else {
				d.fail(child, p.line, "unknown field %q (known: %s)", p.key, strings.Join(names, ", "))
			}
			continue
		}
		d.src.lines[child] = p.line
		if kd, ok := v.Addr().Interface().(keyDecoder); ok && kd.decodeKey(d, p, child) { // v is addressable: decoding always starts from a pointer
			continue
		}
		if i = d.altField(v.Type(), i, p, child); i >= 0 {
			d.value(p.val, v.Field(i), child)
		}
	}
}

// altField picks the field that decodes the value of key p: field i (tagged
// yaml:"key") unless its type does not take the value's kind (scalar,
// mapping or list) and a field tagged alt:"key" does. This lets a key keep
// its old scalar form (match.service: name) and gain a mapping form
// (match.service: {prefix: ...}) held in a second field. It returns -1,
// having reported the problem, when no field takes the value.
func (d *decoder) altField(t reflect.Type, i int, p pair, path string) int {
	n := resolve(p.val)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" || takes(t.Field(i).Type, n.Kind) {
		return i
	}
	wants := []string{kindName(t.Field(i).Type)}
	for j := range t.NumField() {
		if t.Field(j).Tag.Get("alt") != p.key {
			continue
		}
		if takes(t.Field(j).Type, n.Kind) {
			return j
		}
		wants = append(wants, kindName(t.Field(j).Type))
	}
	if len(wants) == 1 {
		return i // the field's own decoding reports the mismatch
	}
	d.fail(path, p.line, "must be %s, got %s", strings.Join(wants, " or "), describe(n))
	return -1
}

// takes reports whether a field of type t decodes a YAML node of kind k.
func takes(t reflect.Type, k yaml.Kind) bool {
	if t == durationType || t == rawConfigType {
		return t == rawConfigType || k == yaml.ScalarNode
	}
	switch t.Kind() {
	case reflect.Pointer:
		return takes(t.Elem(), k)
	case reflect.Struct, reflect.Map:
		return k == yaml.MappingNode
	case reflect.Slice:
		return k == yaml.SequenceNode
	}
	return k == yaml.ScalarNode
}

// kindName says what a field of type t takes, for messages.
func kindName(t reflect.Type) string {
	switch {
	case takes(t, yaml.MappingNode):
		return "a mapping"
	case takes(t, yaml.SequenceNode):
		return "a list"
	case t.Kind() == reflect.String:
		return "a string"
	}
	return "a single value"
}

// raw keeps any YAML value as JSON (RawConfig), for a plugin to decode
// with its own types. Mapping keys become strings; aliases and merge keys
// are expanded by yaml.v3, which bounds alias expansion itself.
func (d *decoder) raw(n *yaml.Node, v reflect.Value, path string, line int) {
	var x any
	if err := n.Decode(&x); err != nil {
		d.fail(path, line, "cannot read the value: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return
	}
	b, err := json.Marshal(jsonValue(x))
	if err != nil {
		d.fail(path, line, "cannot be kept as JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
		return
	}
	v.SetBytes(b)
}

// jsonValue rewrites the mappings yaml.v3 decodes with non-string keys
// (map[any]any) into map[string]any, keys formatted as written.
func jsonValue(x any) any {
	switch t := x.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = jsonValue(e)
		}
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = jsonValue(e)
		}
		return m
	case []any:
		for i, e := range t {
			t[i] = jsonValue(e)
		}
	}
	return x
}

func (d *decoder) list(n *yaml.Node, v reflect.Value, path string, line int) {
	if n.Kind != yaml.SequenceNode {
		d.fail(path, line, "must be a list, got %s", describe(n))
		return
	}
	t := v.Type()
	s := reflect.MakeSlice(t, 0, len(n.Content))
	for i, item := range n.Content {
		elem := reflect.New(t.Elem()).Elem()
		if def, ok := elementDefaults[t.Elem()]; ok {
			elem.Set(def())
		}
		d.value(item, elem, fmt.Sprintf("%s[%d]", path, i))
		s = reflect.Append(s, elem)
	}
	v.Set(s)
}

// dict decodes a mapping with free-form keys (match.headers). Each entry's
// path quotes its key, e.g. headers["x-env"].
func (d *decoder) dict(n *yaml.Node, v reflect.Value, path string, line int) {
	if n.Kind != yaml.MappingNode {
		d.fail(path, line, "must be a mapping of keys to values, got %s", describe(n))
		return
	}
	t := v.Type()
	pairs := d.pairs(n, path, 0)
	m := reflect.MakeMapWithSize(t, len(pairs))
	for _, p := range pairs {
		child := fmt.Sprintf("%s[%q]", path, p.key)
		d.src.lines[child] = p.line
		elem := reflect.New(t.Elem()).Elem()
		d.value(p.val, elem, child)
		m.SetMapIndex(reflect.ValueOf(p.key).Convert(t.Key()), elem)
	}
	v.Set(m)
}

func (d *decoder) isScalar(n *yaml.Node, path string, line int, want string) bool {
	if n.Kind != yaml.ScalarNode {
		d.fail(path, line, "must be %s, got %s", want, describe(n))
		return false
	}
	return true
}

func (d *decoder) integer(n *yaml.Node, v reflect.Value, path string, line int) {
	if !d.isScalar(n, path, line, "a whole number") {
		return
	}
	if n.ShortTag() != "!!int" {
		d.fail(path, line, "must be a whole number, got %q", n.Value)
		return
	}
	var i int64
	if err := n.Decode(&i); err != nil || v.OverflowInt(i) {
		d.fail(path, line, "%s is too large", n.Value)
		return
	}
	v.SetInt(i)
}

func (d *decoder) boolean(n *yaml.Node, v reflect.Value, path string, line int) {
	if !d.isScalar(n, path, line, "true or false") {
		return
	}
	var b bool
	if n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
		d.fail(path, line, "must be true or false, got %q", n.Value)
		return
	}
	v.SetBool(b)
}

// duration reads a Go duration string. A bare 0 is accepted (it needs no
// unit); any other bare number is refused rather than guessed at.
func (d *decoder) duration(n *yaml.Node, v reflect.Value, path string, line int) {
	if !d.isScalar(n, path, line, `a duration such as "5s"`) {
		return
	}
	s := strings.TrimSpace(n.Value)
	dur, err := time.ParseDuration(s)
	if err != nil {
		if _, numErr := strconv.ParseFloat(s, 64); numErr == nil {
			d.fail(path, line, "duration %s has no unit: write e.g. %q or %q", s, s+"s", s+"ms")
		} else {
			d.fail(path, line, `invalid duration %q: want a Go duration such as "250ms", "5s" or "1m30s"`, n.Value)
		}
		return
	}
	v.SetInt(int64(dur))
}

// pair is one key of a mapping, after merge keys are expanded.
type pair struct {
	key  string
	line int
	val  *yaml.Node
}

// pairs lists the keys of mapping n in source order, reporting duplicate
// keys, then adds the keys merged in with "<<" that n does not set itself
// (YAML merge semantics: the mapping's own keys win, then earlier merged
// mappings over later ones).
func (d *decoder) pairs(n *yaml.Node, path string, depth int) []pair {
	var own, merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.fail(path, k.Line, "a key must be a plain string, got %s", describe(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			merged = append(merged, d.mergePairs(val, path, depth+1)...)
			continue
		}
		own = append(own, pair{key: k.Value, line: k.Line, val: val})
	}
	seen := make(map[string]int, len(own)+len(merged))
	out := make([]pair, 0, len(own)+len(merged))
	for _, p := range own {
		if first, dup := seen[p.key]; dup {
			d.fail(childPath(path, p.key), p.line, "duplicate key %q (first set on line %d)", p.key, first)
			continue
		}
		seen[p.key] = p.line
		out = append(out, p)
	}
	for _, p := range merged {
		if _, dup := seen[p.key]; !dup {
			seen[p.key] = p.line
			out = append(out, p)
		}
	}
	return out
}

func (d *decoder) mergePairs(val *yaml.Node, path string, depth int) []pair {
	if depth > maxMergeDepth {
		d.fail(path, val.Line, "merge keys (<<) nest more than %d deep", maxMergeDepth)
		return nil
	}
	line := val.Line
	val = resolve(val)
	switch val.Kind {
	case yaml.MappingNode:
		return d.pairs(val, path, depth)
	case yaml.SequenceNode:
		var out []pair
		for _, m := range val.Content {
			if m = resolve(m); m.Kind == yaml.MappingNode {
				out = append(out, d.pairs(m, path, depth)...)
			} else {
				d.fail(path, m.Line, "a merge key (<<) list must hold mappings, got %s", describe(m))
			}
		}
		return out
	default:
		d.fail(path, line, "a merge key (<<) must name a mapping, got %s", describe(val))
		return nil
	}
}

// resolve follows aliases to the value they name.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// describe names what a node is, for "must be X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	default:
		return "an unexpected YAML node"
	}
}

// yamlFields maps each yaml key of struct type t to its field index, and
// lists the keys in declaration order for messages.
func yamlFields(t reflect.Type) (map[string]int, []string) {
	fields := make(map[string]int, t.NumField())
	names := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		// A field tagged yaml:"-" alt:"key" is a second form of key
		// (see altField), not a key of its own.
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		fields[tag] = i
		names = append(names, tag)
	}
	return fields, names
}

// closest returns the name nearest to key by edit distance when it is close
// enough to be a likely typo ("adress" -> "address"), else "".
func closest(key string, names []string) string {
	best, bestDist := "", 3
	for _, name := range names {
		if dist := editDistance(key, name); dist < bestDist && dist < len(name) {
			best, bestDist = name, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
