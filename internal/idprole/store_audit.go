package idprole

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
)

// appendEvent stores ev and returns it with Seq set.
func (s *store) appendEvent(ctx context.Context, ev Event) (Event, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return Event{}, fmt.Errorf("idprole: encode audit event: %w", err)
	}
	res, err := s.db.ExecContext(ctx, "INSERT INTO audit (time, type, outcome, event) VALUES (?, ?, ?, ?)",
		ms(ev.Time), ev.Type, ev.Outcome, string(body))
	if err != nil {
		return Event{}, fmt.Errorf("idprole: append audit event: %w", err)
	}
	if ev.Seq, err = res.LastInsertId(); err != nil {
		return Event{}, fmt.Errorf("idprole: append audit event: %w", err)
	}
	return ev, nil
}

// listEvents returns the latest limit events, oldest first.
func (s *store) listEvents(ctx context.Context, limit int) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT seq, event FROM audit ORDER BY seq DESC LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("idprole: list audit: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var seq int64
		var body string
		if err := rows.Scan(&seq, &body); err != nil {
			return nil, fmt.Errorf("idprole: list audit: %w", err)
		}
		var ev Event
		if err := fromJSON("event", body, &ev); err != nil {
			return nil, err
		}
		ev.Seq = seq
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("idprole: list audit: %w", err)
	}
	slices.Reverse(out)
	return out, nil
}
