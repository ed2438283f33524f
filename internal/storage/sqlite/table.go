package sqlite

import (
	"context"
	"fmt"
	"strings"
)

// table maps one key-addressed aggregate T onto one SQLite table. cols
// lists the key columns first; args and scan use the same order.
type table[T any] struct {
	name string
	cols []string
	keys int
	args func(r T) ([]any, error)
	scan func(sc scanner) (T, error)
}

// keyWhere is "k1 = ? AND k2 = ?".
func (tb table[T]) keyWhere() string {
	parts := make([]string, tb.keys)
	for i, c := range tb.cols[:tb.keys] {
		parts[i] = c + " = ?"
	}
	return strings.Join(parts, " AND ")
}

// keyList is "k1, k2".
func (tb table[T]) keyList() string { return strings.Join(tb.cols[:tb.keys], ", ") }

// marks is "?, ?, …" for n placeholders.
func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// create inserts r and bumps the generation.
func (tb table[T]) create(ctx context.Context, o *ops, r T) error {
	args, err := tb.args(r)
	if err != nil {
		return err
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", tb.name, strings.Join(tb.cols, ", "), marks(len(tb.cols)))
	if _, err := o.q.ExecContext(ctx, q, args...); err != nil {
		return mapErr(err)
	}
	return o.bump(ctx)
}

// update replaces every non-key column of the row with r's key and bumps
// the generation; storage.ErrNotFound if there is no such row.
func (tb table[T]) update(ctx context.Context, o *ops, r T) error {
	args, err := tb.args(r)
	if err != nil {
		return err
	}
	set := tb.cols[tb.keys:]
	q := fmt.Sprintf("UPDATE %s SET (%s) = (%s) WHERE %s", tb.name, strings.Join(set, ", "), marks(len(set)), tb.keyWhere())
	ordered := append(append([]any{}, args[tb.keys:]...), args[:tb.keys]...)
	if err := oneRow(o.q.ExecContext(ctx, q, ordered...)); err != nil {
		return err
	}
	return o.bump(ctx)
}

// get reads the row with the given key values.
func (tb table[T]) get(ctx context.Context, o *ops, key ...any) (T, error) {
	q := fmt.Sprintf("SELECT %s FROM %s WHERE %s", strings.Join(tb.cols, ", "), tb.name, tb.keyWhere())
	r, err := tb.scan(o.q.QueryRowContext(ctx, q, key...))
	return r, noRows(err)
}

// delete removes the row with the given key values and bumps the
// generation; storage.ErrNotFound if there is no such row.
func (tb table[T]) delete(ctx context.Context, o *ops, key ...any) error {
	q := fmt.Sprintf("DELETE FROM %s WHERE %s", tb.name, tb.keyWhere())
	if err := oneRow(o.q.ExecContext(ctx, q, key...)); err != nil {
		return err
	}
	return o.bump(ctx)
}

// list returns at most limit rows whose key sorts after the key values in
// after, in ascending key order (byte order: SQLite's BINARY collation).
func (tb table[T]) list(ctx context.Context, o *ops, limit int, after ...any) ([]T, error) {
	q := fmt.Sprintf("SELECT %s FROM %s WHERE (%s) > (%s) ORDER BY %s LIMIT ?",
		strings.Join(tb.cols, ", "), tb.name, tb.keyList(), marks(tb.keys), tb.keyList())
	return queryAll(ctx, o, tb.scan, q, append(after, limit)...)
}

// queryAll runs q and scans every row with scan.
func queryAll[T any](ctx context.Context, o *ops, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := o.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
