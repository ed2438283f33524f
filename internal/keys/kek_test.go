package keys

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestParseKEK(t *testing.T) {
	raw := make([]byte, KEKSize)
	for i := range raw {
		raw[i] = byte(0xf0 + i%16) // produces '+' '/' in std and '-' '_' in url alphabets
	}
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"std padded", base64.StdEncoding.EncodeToString(raw), false},
		{"std raw", base64.RawStdEncoding.EncodeToString(raw), false},
		{"url padded", base64.URLEncoding.EncodeToString(raw), false},
		{"url raw", base64.RawURLEncoding.EncodeToString(raw), false},
		{"surrounding whitespace", "  " + base64.StdEncoding.EncodeToString(raw) + "\n", false},
		{"empty", "", true},
		{"blank", "   ", true},
		{"16 bytes", base64.StdEncoding.EncodeToString(raw[:16]), true},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(bytes.Clone(raw), 0)), true},
		{"not base64", "this is not base64 at all!!", true},
		{"hex", strings.Repeat("ab", KEKSize), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseKEK(tc.in)
			if tc.wantErr {
				if !errors.Is(err, ErrKEK) {
					t.Fatalf("ParseKEK error = %v, want ErrKEK", err)
				}
				if strings.TrimSpace(tc.in) != "" && strings.Contains(err.Error(), strings.TrimSpace(tc.in)) {
					t.Fatalf("error %q echoes the KEK value", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, raw) {
				t.Fatalf("ParseKEK = %x, want %x", got, raw)
			}
		})
	}
}

func TestLoadOrCreateKEKFileCreatesPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "keys")
	path := filepath.Join(dir, "kek")
	kek, err := LoadOrCreateKEKFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(kek) != KEKSize {
		t.Fatalf("KEK length = %d", len(kek))
	}
	assertMode(t, path, 0o600)
	assertMode(t, dir, 0o700)
	again, err := LoadOrCreateKEKFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(kek, again) {
		t.Fatal("second load returned a different KEK")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only the KEK file (temporary file left behind?)", len(entries))
	}
}

func TestLoadOrCreateKEKFileConcurrentCreatorsAgree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kek")
	const n = 8
	keks := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { keks[i], errs[i] = LoadOrCreateKEKFile(path) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("creator %d: %v", i, errs[i])
		}
		if !bytes.Equal(keks[i], keks[0]) {
			t.Fatalf("creator %d got a different KEK", i)
		}
	}
}

func TestLoadOrCreateKEKFileRejects(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(testKEK(7))
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		wantMsg string
	}{
		{"group readable", good, 0o640, "group or others"},
		{"world readable", good, 0o604, "group or others"},
		{"group writable", good, 0o620, "group or others"},
		{"wrong length", base64.StdEncoding.EncodeToString(testKEK(7)[:16]), 0o600, "16 bytes"},
		{"garbage", "not-a-key!", 0o600, "not valid base64"},
		{"empty", "", 0o600, "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kek")
			if err := os.WriteFile(path, []byte(tc.content), tc.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil { // umask-proof
				t.Fatal(err)
			}
			_, err := LoadOrCreateKEKFile(path)
			if err == nil || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("error = %v, want one mentioning %q", err, tc.wantMsg)
			}
			b, _ := os.ReadFile(path)
			if string(b) != tc.content {
				t.Fatal("a rejected KEK file was modified")
			}
		})
	}
}

func TestLoadOrCreateKEKFileRejectsDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kek")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKEKFile(path); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("error = %v, want 'not a regular file'", err)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Fatalf("%s mode = %04o, want %04o", path, got, want)
	}
}
