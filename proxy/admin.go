package proxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/xgate/xgate/proxy/config"
)

// Admin endpoints beyond health, readiness, metrics and reload
// (gateway.go, reload.go):
//
//	GET  /config[?format=json]  the configuration in use, defaults filled in, secrets masked (MaskConfig)
//	GET  /clusters              every cluster's hosts: address, health, weight, metadata, requests and connections
//	GET  /logging               the log level
//	PUT  /logging?level=debug   changes the log level (POST too); debug, info, warn or error
//	GET  /debug/pprof/          net/http/pprof, on the admin server only
//
// The admin server binds loopback unless admin.allow_public says
// otherwise, since /config and pprof show the process's internals.
func (g *Gateway) registerAdmin(mux *http.ServeMux) {
	mux.HandleFunc("GET /config", g.handleConfig)
	mux.HandleFunc("GET /clusters", g.handleClusters)
	mux.HandleFunc("GET /logging", g.handleLogging)
	mux.HandleFunc("PUT /logging", g.handleLogging)
	mux.HandleFunc("POST /logging", g.handleLogging)
	// Registered by hand on this mux: importing net/http/pprof also adds
	// them to http.DefaultServeMux, which xgate never serves.
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}

// snapshot returns the configuration and clusters in use, consistently.
func (g *Gateway) snapshot() (*config.Config, []*cluster) {
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	return g.cfg, append([]*cluster(nil), g.clusters...)
}

// handleConfig serves GET /config: the configuration in use as YAML (or
// JSON with ?format=json), with every default filled in and secrets
// masked.
func (g *Gateway) handleConfig(w http.ResponseWriter, r *http.Request) {
	cfg, _ := g.snapshot()
	doc, err := MaskConfig(cfg)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if r.URL.Query().Get("format") == "json" {
		var v any
		if err := doc.Decode(&v); err != nil {
			http.Error(w, fmt.Sprintf("config: %v", err), http.StatusInternalServerError)
			return
		}
		writeJSON(w, v)
		return
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		http.Error(w, fmt.Sprintf("config: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(out.Bytes())
}

// MaskConfig returns cfg as a YAML document with secrets masked.
//
// The typed configuration holds no secret values: TLS keys and
// certificates are named by file path, and paths are shown. Filter and
// route plugin settings (the free-form `config` beside a `name`) may hold
// secrets, so in them:
//
//   - the value of a setting whose name contains one of the words token,
//     secret, password, passwd, key, apikey, credential or authorization
//     (singular or plural; words split at '_', '-', '.' and camelCase) is
//     replaced by "***", whole (a list or mapping under such a name too),
//     unless it is a number, a boolean or null (limits such as max_tokens
//     stay visible) or the name ends in "file" or "path" (key_file: a path
//     to a secret, shown);
//   - the accepted values of a header_auth filter (`values`) are masked.
func MaskConfig(cfg *config.Config) (*yaml.Node, error) {
	raw, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	maskPlugins(&doc)
	return &doc, nil
}

// masked replaces a secret value.
const masked = "***"

// maskPlugins finds every mapping with a name and a config (a filter or a
// route plugin) under n and masks the secrets in its config.
func maskPlugins(n *yaml.Node) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			maskPlugins(c)
		}
	case yaml.MappingNode:
		var name string
		var settings *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			switch n.Content[i].Value {
			case "name":
				name = n.Content[i+1].Value
			case "config":
				settings = n.Content[i+1]
			}
		}
		if settings != nil && name != "" {
			MaskSettings(name, settings)
			return
		}
		for i := 1; i < len(n.Content); i += 2 {
			maskPlugins(n.Content[i])
		}
	}
}

// MaskSettings masks, in place, the secrets of the settings of the filter
// or route plugin called name (see MaskConfig for the rule).
func MaskSettings(name string, settings *yaml.Node) {
	if settings.Kind == yaml.AliasNode && settings.Alias != nil {
		settings = settings.Alias
	}
	switch settings.Kind {
	case yaml.SequenceNode:
		for _, c := range settings.Content {
			MaskSettings("", c)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(settings.Content); i += 2 {
			k, v := settings.Content[i].Value, settings.Content[i+1]
			if (name == "header_auth" && k == "values") || (secretName(k) && !plainValue(v)) {
				*v = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: masked}
				continue
			}
			MaskSettings("", v)
		}
	}
}

// secretWords are the words that make a setting's name a secret's.
var secretWords = map[string]bool{
	"token": true, "tokens": true, "secret": true, "secrets": true,
	"password": true, "passwords": true, "passwd": true,
	"key": true, "keys": true, "apikey": true, "apikeys": true,
	"credential": true, "credentials": true, "authorization": true,
}

// secretName reports whether a setting called name holds a secret.
func secretName(name string) bool {
	words := nameWords(name)
	if len(words) == 0 {
		return false
	}
	if last := words[len(words)-1]; last == "file" || last == "path" {
		return false
	}
	for _, w := range words {
		if secretWords[w] {
			return true
		}
	}
	return false
}

// nameWords splits a setting name into lower-case words at non-letters and
// non-digits and at lower-to-upper case changes (apiKey: api, key).
func nameWords(name string) []string {
	var words []string
	var cur []rune
	prevLower := false
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range name {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			flush()
		}
		cur = append(cur, r)
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	flush()
	return words
}

// plainValue reports whether v is a number, a boolean or null: shown even
// under a secret's name.
func plainValue(v *yaml.Node) bool {
	if v.Kind != yaml.ScalarNode {
		return false
	}
	switch v.ShortTag() {
	case "!!int", "!!float", "!!bool", "!!null":
		return true
	}
	return false
}

// clusterView is one cluster in GET /clusters.
type clusterView struct {
	Name     string     `json:"name"`
	Protocol string     `json:"protocol,omitempty"`
	LB       string     `json:"lb,omitempty"`
	Hosts    []hostView `json:"hosts"`
}

// hostView is one host in GET /clusters.
type hostView struct {
	Address string `json:"address"`
	// Health is healthy, unhealthy (failed its active health check) or
	// ejected (passive health after a connection failure, or outlier
	// detection).
	Health              string            `json:"health"`
	Weight              uint32            `json:"weight"`
	Metadata            map[string]string `json:"metadata,omitempty"`
	ActiveRequests      int64             `json:"active_requests"`
	ActiveConnections   int64             `json:"active_connections"`
	OutlierEjections    uint64            `json:"outlier_ejections"`
	ConsecutiveFailures int64             `json:"consecutive_failures"`
}

// handleClusters serves GET /clusters: every cluster in use with its
// hosts, as JSON.
func (g *Gateway) handleClusters(w http.ResponseWriter, _ *http.Request) {
	cfg, clusters := g.snapshot()
	lbs := make(map[string]string, len(cfg.Clusters))
	for _, cc := range cfg.Clusters {
		lbs[cc.Name] = string(cc.LB)
	}
	now := time.Now().UnixNano()
	out := struct {
		Clusters []clusterView `json:"clusters"`
	}{Clusters: make([]clusterView, 0, len(clusters))}
	for _, cl := range clusters {
		cv := clusterView{Name: cl.name, Protocol: cl.protocol, LB: lbs[cl.name], Hosts: []hostView{}}
		for _, h := range cl.set.Load().hosts {
			cv.Hosts = append(cv.Hosts, hostView{
				Address: h.addr, Health: h.state(now), Weight: h.weight, Metadata: h.metadata,
				ActiveRequests: h.active.Load(), ActiveConnections: h.stats.conns.Load(),
				OutlierEjections: h.od.Ejections(), ConsecutiveFailures: h.od.ConsecutiveFailures(),
			})
		}
		out.Clusters = append(out.Clusters, cv)
	}
	writeJSON(w, out)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, '\n'))
}

// handleLogging serves GET /logging (the level) and PUT or POST
// /logging?level=L (sets it; L is debug, info, warn or error, or a level
// with an offset such as info+2).
func (g *Gateway) handleLogging(w http.ResponseWriter, r *http.Request) {
	if g.logLevel == nil {
		http.Error(w, "the log level cannot be changed: the gateway was built without Options.LogLevel", http.StatusNotImplemented)
		return
	}
	if r.Method != http.MethodGet {
		text := r.URL.Query().Get("level")
		var lv slog.Level
		if text == "" {
			http.Error(w, "level is required, e.g. /logging?level=debug", http.StatusBadRequest)
			return
		}
		if err := lv.UnmarshalText([]byte(text)); err != nil {
			http.Error(w, fmt.Sprintf("level %q: %v", text, err), http.StatusBadRequest)
			return
		}
		old := g.logLevel.Level()
		g.logLevel.Set(lv)
		g.log.Info("log level changed", "from", old.String(), "to", lv.String())
	}
	_, _ = fmt.Fprintf(w, "level=%s\n", strings.ToLower(g.logLevel.Level().String()))
}
