package main

import (
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/authplane/authplane/internal/config"
)

// serverFlags are the configuration flags shared by the commands that open
// the store. Only flags the user set override file and environment.
type serverFlags struct {
	file string
	set  *pflag.FlagSet
}

// flagKeys maps flag names to configuration keys.
var flagKeys = map[string]string{
	"data-dir":                "data_dir",
	"store":                   "store",
	"issuer":                  "issuer",
	"dev":                     "dev",
	"public-addr":             "public_addr",
	"admin-addr":              "admin_addr",
	"insecure-allow-loopback": "insecure_allow_loopback",
	"log-level":               "log.level",
	"log-format":              "log.format",
}

func addServerFlags(cmd *cobra.Command) *serverFlags {
	f := &serverFlags{set: cmd.Flags()}
	fs := cmd.Flags()
	fs.StringVar(&f.file, "config", "", "YAML configuration file")
	fs.String("data-dir", config.DefaultDataDir, "data directory (embedded store, dev key files)")
	fs.String("store", config.DefaultStore, `"sqlite" or a postgres:// DSN`)
	fs.String("issuer", "", "issuer URL (https outside dev mode)")
	fs.Bool("dev", false, "dev mode (default: on when no --config is given)")
	fs.String("public-addr", config.DefaultPublicAddr, "public listener address")
	fs.String("admin-addr", config.DefaultAdminAddr, "admin listener address")
	fs.Bool("insecure-allow-loopback", false, "INSECURE: allow http and loopback for IdP/client key fetches (tests, demo)")
	fs.String("log-level", "info", "debug, info, warn or error")
	fs.String("log-format", "json", "json or text")
	return f
}

// load reads the configuration with the flags the user set.
func (f *serverFlags) load() (*config.Config, error) {
	overrides := map[string]any{}
	for name, key := range flagKeys {
		fl := f.set.Lookup(name)
		if fl == nil || !fl.Changed {
			continue
		}
		overrides[key] = fl.Value.String()
	}
	return config.Load(config.LoadOptions{File: f.file, Flags: overrides})
}

// newLogger returns the structured logger the configuration asks for.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	if w == nil {
		w = os.Stderr
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
