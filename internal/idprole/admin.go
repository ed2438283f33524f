package idprole

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/authplane/authplane/internal/policy"
	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/storage"
)

// The admin methods below back the `authplane idp …` CLI and the demo.
// Errors wrap storage.ErrInvalid (every problem of the input at once),
// storage.ErrConflict or storage.ErrNotFound. Each change is audited.

// AddUser creates a user with a PBKDF2-hashed password. The returned user
// has no Password.
func (s *Server) AddUser(ctx context.Context, u User) (User, error) {
	u, err := checkUser(u)
	if err != nil {
		return User{}, err
	}
	hash, err := hashPassword(u.Password, s.cfg.passwordIterations())
	if err != nil {
		return User{}, err
	}
	u.Password = ""
	u.CreatedAt = s.now().UTC().Truncate(1e6)
	u.UpdatedAt = u.CreatedAt
	if err := s.st.insertUser(ctx, u, hash); err != nil {
		return User{}, err
	}
	return u, s.recordAdmin(ctx, "user.add "+u.Username)
}

// ListUsers returns every user, by username, without password hashes.
func (s *Server) ListUsers(ctx context.Context) ([]User, error) { return s.st.listUsers(ctx) }

// SetPassword replaces a user's password.
func (s *Server) SetPassword(ctx context.Context, username, password string) error {
	if err := checkPassword(password); err != nil {
		return invalid("%v", err)
	}
	hash, err := hashPassword(password, s.cfg.passwordIterations())
	if err != nil {
		return err
	}
	if err := s.st.setUserPassword(ctx, username, hash, ms(s.now())); err != nil {
		return err
	}
	return s.recordAdmin(ctx, "user.set-password "+username)
}

// SetGroups replaces a user's groups; the next token exchange sees them.
func (s *Server) SetGroups(ctx context.Context, username string, groups []string) error {
	groups, err := checkGroups(groups)
	if err != nil {
		return err
	}
	if err := s.st.setUserGroups(ctx, username, groups, ms(s.now())); err != nil {
		return err
	}
	return s.recordAdmin(ctx, "user.set-groups "+username+" ["+strings.Join(groups, ",")+"]")
}

// DeleteUser removes a user; ID tokens already issued to them no longer
// yield ID-JAGs.
func (s *Server) DeleteUser(ctx context.Context, username string) error {
	if err := s.st.deleteUser(ctx, username); err != nil {
		return err
	}
	return s.recordAdmin(ctx, "user.delete "+username)
}

// AddApp registers an app. When a.Secret is empty one is generated; the
// returned App carries the secret in clear, the only time it is available.
func (s *Server) AddApp(ctx context.Context, a App) (App, error) {
	a, err := s.checkApp(a)
	if err != nil {
		return App{}, err
	}
	if a.Secret == "" {
		a.Secret = secret.Generate()
	}
	a.CreatedAt = s.now().UTC().Truncate(1e6)
	if err := s.st.insertApp(ctx, a, s.secrets.Hash(a.Secret)); err != nil {
		return App{}, err
	}
	return a, s.recordAdmin(ctx, "app.add "+a.ID)
}

// ListApps returns every app, by id, without secrets.
func (s *Server) ListApps(ctx context.Context) ([]App, error) { return s.st.listApps(ctx) }

// DeleteApp removes an app.
func (s *Server) DeleteApp(ctx context.Context, id string) error {
	if err := s.st.deleteApp(ctx, id); err != nil {
		return err
	}
	return s.recordAdmin(ctx, "app.delete "+id)
}

// AddAudience registers a resource AS the IdP mints ID-JAGs for. Its
// issuer and aliases must not be this IdP (SPEC IDP-20) nor answer for
// another audience.
func (s *Server) AddAudience(ctx context.Context, a Audience) (Audience, error) {
	a, err := s.checkAudience(a)
	if err != nil {
		return Audience{}, err
	}
	a.CreatedAt = s.now().UTC().Truncate(1e6)
	if err := s.st.insertAudience(ctx, a); err != nil {
		return Audience{}, err
	}
	return a, s.recordAdmin(ctx, "audience.add "+a.ID+" "+a.Issuer)
}

// ListAudiences returns every audience, by id.
func (s *Server) ListAudiences(ctx context.Context) ([]Audience, error) {
	return s.st.listAudiences(ctx)
}

// DeleteAudience removes an audience.
func (s *Server) DeleteAudience(ctx context.Context, id string) error {
	if err := s.st.deleteAudience(ctx, id); err != nil {
		return err
	}
	return s.recordAdmin(ctx, "audience.delete "+id)
}

// AddPolicy appends an enterprise policy rule, checked like the resource
// AS checks its rules (policy.CheckRule). The rule takes part only when
// p.Enabled is true. See decide for how IdP concepts map onto the rule's
// matchers: idps = audience ids, clients = app ids, resources = resource
// URIs, subjects = usernames.
func (s *Server) AddPolicy(ctx context.Context, p storage.Policy) error {
	if fes := policy.CheckRule(p, policy.Options{}); len(fes) > 0 {
		errs := make([]error, len(fes))
		for i, fe := range fes {
			errs[i] = invalid("policy %q: %v", p.ID, fe)
		}
		return errors.Join(errs...)
	}
	p.CreatedAt = s.now().UTC().Truncate(1e6)
	p.UpdatedAt = p.CreatedAt
	if err := s.st.insertPolicy(ctx, p); err != nil {
		return err
	}
	return s.recordAdmin(ctx, fmt.Sprintf("policy.add %s %s", p.ID, p.Effect))
}

// ListPolicies returns the rules in policy order.
func (s *Server) ListPolicies(ctx context.Context) ([]storage.Policy, error) {
	ps, _, err := s.st.listPolicies(ctx)
	return ps, err
}

// DeletePolicy removes a rule.
func (s *Server) DeletePolicy(ctx context.Context, id string) error {
	if err := s.st.deletePolicy(ctx, id); err != nil {
		return err
	}
	return s.recordAdmin(ctx, "policy.delete "+id)
}
