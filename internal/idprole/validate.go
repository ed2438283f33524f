package idprole

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/storage"
)

// invalid wraps storage.ErrInvalid with what is wrong.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", storage.ErrInvalid, fmt.Sprintf(format, args...))
}

// validUsername: 1-64 of [A-Za-z0-9._@-].
func validUsername(u string) bool {
	if len(u) == 0 || len(u) > 64 {
		return false
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("._@-", c) >= 0) {
			return false
		}
	}
	return true
}

// validID: 1-255 visible ASCII characters (app, audience and policy ids,
// client ids at an audience, group names).
func validID(id string) bool {
	if len(id) == 0 || len(id) > 255 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

func checkUser(u User) (User, error) {
	var errs []error
	if !validUsername(u.Username) {
		errs = append(errs, invalid("username %q: 1-64 of letters, digits and . _ @ -", u.Username))
	}
	if u.Email != "" {
		if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email || a.Name != "" {
			errs = append(errs, invalid("email %q is not a plain address", u.Email))
		}
	}
	groups, err := checkGroups(u.Groups)
	if err != nil {
		errs = append(errs, err)
	}
	u.Groups = groups
	if err := checkPassword(u.Password); err != nil {
		errs = append(errs, invalid("%v", err))
	}
	return u, errors.Join(errs...)
}

func checkGroups(groups []string) ([]string, error) {
	for _, g := range groups {
		if !validID(g) || len(g) > 128 {
			return nil, invalid("group %q: 1-128 visible ASCII characters", g)
		}
	}
	return dedupe(nonNil(groups)), nil
}

func (s *Server) checkApp(a App) (App, error) {
	var errs []error
	if !validID(a.ID) {
		errs = append(errs, invalid("app id %q: 1-255 visible ASCII characters", a.ID))
	}
	if a.GrantTypes == nil {
		a.GrantTypes = []string{grantAuthorizationCode, oauth.GrantTokenExchange}
	}
	if len(a.GrantTypes) == 0 {
		errs = append(errs, invalid("grant types: an app needs at least one"))
	}
	for _, g := range a.GrantTypes {
		if g != grantAuthorizationCode && g != oauth.GrantTokenExchange {
			errs = append(errs, invalid("grant type %q: only %s and %s", g, grantAuthorizationCode, oauth.GrantTokenExchange))
		}
	}
	if slices.Contains(a.GrantTypes, grantAuthorizationCode) && len(a.RedirectURIs) == 0 {
		errs = append(errs, invalid("redirect URIs: the authorization code flow needs at least one"))
	}
	for _, ru := range a.RedirectURIs {
		if err := s.checkRedirectURI(ru); err != nil {
			errs = append(errs, err)
		}
	}
	if a.Secret != "" && (len(a.Secret) < 16 || len(a.Secret) > 512) {
		errs = append(errs, invalid("secret: 16-512 bytes (omit it to generate one)"))
	}
	a.GrantTypes, a.RedirectURIs = dedupe(a.GrantTypes), dedupe(nonNil(a.RedirectURIs))
	return a, errors.Join(errs...)
}

// checkRedirectURI: an absolute URI without fragment or user info; https,
// http on a loopback host (any host in dev mode), or a private-use scheme
// with a dot (RFC 8252 §7.1; O21 §2.3.1).
func (s *Server) checkRedirectURI(ru string) error {
	u, err := url.Parse(ru)
	if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(ru, "#") || u.User != nil {
		return invalid("redirect URI %q: an absolute URI without fragment or user info", ru)
	}
	switch {
	case u.Scheme == "https" && u.Host != "":
		return nil
	case u.Scheme == "http" && u.Host != "" && (s.cfg.Dev || isLoopback(u.Hostname())):
		return nil
	case u.Scheme != "http" && u.Scheme != "https" && strings.Contains(u.Scheme, "."):
		return nil
	}
	return invalid("redirect URI %q: https, http on a loopback host, or a private-use scheme", ru)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *Server) checkAudience(a Audience) (Audience, error) {
	var errs []error
	if !validID(a.ID) {
		errs = append(errs, invalid("audience id %q: 1-255 visible ASCII characters", a.ID))
	}
	if err := checkIssuer(a.Issuer, s.cfg.Dev); err != nil {
		errs = append(errs, invalid("audience issuer %q: %v", a.Issuer, err))
	}
	for _, al := range a.Aliases {
		if u, err := url.Parse(al); err != nil || !u.IsAbs() || al == a.Issuer {
			errs = append(errs, invalid("alias %q: an absolute URI other than the issuer", al))
		}
	}
	if a.Issuer == s.cfg.Issuer || slices.Contains(a.Aliases, s.cfg.Issuer) {
		errs = append(errs, invalid("audience %q is this IdP itself (SPEC IDP-20)", s.cfg.Issuer))
	}
	for _, r := range a.Resources {
		if !validResourceURI(r) {
			errs = append(errs, invalid("resource %q: an absolute URI without fragment (RFC 8707)", r))
		}
	}
	if a.Scopes != nil && len(a.Scopes) == 0 {
		errs = append(errs, invalid("scopes: an empty catalogue offers nothing; omit it to require explicit scopes"))
	}
	for _, sc := range a.Scopes {
		if !validScopeToken(sc) {
			errs = append(errs, invalid("scope %q is not an RFC 6749 scope token", sc))
		}
	}
	for app, cid := range a.ClientIDMap {
		if !validID(app) || !validID(cid) {
			errs = append(errs, invalid("client id mapping %q=%q: visible ASCII ids", app, cid))
		}
	}
	a.Aliases, a.Resources = dedupe(nonNil(a.Aliases)), dedupe(nonNil(a.Resources))
	if a.Scopes != nil {
		a.Scopes = dedupe(a.Scopes)
	}
	return a, errors.Join(errs...)
}
