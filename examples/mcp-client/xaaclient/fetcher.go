package xaaclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/authplane/authplane/internal/xaa"
)

// reuseMargin is how long before its exp an ID token is no longer reused.
const reuseMargin = time.Minute

// Fetcher obtains the user's ID token from the IdP: it discovers the IdP's
// endpoints, signs in with the authorization code flow and PKCE S256
// (internal/xaa.SignIn), and reuses the ID token until reuseMargin before
// its exp. It is safe for concurrent use; Fetch is an
// extauth.IDTokenFetcher.
type Fetcher struct {
	c   Config
	now func() time.Time

	mu  sync.Mutex
	tok *oauth2.Token
	exp time.Time
}

// NewFetcher returns a Fetcher for c's IdP, app and user.
func NewFetcher(c Config) *Fetcher {
	now := c.Now
	if now == nil {
		now = time.Now
	}
	return &Fetcher{c: c, now: now}
}

// Fetch returns a token response whose Extra("id_token") is the ID token.
func (f *Fetcher) Fetch(ctx context.Context) (*oauth2.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tok != nil && f.now().Before(f.exp.Add(-reuseMargin)) {
		return f.tok, nil
	}
	hc := f.c.httpClient()
	meta, err := xaa.Discover(ctx, hc, f.c.IdPIssuer)
	if err != nil {
		return nil, fmt.Errorf("IdP discovery: %w", err)
	}
	tok, err := xaa.SignIn(ctx, hc, xaa.SignInRequest{
		AuthorizeURL: meta.AuthorizationEndpoint, TokenURL: meta.TokenEndpoint,
		App:         xaa.Credentials{ClientID: f.c.IdPClientID, ClientSecret: f.c.IdPClientSecret},
		RedirectURI: f.c.RedirectURI, Username: f.c.Username, Password: f.c.Password,
	})
	if err != nil {
		return nil, err
	}
	d, err := xaa.Decode(tok.Extra("id_token").(string)) // SignIn guarantees a non-empty string
	if err != nil {
		return nil, fmt.Errorf("the IdP's id_token: %w", err)
	}
	exp, ok := d.Int("exp")
	if !ok {
		return nil, errors.New("the IdP's id_token has no exp")
	}
	f.tok, f.exp = tok, time.Unix(exp, 0)
	return tok, nil
}
