package xaa

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/oauth2"
)

// SignInRequest signs a user in at an IdP with the authorization code flow
// and PKCE S256, by filling in the IdP's HTML sign-in form as a browser
// would (the dev IdP role's form: hidden fields, username, password).
type SignInRequest struct {
	AuthorizeURL, TokenURL string
	App                    Credentials
	RedirectURI            string
	Username, Password     string
}

// hiddenInput matches the sign-in form's hidden fields.
var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// formAction matches the form's action.
var formAction = regexp.MustCompile(`<form[^>]* action="([^"]+)"`)

// SignIn returns the IdP's token response; its Extra("id_token") is the ID
// token.
func SignIn(ctx context.Context, hc *http.Client, r SignInRequest) (*oauth2.Token, error) {
	cfg := oauth2.Config{
		ClientID: r.App.ClientID, ClientSecret: r.App.ClientSecret, RedirectURL: r.RedirectURI,
		Endpoint: oauth2.Endpoint{AuthURL: r.AuthorizeURL, TokenURL: r.TokenURL, AuthStyle: oauth2.AuthStyleInHeader},
		Scopes:   []string{"openid", "email", "profile"},
	}
	verifier, state, nonce := oauth2.GenerateVerifier(), oauth2.GenerateVerifier(), oauth2.GenerateVerifier()
	browser, err := newBrowser(hc)
	if err != nil {
		return nil, err
	}
	page, err := browser.get(ctx, cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", nonce)))
	if err != nil {
		return nil, fmt.Errorf("sign-in page: %w", err)
	}
	code, err := browser.submit(ctx, r, page, state)
	if err != nil {
		return nil, err
	}
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, hc), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("code exchange: %w", err)
	}
	if id, _ := tok.Extra("id_token").(string); id == "" {
		return nil, errors.New("the IdP returned no id_token")
	}
	return tok, nil
}

// browser keeps the cookies of the sign-in and does not follow redirects.
type browser struct{ c *http.Client }

func newBrowser(hc *http.Client) (*browser, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	c := *hc
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{c: &c}, nil
}

func (b *browser) get(ctx context.Context, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := b.c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", resp.Status, firstLine(string(body)))
	}
	return string(body), nil
}

// submit posts the credentials with the page's hidden fields and returns
// the code from the redirect.
func (b *browser) submit(ctx context.Context, r SignInRequest, page, state string) (string, error) {
	m := formAction.FindStringSubmatch(page)
	if m == nil {
		return "", errors.New("the sign-in page has no form")
	}
	action, err := url.Parse(r.AuthorizeURL)
	if err != nil {
		return "", err
	}
	if action, err = action.Parse(html.UnescapeString(m[1])); err != nil {
		return "", err
	}
	form := url.Values{"username": {r.Username}, "password": {r.Password}}
	for _, f := range hiddenInput.FindAllStringSubmatch(page, -1) {
		form.Set(html.UnescapeString(f[1]), html.UnescapeString(f[2]))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, action.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		return "", fmt.Errorf("sign-in refused (%s): %s", resp.Status, firstLine(stripTags(string(body))))
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return "", err
	}
	q := loc.Query()
	if e := q.Get("error"); e != "" {
		return "", fmt.Errorf("the IdP answered %s: %s", e, q.Get("error_description"))
	}
	if q.Get("state") != state || q.Get("code") == "" {
		return "", errors.New("the redirect lacks the code or carries another state")
	}
	return q.Get("code"), nil
}

var tags = regexp.MustCompile(`<[^>]*>`)

func stripTags(s string) string {
	return strings.Join(strings.Fields(tags.ReplaceAllString(s, " ")), " ")
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
