// Command xgate-toy is the Xgate gateway with the ToyRPC example codec
// linked in: what a team ships when it adds a protocol of its own without
// forking Xgate. It is cmd/xgate's run and validate commands, trimmed to
// what the example needs, plus two blank imports: the toyrpc line below, and the example
// stream filter and route plugin of examples/extensions.
//
//	xgate-toy run -c FILE [-drain-timeout 10s] [-log-level info]
//	xgate-toy validate -c FILE
//
// cmd/xgate is a main package, so this file repeats its few lines of
// wiring; see docs/adding-a-protocol.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	_ "github.com/xgate/xgate/codecs/all"             // every shipped codec
	_ "github.com/xgate/xgate/examples/codecs/toyrpc" // + ToyRPC: the one line a new protocol adds
	_ "github.com/xgate/xgate/examples/extensions"    // + the stamp filter and version_pin route plugin
	"github.com/xgate/xgate/proxy"
	"github.com/xgate/xgate/proxy/config"
	"github.com/xgate/xgate/proxy/route"
	_ "github.com/xgate/xgate/proxy/route/zoneaffinity" // route plugin: zone affinity
	"github.com/xgate/xgate/xprotocol"
)

const usage = `usage:
  xgate-toy run -c FILE [-drain-timeout 10s] [-log-level info]
  xgate-toy validate -c FILE
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("c", "", "configuration file")
	drain := fs.Duration("drain-timeout", 10*time.Second, "how long in-flight requests may take to finish on SIGINT/SIGTERM")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	switch args[0] {
	case "validate":
		if _, err := load(*path); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: ok\n", *path)
		return 0
	case "run":
		var lv slog.Level
		if err := lv.UnmarshalText([]byte(*level)); err != nil {
			fmt.Fprintf(stderr, "xgate-toy run: invalid -log-level %q\n", *level)
			return 2
		}
		return serve(*path, *drain, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lv})))
	}
	fmt.Fprintf(stderr, "xgate-toy: unknown command %q\n%s", args[0], usage)
	return 2
}

// load reads and validates the configuration against what is linked in.
func load(path string) (*config.Config, error) {
	if path == "" {
		return nil, errors.New("-c FILE is required")
	}
	cfg, err := config.LoadWith(path, config.Registered{
		Protocols:        xprotocol.Default.Names(),
		RoutePlugins:     route.Default.Names(),
		CheckRoutePlugin: route.Default.CheckConfig,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// serve runs the gateway until SIGINT or SIGTERM (SIGHUP reloads), then
// drains for at most drain.
func serve(path string, drain time.Duration, log *slog.Logger) int {
	cfg, err := load(path)
	if err != nil {
		log.Error("refusing to start with an invalid configuration", "err", err)
		return 1
	}
	loader := func() (*config.Config, error) { return load(path) }
	gw, err := proxy.New(cfg, proxy.Options{Logger: log, Loader: loader})
	if err != nil {
		log.Error("xgate-toy run", "err", err)
		return 1
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := gw.Start(); err != nil {
		log.Error("xgate-toy run", "err", err)
		return 1
	}
	log.Info("xgate started", "config", path, "admin", gw.AdminAddr(), "protocols", xprotocol.Default.Names())
	sig := <-sigs
	for sig == syscall.SIGHUP {
		if c, err := loader(); err != nil {
			log.Error("reload refused: invalid configuration", "err", err)
		} else if err := gw.Reload(c); err != nil {
			log.Error("reload refused", "err", err)
		}
		sig = <-sigs
	}
	log.Info("shutting down", "signal", sig.String())
	ctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if err := gw.Shutdown(ctx); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}
