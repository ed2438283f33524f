package adminclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Page is one page of a list answer. NextCursor is empty on the last page.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// ListOptions select one page of a list: Cursor is the opaque next_cursor of
// the previous page, Limit the page size (0 = server default), Query any
// further filters (audit).
type ListOptions struct {
	Cursor string
	Limit  int
	Query  url.Values
}

// values returns the query string parameters of o.
func (o ListOptions) values() url.Values {
	v := url.Values{}
	for k, vs := range o.Query {
		v[k] = append([]string(nil), vs...)
	}
	if o.Cursor != "" {
		v.Set("cursor", o.Cursor)
	}
	if o.Limit > 0 {
		v.Set("limit", strconv.Itoa(o.Limit))
	}
	return v
}

// Collection is one admin API resource collection (e.g. /clients) whose
// objects decode into T. Use json.RawMessage as T (see Raw) to keep the
// server's JSON verbatim.
type Collection[T any] struct {
	c    *Client
	path string
}

// NewCollection returns the collection at path (relative to APIPrefix,
// e.g. "/clients").
func NewCollection[T any](c *Client, path string) Collection[T] {
	return Collection[T]{c: c, path: path}
}

// Raw returns the same collection decoding into json.RawMessage.
func (r Collection[T]) Raw() Collection[json.RawMessage] {
	return Collection[json.RawMessage]{c: r.c, path: r.path}
}

// Path returns the escaped path of the object with the given key segments
// (one id, or an IdP id and an external subject).
func (r Collection[T]) Path(key ...string) string {
	var b strings.Builder
	b.WriteString(r.path)
	for _, k := range key {
		b.WriteString("/")
		b.WriteString(url.PathEscape(k))
	}
	return b.String()
}

// List returns one page.
func (r Collection[T]) List(ctx context.Context, o ListOptions) (Page[T], error) {
	var p Page[T]
	path := r.path
	if q := o.values().Encode(); q != "" {
		path += "?" + q
	}
	err := r.c.Do(ctx, http.MethodGet, path, nil, &p)
	return p, err
}

// All follows next_cursor from o.Cursor to the last page and returns every
// item. It stops with an error if the server repeats a cursor.
func (r Collection[T]) All(ctx context.Context, o ListOptions) (Page[T], error) {
	var all Page[T]
	seen := map[string]bool{}
	for {
		p, err := r.List(ctx, o)
		if err != nil {
			return all, err
		}
		all.Items = append(all.Items, p.Items...)
		if p.NextCursor == "" {
			return all, nil
		}
		if seen[p.NextCursor] || p.NextCursor == o.Cursor {
			return all, fmt.Errorf("adminclient: %s: server repeated cursor %q", r.path, p.NextCursor)
		}
		seen[p.NextCursor] = true
		o.Cursor = p.NextCursor
	}
}

// Get returns one object.
func (r Collection[T]) Get(ctx context.Context, key ...string) (T, error) {
	var v T
	err := r.c.Do(ctx, http.MethodGet, r.Path(key...), nil, &v)
	return v, err
}

// Create POSTs body (any JSON-encodable value, e.g. the map built by Apply)
// and returns the created object.
func (r Collection[T]) Create(ctx context.Context, body any) (T, error) {
	var v T
	err := r.c.Do(ctx, http.MethodPost, r.path, body, &v)
	return v, err
}

// Update PUTs body as the full replacement of the object at key.
func (r Collection[T]) Update(ctx context.Context, body any, key ...string) (T, error) {
	var v T
	err := r.c.Do(ctx, http.MethodPut, r.Path(key...), body, &v)
	return v, err
}

// Delete removes the object at key.
func (r Collection[T]) Delete(ctx context.Context, key ...string) error {
	return r.c.Do(ctx, http.MethodDelete, r.Path(key...), nil, nil)
}
