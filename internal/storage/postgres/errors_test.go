package postgres

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/authplane/authplane/internal/storage/pgtest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/authplane/authplane/internal/storage"
)

func TestWrapErr_MapsSQLStatesToSentinels(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"no rows", pgx.ErrNoRows, storage.ErrNotFound},
		{"unique violation", &pgconn.PgError{Code: "23505"}, storage.ErrConflict},
		{"check violation", &pgconn.PgError{Code: "23514"}, storage.ErrInvalid},
		{"not null violation", &pgconn.PgError{Code: "23502"}, storage.ErrInvalid},
		{"NUL byte in text", &pgconn.PgError{Code: "22021"}, storage.ErrInvalid},
		{"invalid json", &pgconn.PgError{Code: "22P02"}, storage.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := wrapErr("create client", tc.err)
			if !errors.Is(err, tc.want) {
				t.Errorf("wrapErr(%v) = %v, want errors.Is %v", tc.err, err, tc.want)
			}
			if got := err.Error(); len(got) < 24 || got[:24] != "postgres: create client:" {
				t.Errorf("error %q lacks its context", got)
			}
		})
	}
	other := errors.New("connection reset")
	if err := wrapErr("get client", other); !errors.Is(err, other) {
		t.Errorf("unmapped error lost: %v", err)
	}
	if wrapErr("x", nil) != nil {
		t.Error("wrapErr(nil) != nil")
	}
}

func TestErrInvalid_ForValuesPostgreSQLCannotStore(t *testing.T) {
	t.Parallel()
	_, dsn := pgtest.Schema(t)
	s := openStore(t, dsn, Options{})
	ctx := t.Context()
	tests := []struct {
		name string
		do   func() error
	}{
		{"NUL byte in a text column", func() error {
			return s.CreateClient(ctx, storage.Client{ID: "c\x00"})
		}},
		{"invalid JSON in a JWK Set", func() error {
			return s.CreateClient(ctx, storage.Client{ID: "c1", JWKS: json.RawMessage(`{"keys":`)})
		}},
		{"empty id", func() error { return s.CreatePolicy(ctx, storage.Policy{}) }},
		{"non-decimal audit cursor", func() error {
			_, err := s.ListAudit(ctx, storage.AuditFilter{}, storage.Page{After: "x"})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); !errors.Is(err, storage.ErrInvalid) {
				t.Errorf("error = %v, want ErrInvalid", err)
			}
		})
	}
}
