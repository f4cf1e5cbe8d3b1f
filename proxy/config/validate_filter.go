package config

import (
	"fmt"
	"slices"
)

// filters checks a listener's filters: each has a name, the name is
// registered, and the filter accepts its settings. Problems in settings
// are reported at `path[i].config.key`, or at `path[i].config` for the
// settings as a whole, on the line of config (its value is kept as JSON,
// so its keys have no lines of their own).
func (v *validator) filters(path string, fs []Filter) {
	checker := currentFilterChecker()
	var names []string
	if checker != nil {
		names = checker.FilterNames()
	}
	for i := range fs {
		f := &fs[i]
		fpath := fmt.Sprintf("%s[%d]", path, i)
		if f.Name == "" {
			v.fail(fpath+".name", "is required (the name of a registered filter, e.g. access_log)")
			continue
		}
		if checker == nil {
			continue
		}
		if !slices.Contains(names, f.Name) {
			v.fail(fpath+".name", "unknown filter %q (registered: %s)", f.Name, shortList(names))
			continue
		}
		for _, p := range checker.CheckFilter(f.Name, f.Config) {
			if p.Key == "" {
				v.fail(fpath+".config", "%s", p.Msg)
			} else {
				v.fail(fpath+".config."+p.Key, "%s", p.Msg)
			}
		}
	}
}
