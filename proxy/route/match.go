package route

import (
	"regexp"

	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/xprotocol"
)

// matchKind is how a condition tests a value.
type matchKind uint8

const (
	matchExact matchKind = iota + 1
	matchPrefix
	matchRegex
	matchPresent
)

// stringMatcher is one compiled condition on a value.
type stringMatcher struct {
	kind   matchKind
	s      string
	re     *regexp.Regexp
	invert bool
}

// test reports whether the condition holds for v (present says whether
// the value is there at all). It allocates nothing.
func (m *stringMatcher) test(v []byte, present bool) bool {
	ok := false
	if present {
		switch m.kind {
		case matchExact:
			ok = string(v) == m.s
		case matchPrefix:
			ok = len(v) >= len(m.s) && string(v[:len(m.s)]) == m.s
		case matchRegex:
			ok = m.re.Match(v)
		case matchPresent:
			ok = true
		}
	}
	return ok != m.invert
}

func exactMatcher(s string) stringMatcher  { return stringMatcher{kind: matchExact, s: s} }
func prefixMatcher(s string) stringMatcher { return stringMatcher{kind: matchPrefix, s: s} }

// compileStringMatch turns a configured condition into a matcher; it
// refuses a condition that sets none or several tests.
func compileStringMatch(sm config.StringMatch) (stringMatcher, string) {
	m := stringMatcher{invert: sm.Invert}
	n := 0
	if sm.Exact != "" {
		m.kind, m.s = matchExact, sm.Exact
		n++
	}
	if sm.Prefix != "" {
		m.kind, m.s = matchPrefix, sm.Prefix
		n++
	}
	if sm.Regex != "" {
		re, err := config.AnchoredRegexp(sm.Regex)
		if err != nil {
			return m, "invalid regex: " + err.Error()
		}
		m.kind, m.re = matchRegex, re
		n++
	}
	if sm.Present {
		m.kind = matchPresent
		n++
	}
	switch {
	case n == 0:
		return m, "set one of exact, prefix, regex or present: true"
	case n > 1:
		return m, "set only one of exact, prefix, regex and present"
	}
	return m, ""
}

// keyCondition tests a generic routing key; a key is present when the
// frame reports it non-empty.
type keyCondition struct {
	key xprotocol.Key
	m   stringMatcher
}

// headerCondition tests a header; a header is present when Get finds it,
// even empty.
type headerCondition struct {
	name string
	m    stringMatcher
}

// protocolSet is the frame protocol names a route takes; nil takes any.
type protocolSet []string

func (s protocolSet) has(name string) bool {
	for _, p := range s {
		if p == name {
			return true
		}
	}
	return false
}

// intersect returns the names in both sets (nil stands for every name).
func (s protocolSet) intersect(o protocolSet) protocolSet {
	switch {
	case s == nil:
		return o
	case o == nil:
		return s
	}
	out := protocolSet{}
	for _, p := range s {
		if o.has(p) {
			out = append(out, p)
		}
	}
	return out
}

// matchProtocols is the set a route's match.protocol names: the protocol
// and every registered alias of it.
func matchProtocols(name string, reg *xprotocol.Registry) protocolSet {
	set := protocolSet{name}
	for _, p := range reg.List() {
		if a, ok := p.(xprotocol.Alias); ok && a.AliasOf() == name {
			set = append(set, p.Name())
		}
	}
	return set
}

// clusterProtocols is the set a cluster serves: nil when it speaks the
// request's protocol, else its protocol and every protocol of its family.
func clusterProtocols(c Cluster, reg *xprotocol.Registry) protocolSet {
	name := c.Protocol()
	if name == "" {
		return nil
	}
	set := protocolSet{name}
	p, ok := reg.Lookup(name)
	if !ok {
		return set
	}
	if fam := xprotocol.FamilyOf(p); fam != "" {
		for _, q := range reg.List() {
			if q.Name() != name && xprotocol.FamilyOf(q) == fam {
				set = append(set, q.Name())
			}
		}
	}
	return set
}

// matches reports whether every condition of r holds for f.
func (r *Route) matches(f xprotocol.Frame) bool {
	if r.protocols != nil && !r.protocols.has(f.Protocol()) {
		return false
	}
	for i := range r.keys {
		c := &r.keys[i]
		v := f.Key(c.key)
		if !c.m.test(v, len(v) > 0) {
			return false
		}
	}
	if len(r.headers) > 0 {
		h := f.Header()
		for i := range r.headers {
			c := &r.headers[i]
			var v []byte
			ok := false
			if h != nil {
				v, ok = h.Get(c.name)
			}
			if !c.m.test(v, ok) {
				return false
			}
		}
	}
	return true
}
