package keys

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ParseKEK decodes a key-encryption key given in configuration or the
// environment: standard or URL-safe base64, padded or not, surrounding
// whitespace ignored. It must decode to exactly KEKSize bytes. Errors never
// include the value.
func ParseKEK(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("%w: empty", ErrKEK)
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding,
		base64.URLEncoding, base64.RawURLEncoding,
	} {
		b, err := enc.Strict().DecodeString(s)
		if err != nil {
			continue
		}
		if len(b) != KEKSize {
			return nil, fmt.Errorf("%w: decodes to %d bytes, need exactly %d", ErrKEK, len(b), KEKSize)
		}
		return b, nil
	}
	return nil, fmt.Errorf("%w: not valid base64 or base64url", ErrKEK)
}

// LoadOrCreateKEKFile is the dev-mode source of the key-encryption key. It
// reads a base64 KEK from path, or, if path does not exist, creates one from
// crypto/rand and writes it atomically with mode 0600 (creating the parent
// directory with mode 0700 if needed).
//
// An existing file is rejected if it is not a regular file, if any group or
// other permission bit is set (the KEK protects every signing key), or if it
// does not decode to exactly KEKSize bytes. When two processes create the
// file at once, both end up with the one that was linked first.
func LoadOrCreateKEKFile(path string) ([]byte, error) {
	kek, err := readKEKFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return kek, err
	}
	if err := createKEKFile(path); err != nil {
		return nil, err
	}
	return readKEKFile(path)
}

func readKEKFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("keys: KEK file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("keys: KEK file %s has mode %04o: it must not be accessible by group or others; "+
			"run chmod 600 %s", path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	kek, err := ParseKEK(string(b))
	if err != nil {
		return nil, fmt.Errorf("keys: KEK file %s: %w", path, err)
	}
	return kek, nil
}

// createKEKFile writes a fresh KEK to a temporary file in the target
// directory and hard-links it into place: the link fails if path already
// exists, so a concurrent creator can never replace a KEK that another
// process has already used to seal keys, and readers never see a partial
// file.
func createKEKFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("keys: create KEK directory: %w", err)
	}
	kek := make([]byte, KEKSize)
	if _, err := rand.Read(kek); err != nil {
		return fmt.Errorf("keys: generate KEK: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".kek-*") // mode 0600
	if err != nil {
		return fmt.Errorf("keys: create KEK file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(kek) + "\n")
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("keys: write KEK file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("keys: install KEK file: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("keys: sync KEK directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("keys: sync KEK directory: %w", err)
	}
	return nil
}
