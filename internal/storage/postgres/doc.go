// Package postgres is the PostgreSQL storage backend (DESIGN.md §7), for
// deployments where several AuthPlane instances share one database.
//
// It owns the embedded goose migrations (migrations/*.sql), the pgx
// implementation of every storage aggregate, the replay gate over
// consumed_jtis (one INSERT … ON CONFLICT DO NOTHING per (iss, jti), so a jti
// is single-use across every instance, RAS-24) and change propagation: a
// trigger bumps a generation counter and sends NOTIFY authplane_changes in
// the transaction of every configuration change, and Store.Changes LISTENs
// for it.
//
// All SQL names tables without a schema, so the store lives in the first
// schema of the connection's search_path (set it in the DSN, for example
// "postgres://host/db?search_path=authplane").
package postgres
