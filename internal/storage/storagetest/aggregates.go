package storagetest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// The fixtures below set every field to a value distinct per record, with
// nanosecond times in a non-UTC zone and durations that are not whole
// milliseconds, so that any lossy column shows up as a mismatch.

func clientAggregate() aggregate[storage.Client] {
	return aggregate[storage.Client]{
		sample: func(i int) storage.Client {
			return storage.Client{
				ID:          fmt.Sprintf("client-%03d", i),
				Name:        fmt.Sprintf("Agent %d ✓", i),
				GrantTypes:  []string{"urn:ietf:params:oauth:grant-type:jwt-bearer", "client_credentials"},
				AuthMethod:  storage.AuthPrivateKeyJWT,
				SecretHash:  []byte{0x00, 0xff, byte(i), 0x10, 0x00},
				JWKS:        json.RawMessage(fmt.Sprintf(`{"keys":[{"kty":"EC","crv":"P-256","kid":"k%d","x":"AQ","y":"Ag"}]}`, i)),
				JWKSURI:     fmt.Sprintf("https://agent%d.example/jwks.json", i),
				AllowedIdPs: []string{"idp-a", fmt.Sprintf("idp-%d", i)},
				Enabled:     true,
				CreatedAt:   at(time.Duration(i) * time.Hour),
				UpdatedAt:   at(time.Duration(i)*time.Hour + 1500*time.Microsecond),
			}
		},
		minimal: func(i int) storage.Client { return storage.Client{ID: fmt.Sprintf("client-%03d", i)} },
		mutate: func(c storage.Client) storage.Client {
			c.Name += " renamed"
			c.GrantTypes = []string{"authorization_code"}
			c.AuthMethod = storage.AuthClientSecretBasic
			c.SecretHash = []byte("new-hash")
			c.JWKS = json.RawMessage(`{"keys":[]}`)
			c.JWKSURI = ""
			c.AllowedIdPs = []string{}
			c.Enabled = !c.Enabled
			c.UpdatedAt = c.UpdatedAt.Add(time.Minute + 7*time.Millisecond)
			return c
		},
		blank: func(c storage.Client) storage.Client { c.ID = ""; return c },
		key:   func(c storage.Client) string { return c.ID },
		create: func(ctx context.Context, s storage.Store, c storage.Client) error {
			return s.CreateClient(ctx, c)
		},
		update: func(ctx context.Context, s storage.Store, c storage.Client) error {
			return s.UpdateClient(ctx, c)
		},
		get: func(ctx context.Context, s storage.Store, id string) (storage.Client, error) {
			return s.GetClient(ctx, id)
		},
		del: func(ctx context.Context, s storage.Store, id string) error { return s.DeleteClient(ctx, id) },
		list: func(ctx context.Context, s storage.Store, p storage.Page) ([]storage.Client, error) {
			return s.ListClients(ctx, p)
		},
	}
}

func resourceAggregate() aggregate[storage.Resource] {
	return aggregate[storage.Resource]{
		sample: func(i int) storage.Resource {
			return storage.Resource{
				ID:             fmt.Sprintf("res-%03d", i),
				URI:            fmt.Sprintf("https://mcp%d.example/mcp", i),
				Name:           fmt.Sprintf("MCP server %d", i),
				Scopes:         []string{"files:read", fmt.Sprintf("files:write:%d", i)},
				AccessTokenTTL: 5*time.Minute + 3*time.Nanosecond,
				Enabled:        true,
				CreatedAt:      at(time.Duration(i) * time.Minute),
				UpdatedAt:      at(time.Duration(i)*time.Minute + time.Second),
			}
		},
		minimal: func(i int) storage.Resource {
			return storage.Resource{ID: fmt.Sprintf("res-%03d", i), URI: fmt.Sprintf("https://mcp%d.example/mcp", i)}
		},
		mutate: func(r storage.Resource) storage.Resource {
			r.URI += "/v2"
			r.Name += " v2"
			r.Scopes = []string{}
			r.AccessTokenTTL = 90 * time.Second
			r.Enabled = !r.Enabled
			r.UpdatedAt = r.UpdatedAt.Add(time.Hour)
			return r
		},
		blank: func(r storage.Resource) storage.Resource { r.ID = ""; return r },
		key:   func(r storage.Resource) string { return r.ID },
		create: func(ctx context.Context, s storage.Store, r storage.Resource) error {
			return s.CreateResource(ctx, r)
		},
		update: func(ctx context.Context, s storage.Store, r storage.Resource) error {
			return s.UpdateResource(ctx, r)
		},
		get: func(ctx context.Context, s storage.Store, id string) (storage.Resource, error) {
			return s.GetResource(ctx, id)
		},
		del: func(ctx context.Context, s storage.Store, id string) error { return s.DeleteResource(ctx, id) },
		list: func(ctx context.Context, s storage.Store, p storage.Page) ([]storage.Resource, error) {
			return s.ListResources(ctx, p)
		},
	}
}

// idpSample returns fixture number i with every field set.
func idpSample(i int) storage.IdP {
	return storage.IdP{
		ID:                   fmt.Sprintf("idp-%03d", i),
		Issuer:               fmt.Sprintf("https://idp%d.example/tenant", i),
		JWKSURI:              fmt.Sprintf("https://idp%d.example/keys", i),
		AllowedAlgs:          []string{"ES256", "RS256"},
		MaxAssertionLifetime: 5 * time.Minute,
		ClockSkew:            30*time.Second + 250*time.Microsecond + 1,
		GroupsClaim:          "groups",
		SubjectMode:          storage.SubjectEmail,
		EmailDomains:         []string{"example.com", fmt.Sprintf("sub%d.example.com", i)},
		ClientIDMap:          map[string]string{"okta-agent": fmt.Sprintf("client-%03d", i), "ünï": "x"},
		AllowedHosts:         []string{fmt.Sprintf("idp%d.example", i)},
		Tenant:               fmt.Sprintf("tenant-%d", i),
		Enabled:              true,
		CreatedAt:            at(-time.Duration(i) * time.Hour),
		UpdatedAt:            at(time.Duration(i) * time.Millisecond),
	}
}

func idpAggregate() aggregate[storage.IdP] {
	return aggregate[storage.IdP]{
		sample: idpSample,
		minimal: func(i int) storage.IdP {
			return storage.IdP{ID: fmt.Sprintf("idp-%03d", i), Issuer: fmt.Sprintf("https://idp%d.example/tenant", i)}
		},
		mutate: func(p storage.IdP) storage.IdP {
			p.Issuer += "/v2"
			p.JWKSURI = ""
			p.AllowedAlgs = []string{"ES256"}
			p.MaxAssertionLifetime = time.Minute
			p.ClockSkew = 0
			p.GroupsClaim = "roles"
			p.SubjectMode = storage.SubjectMapped
			p.EmailDomains = nil
			p.ClientIDMap = map[string]string{}
			p.AllowedHosts = []string{}
			p.Tenant = ""
			p.Enabled = !p.Enabled
			p.UpdatedAt = p.UpdatedAt.Add(time.Second)
			return p
		},
		blank: func(p storage.IdP) storage.IdP { p.ID = ""; return p },
		key:   func(p storage.IdP) string { return p.ID },
		create: func(ctx context.Context, s storage.Store, p storage.IdP) error {
			return s.CreateIdP(ctx, p)
		},
		update: func(ctx context.Context, s storage.Store, p storage.IdP) error {
			return s.UpdateIdP(ctx, p)
		},
		get: func(ctx context.Context, s storage.Store, id string) (storage.IdP, error) {
			return s.GetIdP(ctx, id)
		},
		del: func(ctx context.Context, s storage.Store, id string) error { return s.DeleteIdP(ctx, id) },
		list: func(ctx context.Context, s storage.Store, p storage.Page) ([]storage.IdP, error) {
			return s.ListIdPs(ctx, p)
		},
	}
}
