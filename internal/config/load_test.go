package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "authplane.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadZeroConfigIsDevOnLoopback(t *testing.T) {
	cfg, err := Load(LoadOptions{Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Dev || cfg.Issuer != DefaultDevIssuer || cfg.PublicAddr != "127.0.0.1:9000" ||
		cfg.AdminAddr != "127.0.0.1:9001" || cfg.Store != "sqlite" || cfg.DataDir != "./authplane-data" {
		t.Fatalf("zero config = %+v", cfg)
	}
	if !cfg.Seed.Empty() {
		t.Fatal("zero config has a seed")
	}
}

func TestLoadPrecedenceFlagsOverEnvOverFile(t *testing.T) {
	p := writeFile(t, "dev: true\ndata_dir: /from/file\npublic_addr: 127.0.0.1:7000\nadmin_addr: 127.0.0.1:7001\nhttp:\n  read_timeout: 3s\n")
	cfg, err := Load(LoadOptions{
		File:    p,
		Environ: []string{"AUTHPLANE_DATA_DIR=/from/env", "AUTHPLANE_PUBLIC_ADDR=127.0.0.1:8000", "AUTHPLANE_HTTP__WRITE_TIMEOUT=7s", "AUTHPLANE_ADMIN_URL=http://ignored", "HOME=/root"},
		Flags:   map[string]any{"data_dir": "/from/flag"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "/from/flag" || cfg.PublicAddr != "127.0.0.1:8000" || cfg.AdminAddr != "127.0.0.1:7001" {
		t.Fatalf("precedence wrong: %+v", cfg)
	}
	if cfg.HTTP.ReadTimeout != 3*time.Second || cfg.HTTP.WriteTimeout != 7*time.Second {
		t.Fatalf("nested keys: %+v", cfg.HTTP)
	}
}

func TestLoadReportsEveryProblemAtOnce(t *testing.T) {
	p := writeFile(t, "issuer: http://as.example.com\npublic_addr: nonsense\nstore: mysql://x\n")
	_, err := Load(LoadOptions{File: p, Environ: []string{}})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want *ValidationError", err)
	}
	msg := err.Error()
	for _, want := range []string{"issuer: must use https", "public_addr: must be host:port", "store: must be", "kek: is required", "admin_token: is required"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if !strings.Contains(msg, p+": issuer") {
		t.Errorf("error does not name the file:\n%s", msg)
	}
}

func TestLoadUnknownKeyAndBadDuration(t *testing.T) {
	p := writeFile(t, "dev: true\nissuer_url: https://typo\nhttp:\n  read_timeout: soon\n")
	_, err := Load(LoadOptions{File: p, Environ: []string{}})
	if err == nil {
		t.Fatal("accepted unknown key and bad duration")
	}
	msg := err.Error()
	if !strings.Contains(msg, "issuer_url: unknown key") || !strings.Contains(msg, "read_timeout") {
		t.Fatalf("message:\n%s", msg)
	}
}

func TestLoadProductionConfig(t *testing.T) {
	p := writeFile(t, `issuer: https://auth.example.com
store: postgres://authplane@db.internal/authplane
kek: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
resources:
  - id: github
    uri: https://mcp.example.com/github
    scopes: [repo:read]
clients:
  - id: agent-1
`)
	cfg, err := Load(LoadOptions{File: p, Environ: []string{"AUTHPLANE_ADMIN_TOKEN=" + strings.Repeat("t", 40)}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Dev {
		t.Fatal("a config file without dev: true must not be dev mode")
	}
	if string(cfg.Seed.Resources) != `[{"id":"github","scopes":["repo:read"],"uri":"https://mcp.example.com/github"}]` {
		t.Fatalf("resources seed = %s", cfg.Seed.Resources)
	}
	if cfg.Seed.Clients == nil || cfg.Seed.IdPs != nil {
		t.Fatalf("seed = %+v", cfg.Seed)
	}
}
