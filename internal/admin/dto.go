package admin

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// Duration is a time.Duration written as a Go duration string ("5m", "60s")
// in JSON and text configuration.
type Duration time.Duration

// String formats d like time.Duration.String without trailing zero units
// ("5m" rather than "5m0s").
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; it accepts what
// time.ParseDuration accepts.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("invalid duration %q: use a Go duration such as \"90s\" or \"5m\"", string(b))
	}
	*d = Duration(v)
	return nil
}

// ListResult is the shape of every paged list response.
type ListResult[T any] struct {
	Items []T `json:"items"`
	// NextCursor is opaque; empty when there are no more items.
	NextCursor string `json:"next_cursor"`
}

// ListQuery asks for one page of a list.
type ListQuery struct {
	// Cursor is a NextCursor from a previous page; empty for the first.
	Cursor string
	// Limit is the page size; 0 means storage.DefaultPageLimit, values above
	// storage.MaxPageLimit are clamped.
	Limit int
}

// page decodes q into a storage.Page.
func (q ListQuery) page() (storage.Page, error) {
	if q.Limit < 0 {
		return storage.Page{}, &ValidationError{Errors: []FieldError{{"limit", "must not be negative"}}}
	}
	after := ""
	if q.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil || len(b) == 0 {
			return storage.Page{}, &ValidationError{Errors: []FieldError{{"cursor", "is not a cursor returned by this API"}}}
		}
		after = string(b)
	}
	return storage.Page{After: after, Limit: q.Limit}.Normalize(), nil
}

// listPage fetches one page with list and converts it: it asks for one item
// more than the limit to know whether a next page exists.
func listPage[R, T any](ctx context.Context, q ListQuery, list func(context.Context, storage.Page) ([]R, error),
	key func(R) string, conv func(R) T) (ListResult[T], error) {
	p, err := q.page()
	if err != nil {
		return ListResult[T]{}, err
	}
	limit := p.Limit
	if limit < storage.MaxPageLimit {
		p.Limit++
	}
	recs, err := list(ctx, p)
	if err != nil {
		return ListResult[T]{}, err
	}
	res := ListResult[T]{Items: make([]T, 0, min(len(recs), limit))}
	more := len(recs) > limit || (limit == storage.MaxPageLimit && len(recs) == limit)
	if len(recs) > limit {
		recs = recs[:limit]
	}
	for _, r := range recs {
		res.Items = append(res.Items, conv(r))
	}
	if more && len(recs) > 0 {
		res.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(key(recs[len(recs)-1])))
	}
	return res, nil
}

// listAll pages through every record of an aggregate.
func listAll[R any](ctx context.Context, list func(context.Context, storage.Page) ([]R, error), key func(R) string) ([]R, error) {
	var all []R
	p := storage.Page{Limit: storage.MaxPageLimit}
	for {
		recs, err := list(ctx, p)
		if err != nil {
			return nil, err
		}
		all = append(all, recs...)
		if len(recs) < p.Limit {
			return all, nil
		}
		p.After = key(recs[len(recs)-1])
	}
}

// enabled reads an optional "enabled" flag: absent means enabled.
func enabled(b *bool) bool { return b == nil || *b }

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }

// cloneStrings copies a list, keeping nil and empty distinct.
func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string{}, s...)
}
