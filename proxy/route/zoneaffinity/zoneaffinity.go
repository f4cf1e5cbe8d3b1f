// Package zoneaffinity is an example route plugin: it keeps a request in
// one zone. Among the cluster's healthy hosts it prefers those whose
// metadata zone equals the request's zone: the value of its x-zone header,
// or else the local zone (pushed at run time, or configured on the route).
// When no healthy host is in that zone it falls back to every healthy
// host, and when no host is healthy at all it leaves the hosts as they
// are (the load balancer then picks one and the dial tells).
//
// Importing the package registers it in route.Default as zone_affinity:
//
//	plugins:
//	  - name: zone_affinity
//	    config:                # all optional
//	      local_zone: az1      # the zone when the request names none
//	      header: x-zone       # the request header naming a zone
//	      metadata_key: zone   # the host metadata key holding its zone
//
// Dynamic configuration (route.Default.Configure("zone_affinity", raw)),
// applying to every route at once, is JSON:
//
//	{"local_zone": "az2"}    // overrides each route's local_zone
//	{"disabled": true}       // every route keeps all its hosts
//	{}                       // back to the static configuration
//
// The chain metadata key "zone_affinity" records the outcome: "zone" (the
// zone's hosts were kept), "fallback" (none in the zone: all healthy hosts)
// or "off" (no zone known, or disabled).
package zoneaffinity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync/atomic"

	"github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/xprotocol"
)

// Name is the plugin's configuration name.
const Name = "zone_affinity"

// Order places the plugin in a route's chain (see route.RouteFactory).
const Order = 100

// Defaults of the static configuration.
const (
	DefaultHeader      = "x-zone"
	DefaultMetadataKey = "zone"
)

// Metadata values recorded under the key Name.
const (
	OutcomeZone     = "zone"
	OutcomeFallback = "fallback"
	OutcomeOff      = "off"
)

func init() { route.Register(New()) }

// Config is a route's static configuration.
type Config struct {
	// LocalZone is the zone of requests that name none; "" means such
	// requests are not steered (unless a zone is pushed at run time).
	LocalZone string `json:"local_zone"`
	// Header is the request header naming the zone. Default x-zone.
	Header string `json:"header"`
	// MetadataKey is the host metadata key holding a host's zone.
	// Default zone.
	MetadataKey string `json:"metadata_key"`
}

// Dynamic is the configuration pushed at run time.
type Dynamic struct {
	// LocalZone, when set, replaces every route's LocalZone.
	LocalZone string `json:"local_zone"`
	// Disabled turns the plugin off: every route keeps all its hosts.
	Disabled bool `json:"disabled"`
}

// Factory is the plugin's route.RouteFactory. Its dynamic configuration is
// shared by every handler it built.
type Factory struct {
	live atomic.Pointer[Dynamic]
}

// New returns a factory with an empty dynamic configuration (for a private
// route.Registry; the package registers one in route.Default).
func New() *Factory {
	f := &Factory{}
	f.live.Store(&Dynamic{})
	return f
}

// Name implements route.RouteFactory.
func (f *Factory) Name() string { return Name }

// Order implements route.RouteFactory.
func (f *Factory) Order() int { return Order }

// Configure replaces the dynamic configuration at once; it may be called
// concurrently with requests. Empty or null raw resets it. Unknown keys
// are refused and leave the configuration as it was.
func (f *Factory) Configure(raw []byte) error {
	d := &Dynamic{}
	if err := decodeStrict(raw, d); err != nil {
		return fmt.Errorf("%s: dynamic configuration: %w", Name, err)
	}
	f.live.Store(d)
	return nil
}

// Live returns the dynamic configuration in force.
func (f *Factory) Live() Dynamic { return *f.live.Load() }

// NewHandler implements route.RouteFactory.
func (f *Factory) NewHandler(config []byte) (route.Handler, error) {
	c := Config{}
	if err := decodeStrict(config, &c); err != nil {
		return nil, err
	}
	if c.Header == "" {
		c.Header = DefaultHeader
	}
	if c.MetadataKey == "" {
		c.MetadataKey = DefaultMetadataKey
	}
	return &handler{f: f, cfg: c}, nil
}

// decodeStrict reads JSON into v, refusing unknown keys and trailing data;
// empty input and null leave v as it is.
func decodeStrict(raw []byte, v any) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("unexpected data after the configuration")
	}
	return nil
}

type handler struct {
	f   *Factory
	cfg Config
}

// Handle implements route.Handler. It allocates nothing.
func (h *handler) Handle(f xprotocol.Frame, hosts []route.Host, dst []route.Host, md *route.Metadata) []route.Host {
	live := h.f.live.Load()
	if live.Disabled {
		md.Set(Name, OutcomeOff)
		return hosts
	}
	var zone []byte
	if hd := f.Header(); hd != nil {
		zone, _ = hd.Get(h.cfg.Header)
	}
	local := live.LocalZone
	if local == "" {
		local = h.cfg.LocalZone
	}
	if len(zone) == 0 && local == "" {
		md.Set(Name, OutcomeOff)
		return hosts
	}
	healthy := 0
	for _, host := range hosts {
		if !host.Healthy() {
			continue
		}
		healthy++
		hz := host.Metadata()[h.cfg.MetadataKey]
		if len(zone) > 0 && string(zone) == hz || len(zone) == 0 && local == hz {
			dst = append(dst, host)
		}
	}
	if len(dst) > 0 {
		md.Set(Name, OutcomeZone)
		return dst
	}
	md.Set(Name, OutcomeFallback)
	if healthy == 0 {
		return hosts
	}
	for _, host := range hosts {
		if host.Healthy() {
			dst = append(dst, host)
		}
	}
	return dst
}
