package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/authplane/authplane/internal/config"
	"github.com/authplane/authplane/internal/keys"
	"github.com/authplane/authplane/internal/secret"
)

// Files in the data directory (dev mode).
const (
	kekFile            = "kek"
	adminTokenHashFile = "admin-token.hash"
	sqliteFile         = "authplane.db"
)

// loadKEK returns the key-encryption key: from config, or in dev mode from
// (or generated into) the data directory with mode 0600.
func loadKEK(cfg *config.Config) ([]byte, error) {
	if cfg.KEK != "" {
		return keys.ParseKEK(cfg.KEK)
	}
	if !cfg.Dev {
		return nil, errors.New("server: kek is required outside dev mode")
	}
	return keys.LoadOrCreateKEKFile(filepath.Join(cfg.DataDir, kekFile))
}

// deriveKey derives a purpose-bound key from the KEK (HMAC-SHA256 with a
// label), so operators manage one secret: the secret-hashing pepper
// ("authplane/secret-pepper/v1") and the audit seal key
// ("authplane/audit-seal-key/v1"). Changing the KEK invalidates stored
// client secrets, the stored admin token hash and existing audit seals, by
// design.
func deriveKey(kek []byte, label string) []byte {
	m := hmac.New(sha256.New, kek)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// adminTokenHash returns the hash the admin API compares bearer tokens
// against. With a configured token it is hashed in memory. In dev mode
// without one, the hash is read from the data directory; at the first start
// a token is generated, its hash stored (0600) and the token returned once so
// the caller can print it.
func adminTokenHash(cfg *config.Config, h *secret.Hasher) (hash []byte, generated string, err error) {
	if cfg.AdminToken != "" {
		return h.Hash(cfg.AdminToken), "", nil
	}
	if !cfg.Dev {
		return nil, "", errors.New("server: admin_token is required outside dev mode")
	}
	path := filepath.Join(cfg.DataDir, adminTokenHashFile)
	b, err := os.ReadFile(path)
	if err == nil {
		sum, derr := hex.DecodeString(strings.TrimSpace(string(b)))
		if derr != nil || len(sum) != sha256.Size {
			return nil, "", fmt.Errorf("server: %s is corrupt; delete it to generate a new admin token", path)
		}
		return sum, "", nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("server: read admin token hash: %w", err)
	}
	tok := secret.Generate()
	sum := h.Hash(tok)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("server: create data dir: %w", err)
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(sum)+"\n"), 0o600); err != nil {
		return nil, "", fmt.Errorf("server: store admin token hash: %w", err)
	}
	return sum, tok, nil
}
