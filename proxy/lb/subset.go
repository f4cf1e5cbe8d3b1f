package lb

import (
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
)

// buildSubsets partitions the hosts by their values of the subset keys and
// builds each subset's own structures (ring, table, ...), reusing the
// ring scale of the same subset in prev.
func (t *Table) buildSubsets(weights []uint32, prev *Table) {
	keys := t.cfg.SubsetKeys
	byID := make(map[string]int)
	var members [][]int32
	var values [][]string
	var id strings.Builder
	for i, h := range t.hosts {
		md := h.Metadata()
		v := make([]string, len(keys))
		ok := true
		for k, key := range keys {
			if v[k], ok = md[key]; !ok {
				break
			}
		}
		if !ok {
			continue
		}
		id.Reset()
		for _, s := range v {
			id.WriteString(strconv.Quote(s))
		}
		s, seen := byID[id.String()]
		if !seen {
			s = len(members)
			byID[id.String()] = s
			members = append(members, nil)
			values = append(values, v)
		}
		members[s] = append(members[s], int32(i))
	}
	t.index = make(map[uint64][]int32, len(members))
	for s := range members {
		var pg *group
		if prev != nil {
			if ps := prev.findSubset(values[s]); ps >= 0 {
				pg = prev.subsets[ps]
			}
		}
		t.subsets = append(t.subsets, t.newGroup(values[s], members[s], weights, pg))
		hv := hashValues(values[s])
		t.index[hv] = append(t.index[hv], int32(s))
	}
}

// findSubset returns the subset whose values are exactly values, or -1.
func (t *Table) findSubset(values []string) int {
	if len(values) != len(t.cfg.SubsetKeys) || len(t.subsets) == 0 {
		return -1
	}
	for _, s := range t.index[hashValues(values)] {
		if slices.Equal(t.subsets[s].values, values) {
			return int(s)
		}
	}
	return -1
}

// hashValues combines the hashes of a subset's values, in order.
func hashValues(values []string) uint64 {
	h := uint64(len(values))
	for _, v := range values {
		h = bits.RotateLeft64(h, 27) ^ xxhash.Sum64String(v)
		h *= 0x9e3779b97f4a7c15
	}
	return h
}
