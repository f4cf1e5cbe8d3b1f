package lb

import (
	"fmt"

	"github.com/xgate/xgate/proxy/config"
)

// FromCluster returns the Config for a validated cluster: its policy, ring
// or table size and subset keys. The hash key (config.Cluster.HashKey) is
// the engine's to extract per request; it passes HashKey of the value in
// Context.Hash. Host weights and metadata come from
// config.Cluster.Endpoint(i), through the engine's Host.
func FromCluster(c *config.Cluster) (Config, error) {
	pol, ok := ParsePolicy(string(c.LB))
	if !ok {
		return Config{}, fmt.Errorf("lb: cluster %q: unknown lb %q", c.Name, c.LB)
	}
	cfg := Config{Policy: pol}
	if r := c.RingHash; r != nil {
		cfg.MinRingSize, cfg.MaxRingSize = r.MinimumRingSize, r.MaximumRingSize
	}
	if m := c.Maglev; m != nil {
		cfg.TableSize = m.TableSize
	}
	if s := c.Subset; s != nil {
		cfg.SubsetKeys = s.Keys
		if s.Fallback == config.SubsetFallbackNone {
			cfg.SubsetFallback = FallbackNone
		}
	}
	return cfg, nil
}
