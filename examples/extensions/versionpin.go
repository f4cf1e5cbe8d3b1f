package extensions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync/atomic"

	"github.com/xgate/xgate/proxy/route"
	"github.com/xgate/xgate/xprotocol"
)

// VersionPinName is the route plugin's configuration name.
const VersionPinName = "version_pin"

// VersionPinConfig is a route's static configuration (plugins[].config).
type VersionPinConfig struct {
	// Header names the request header carrying the wanted version
	// (default x-version).
	Header string `json:"header"`
	// MetadataKey is the host metadata key holding its version (default
	// version).
	MetadataKey string `json:"metadata_key"`
}

// VersionPinDynamic is the configuration pushed at run time on
// POST /route_plugins/version_pin/config.
type VersionPinDynamic struct {
	// Pin is the version of requests that name none; "" steers none.
	Pin string `json:"pin"`
}

// VersionPin is the plugin's route.RouteFactory: one per process, one
// handler per route that names it, sharing the dynamic configuration.
type VersionPin struct {
	live atomic.Pointer[VersionPinDynamic]
}

// NewVersionPin returns a factory with nothing pinned.
func NewVersionPin() *VersionPin {
	v := &VersionPin{}
	v.live.Store(&VersionPinDynamic{})
	return v
}

// Name implements route.RouteFactory.
func (v *VersionPin) Name() string { return VersionPinName }

// Order implements route.RouteFactory: after zone_affinity (100).
func (v *VersionPin) Order() int { return 200 }

// Configure implements route.Configurator: it validates raw in full, then
// publishes it at once, so a request sees the old or the new pin.
func (v *VersionPin) Configure(raw []byte) error {
	d := &VersionPinDynamic{}
	if err := strictJSON(raw, d); err != nil {
		return fmt.Errorf("%s: %w", VersionPinName, err)
	}
	v.live.Store(d)
	return nil
}

// NewHandler implements route.RouteFactory; `xgate validate` calls it to
// check a route's configuration.
func (v *VersionPin) NewHandler(config []byte) (route.Handler, error) {
	c := VersionPinConfig{Header: "x-version", MetadataKey: "version"}
	if err := strictJSON(config, &c); err != nil {
		return nil, err
	}
	return &versionPin{f: v, cfg: c}, nil
}

// strictJSON reads raw into v refusing unknown keys; empty input keeps v.
func strictJSON(raw []byte, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

type versionPin struct {
	f   *VersionPin
	cfg VersionPinConfig
}

// Handle keeps the hosts of the wanted version, or all of them when none
// has it (recorded as "fallback"). It runs on event loops: no blocking, no
// allocation, nothing kept after it returns.
func (h *versionPin) Handle(f xprotocol.Frame, hosts, dst []route.Host, md *route.Metadata) []route.Host {
	var want []byte
	if hd := f.Header(); hd != nil {
		want, _ = hd.Get(h.cfg.Header)
	}
	if len(want) == 0 {
		pin := h.f.live.Load().Pin
		if pin == "" {
			md.Set(VersionPinName, "off")
			return hosts
		}
		want = []byte(pin) // one small allocation, only for pinned requests
	}
	for _, host := range hosts {
		if host.Metadata()[h.cfg.MetadataKey] == string(want) {
			dst = append(dst, host)
		}
	}
	if len(dst) == 0 {
		md.Set(VersionPinName, "fallback")
		return hosts
	}
	md.Set(VersionPinName, "pinned")
	return dst
}
