package idprole

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// userRow is a stored user with its password hash.
type userRow struct {
	User
	hash string
}

func (s *store) insertUser(ctx context.Context, u User, hash string) error {
	return execOne(ctx, s.db, errConflict, "user "+u.Username,
		`INSERT INTO users (username, email, groups_json, password_hash, created_at, updated_at)
		 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		u.Username, u.Email, toJSON(nonNil(u.Groups)), hash, ms(u.CreatedAt), ms(u.UpdatedAt))
}

const userCols = "username, email, groups_json, password_hash, created_at, updated_at"

func scanUser(sc interface{ Scan(...any) error }) (userRow, error) {
	var r userRow
	var groups string
	var created, updated int64
	if err := sc.Scan(&r.Username, &r.Email, &groups, &r.hash, &created, &updated); err != nil {
		return userRow{}, err
	}
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return r, fromJSON("groups_json", groups, &r.Groups)
}

func (s *store) getUser(ctx context.Context, username string) (userRow, error) {
	r, err := scanUser(s.db.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE username = ?", username))
	if errors.Is(err, sql.ErrNoRows) {
		return userRow{}, fmt.Errorf("%w: user %s", errNotFound, username)
	}
	if err != nil {
		return userRow{}, fmt.Errorf("idprole: get user: %w", err)
	}
	return r, nil
}

func (s *store) listUsers(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+userCols+" FROM users ORDER BY username")
	if err != nil {
		return nil, fmt.Errorf("idprole: list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		r, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("idprole: list users: %w", err)
		}
		out = append(out, r.User)
	}
	return out, rows.Err()
}

func (s *store) setUserPassword(ctx context.Context, username, hash string, at int64) error {
	return execOne(ctx, s.db, errNotFound, "user "+username,
		"UPDATE users SET password_hash = ?, updated_at = ? WHERE username = ?", hash, at, username)
}

func (s *store) setUserGroups(ctx context.Context, username string, groups []string, at int64) error {
	return execOne(ctx, s.db, errNotFound, "user "+username,
		"UPDATE users SET groups_json = ?, updated_at = ? WHERE username = ?", toJSON(nonNil(groups)), at, username)
}

func (s *store) deleteUser(ctx context.Context, username string) error {
	return execOne(ctx, s.db, errNotFound, "user "+username, "DELETE FROM users WHERE username = ?", username)
}

// appRow is a stored app with its secret hash.
type appRow struct {
	App
	secretHash []byte
}

func (s *store) insertApp(ctx context.Context, a App, secretHash []byte) error {
	return execOne(ctx, s.db, errConflict, "app "+a.ID,
		`INSERT INTO apps (id, name, secret_hash, redirect_uris_json, grant_types_json, created_at)
		 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		a.ID, a.Name, secretHash, toJSON(nonNil(a.RedirectURIs)), toJSON(nonNil(a.GrantTypes)), ms(a.CreatedAt))
}

const appCols = "id, name, secret_hash, redirect_uris_json, grant_types_json, created_at"

func scanApp(sc interface{ Scan(...any) error }) (appRow, error) {
	var r appRow
	var uris, grants string
	var created int64
	if err := sc.Scan(&r.ID, &r.Name, &r.secretHash, &uris, &grants, &created); err != nil {
		return appRow{}, err
	}
	r.CreatedAt = fromMS(created)
	if err := fromJSON("redirect_uris_json", uris, &r.RedirectURIs); err != nil {
		return appRow{}, err
	}
	return r, fromJSON("grant_types_json", grants, &r.GrantTypes)
}

func (s *store) getApp(ctx context.Context, id string) (appRow, error) {
	r, err := scanApp(s.db.QueryRowContext(ctx, "SELECT "+appCols+" FROM apps WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return appRow{}, fmt.Errorf("%w: app %s", errNotFound, id)
	}
	if err != nil {
		return appRow{}, fmt.Errorf("idprole: get app: %w", err)
	}
	return r, nil
}

func (s *store) listApps(ctx context.Context) ([]App, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+appCols+" FROM apps ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("idprole: list apps: %w", err)
	}
	defer rows.Close()
	var out []App
	for rows.Next() {
		r, err := scanApp(rows)
		if err != nil {
			return nil, fmt.Errorf("idprole: list apps: %w", err)
		}
		out = append(out, r.App)
	}
	return out, rows.Err()
}

func (s *store) deleteApp(ctx context.Context, id string) error {
	return execOne(ctx, s.db, errNotFound, "app "+id, "DELETE FROM apps WHERE id = ?", id)
}

// nonNil returns s, or an empty slice for nil, so columns hold [] not null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
