package lb

import (
	"testing"

	"github.com/xgate/xgate/proxy/config"
)

func TestFromCluster(t *testing.T) {
	c := config.DefaultCluster()
	cfg, err := FromCluster(&c)
	if err != nil || cfg.Policy != RoundRobin || cfg.SubsetKeys != nil {
		t.Fatalf("default cluster: %+v, %v", cfg, err)
	}
	c.LB = config.LBRingHash
	c.RingHash = &config.RingHash{MinimumRingSize: 10, MaximumRingSize: 20}
	c.Subset = &config.Subset{Keys: []string{"zone"}, Fallback: config.SubsetFallbackNone}
	cfg, err = FromCluster(&c)
	if err != nil || cfg.Policy != RingHash || cfg.MinRingSize != 10 || cfg.MaxRingSize != 20 || cfg.SubsetFallback != FallbackNone || cfg.SubsetKeys[0] != "zone" {
		t.Fatalf("ring hash cluster: %+v, %v", cfg, err)
	}
	c.LB, c.Maglev = config.LBMaglev, &config.Maglev{TableSize: 1009}
	if cfg, _ = FromCluster(&c); cfg.TableSize != 1009 || cfg.Policy != Maglev {
		t.Fatalf("maglev cluster: %+v", cfg)
	}
	// Every config policy name is an lb policy.
	for _, name := range []config.LBPolicy{config.LBRoundRobin, config.LBWeightedRoundRobin, config.LBRandom, config.LBLeastRequest, config.LBRingHash, config.LBMaglev} {
		c.LB = name
		if _, err := FromCluster(&c); err != nil {
			t.Error(err)
		}
	}
	c.LB = "fastest"
	if _, err := FromCluster(&c); err == nil {
		t.Error("unknown lb accepted")
	}
	// Defaults agree with the config package's.
	if DefaultMinRingSize != config.DefaultMinimumRingSize || DefaultMaxRingSize != config.DefaultMaximumRingSize ||
		DefaultTableSize != config.DefaultMaglevTableSize || MaxTableSize != config.MaxMaglevTableSize ||
		MaxRingSize != config.MaxRingSize || MaxWeight != config.MaxEndpointWeight {
		t.Error("lb and config disagree on a default or limit")
	}
}
