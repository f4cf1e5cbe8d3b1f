// Command xgate is the Xgate multi-protocol RPC gateway.
//
//	xgate run -c FILE        serve the configuration until SIGINT/SIGTERM
//	xgate validate -c FILE   check a configuration; every error with its field path
//	xgate version            print the version
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
	"runtime/debug"
	"syscall"
	"time"

	_ "github.com/xgate/xgate/codecs/all"
	"github.com/xgate/xgate/proxy"
	"github.com/xgate/xgate/proxy/config"
	_ "github.com/xgate/xgate/proxy/filter/extproc" // stream filter: external (out-of-process plugins)
	_ "github.com/xgate/xgate/proxy/filter/wasm"    // stream filter: WebAssembly (wazero)
	"github.com/xgate/xgate/proxy/route"
	_ "github.com/xgate/xgate/proxy/route/zoneaffinity" // route plugin: zone affinity
	"github.com/xgate/xgate/xprotocol"
)

// version is set at link time (-ldflags "-X main.version=...").
var version = "dev"

const usage = `usage:
  xgate run -c FILE [-drain-timeout 10s] [-log-level info] [-log-format text]
  xgate validate -c FILE
  xgate version
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stderr)
	case "validate":
		return cmdValidate(args[1:], stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintf(stdout, "xgate %s (%s)\n", versionString(), goVersion())
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "xgate: unknown command %q\n%s", args[0], usage)
	return 2
}

func versionString() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

func goVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.GoVersion
	}
	return "unknown"
}

func loadConfig(fs *flag.FlagSet, path string, stderr io.Writer) (*config.Config, bool) {
	if path == "" {
		fmt.Fprintf(stderr, "xgate %s: -c FILE is required\n", fs.Name())
		return nil, false
	}
	cfg, err := config.LoadWith(path, registered())
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			fmt.Fprintf(stderr, "%s: %d error(s):\n", path, len(errs))
			for _, e := range errs {
				fmt.Fprintf(stderr, "  %s\n", e)
			}
		} else {
			fmt.Fprintf(stderr, "%s: %v\n", path, err)
		}
		return nil, false
	}
	return cfg, true
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("c", "", "configuration file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if _, ok := loadConfig(fs, *path, stderr); !ok {
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok\n", *path)
	return 0
}

func cmdRun(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("c", "", "configuration file")
	drain := fs.Duration("drain-timeout", 10*time.Second, "how long in-flight requests may take to finish on SIGINT/SIGTERM")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error (changed at run time by the admin API: PUT /logging?level=debug)")
	format := fs.String("log-format", "text", "log format: text or json")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log, lv, err := newLogger(stderr, *level, *format)
	if err != nil {
		fmt.Fprintf(stderr, "xgate run: %v\n", err)
		return 2
	}
	cfg, ok := loadConfig(fs, *path, stderr)
	if !ok {
		fmt.Fprintln(stderr, "xgate run: refusing to start with an invalid configuration")
		return 1
	}
	loader := func() (*config.Config, error) {
		c, err := config.LoadWith(*path, registered())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", *path, err)
		}
		return c, nil
	}
	gw, err := proxy.New(cfg, proxy.Options{Logger: log, LogLevel: lv, Loader: loader})
	if err != nil {
		fmt.Fprintf(stderr, "xgate run: %v\n", err)
		return 1
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := gw.Start(); err != nil {
		fmt.Fprintf(stderr, "xgate run: %v\n", err)
		return 1
	}
	log.Info("xgate started", "version", versionString(), "config", *path, "admin", gw.AdminAddr())
	sig := <-sigs
	for sig == syscall.SIGHUP {
		// Reload: an invalid file is refused and the running
		// configuration keeps serving.
		if c, err := loader(); err != nil {
			log.Error("reload refused: invalid configuration", "err", err)
		} else if err := gw.Reload(c); err != nil {
			log.Error("reload refused", "err", err)
		}
		sig = <-sigs
	}
	log.Info("shutting down", "signal", sig.String(), "drain_timeout", drain.String())
	ctx, cancel := context.WithTimeout(context.Background(), *drain)
	defer cancel()
	if err := gw.Shutdown(ctx); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// registered names what the binary links in for config validation: the
// protocols, route plugins and stream filters.
func registered() config.Registered {
	return config.Registered{
		Protocols:        xprotocol.Default.Names(),
		RoutePlugins:     route.Default.Names(),
		CheckRoutePlugin: route.Default.CheckConfig,
	}
}

// newLogger builds the process logger: text or JSON lines on w, at a
// level held in the returned LevelVar so that the admin API can change it
// while the gateway runs (PUT /logging?level=debug).
func newLogger(w io.Writer, level, format string) (*slog.Logger, *slog.LevelVar, error) {
	lv := new(slog.LevelVar)
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, nil, fmt.Errorf("invalid -log-level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), lv, nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), lv, nil
	}
	return nil, nil, fmt.Errorf("invalid -log-format %q: want text or json", format)
}
