package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
)

// pgSchema is a schema created for one run, so that the run starts from
// empty tables and leaves nothing behind.
type pgSchema struct {
	adminDSN string
	name     string
	// dsn selects the schema through search_path.
	dsn string
}

// createSchema creates authplane_bench_<random> in the database of dsn.
func createSchema(ctx context.Context, dsn string) (*pgSchema, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("bench: parse the PostgreSQL DSN: %w", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	// Lower-case hex: search_path folds unquoted names to lower case.
	s := &pgSchema{adminDSN: dsn, name: "authplane_bench_" + hex.EncodeToString(b[:])}
	q := u.Query()
	q.Set("search_path", s.name)
	u.RawQuery = q.Encode()
	s.dsn = u.String()
	if err := s.exec(ctx, "CREATE SCHEMA "+pgx.Identifier{s.name}.Sanitize()); err != nil {
		return nil, err
	}
	return s, nil
}

// drop removes the schema and everything in it.
func (s *pgSchema) drop(ctx context.Context) error {
	return s.exec(ctx, "DROP SCHEMA "+pgx.Identifier{s.name}.Sanitize()+" CASCADE")
}

func (s *pgSchema) exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.adminDSN)
	if err != nil {
		return fmt.Errorf("bench: connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("bench: %s: %w", sql, err)
	}
	return nil
}
