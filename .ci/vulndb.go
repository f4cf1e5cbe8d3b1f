//go:build ignore

// vulndb.go builds a Go vulnerability database in the layout govulncheck
// reads with -db file:///DIR (index/db.json, index/modules.json,
// index/vulns.json, ID/<id>.json) from a directory of OSV JSON files, such
// as data/osv of the golang.org/x/vulndb module. .ci/run uses it when
// vuln.go.dev cannot be reached but the module proxy can serve that module.
//
//	go run .ci/vulndb.go -osv DIR -out DIR
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// entry is the part of an OSV record the indexes need.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
	} `json:"affected"`
}

type modVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	// Fixed is left out: the client then reads every entry of a module and
	// decides from its ranges, which is always right.
}

type module struct {
	Path  string    `json:"path"`
	Vulns []modVuln `json:"vulns"`
}

type vulnIndex struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
}

func main() {
	osvDir := flag.String("osv", "", "directory of OSV JSON files")
	out := flag.String("out", "", "directory to write the database to")
	flag.Parse()
	if *osvDir == "" || *out == "" {
		log.Fatal("usage: vulndb -osv DIR -out DIR")
	}
	if err := build(*osvDir, *out); err != nil {
		log.Fatal(err)
	}
}

func build(osvDir, out string) error {
	files, err := filepath.Glob(filepath.Join(osvDir, "*.json"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no OSV files in %s", osvDir)
	}
	for _, d := range []string{"ID", "index"} {
		if err := os.MkdirAll(filepath.Join(out, d), 0o755); err != nil {
			return err
		}
	}
	mods := map[string]*module{}
	var vulns []vulnIndex
	var latest time.Time
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if e.ID == "" || strings.ContainsAny(e.ID, `/\`) {
			return fmt.Errorf("%s: bad id %q", f, e.ID)
		}
		if err := os.WriteFile(filepath.Join(out, "ID", e.ID+".json"), raw, 0o644); err != nil {
			return err
		}
		vulns = append(vulns, vulnIndex{ID: e.ID, Modified: e.Modified, Aliases: e.Aliases})
		if e.Modified.After(latest) {
			latest = e.Modified
		}
		seen := map[string]bool{}
		for _, a := range e.Affected {
			path := a.Package.Name // the module path, or stdlib / toolchain
			if path == "" || seen[path] {
				continue
			}
			seen[path] = true
			m := mods[path]
			if m == nil {
				m = &module{Path: path}
				mods[path] = m
			}
			m.Vulns = append(m.Vulns, modVuln{ID: e.ID, Modified: e.Modified})
		}
	}
	var modList []*module
	for _, m := range mods {
		modList = append(modList, m)
	}
	sort.Slice(modList, func(i, j int) bool { return modList[i].Path < modList[j].Path })
	sort.Slice(vulns, func(i, j int) bool { return vulns[i].ID < vulns[j].ID })
	if err := writeJSON(filepath.Join(out, "index", "modules.json"), modList); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(out, "index", "vulns.json"), vulns); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(out, "index", "db.json"), map[string]time.Time{"modified": latest}); err != nil {
		return err
	}
	fmt.Printf("vulndb: %d entries, %d modules, written to %s\n", len(vulns), len(modList), out)
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
