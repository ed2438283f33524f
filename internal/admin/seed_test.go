package admin

import (
	"context"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/authplane/authplane/internal/storage"
)

const seedSecret = "configured-secret-0123456789abcdef"

// seedDoc is a configuration whose objects reference each other across
// kinds and out of order (the IdP maps to a client declared after it).
func seedDoc(t *testing.T) Seed {
	t.Helper()
	raw := `{
	  "resources": [{"id":"github","uri":"https://mcp.example.com/github","scopes":["repo:read","repo:write"],"access_token_ttl":"5m"}],
	  "idps": [{"id":"okta","issuer":"https://idp.example.com","allowed_algs":["ES256"],"subject_mode":"mapped",
	            "client_id_map":{"0oa-agent":"agent-1"},"allowed_hosts":[]}],
	  "clients": [{"id":"agent-1","name":"Agent","allowed_idps":["okta"],"client_secret":"` + seedSecret + `"},
	              {"id":"introspector","grant_types":[],"token_endpoint_auth_method":"private_key_jwt","jwks_uri":"https://rs.example.com/jwks"}],
	  "policies": [{"id":"eng","effect":"allow","clients":["agent-1"],"resources":["github"],"scopes":["repo:read"],"groups_any":[]}],
	  "subject_mappings": [{"idp_id":"okta","external_subject":"00u1","local_subject":"alice"}]
	}`
	var s Seed
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEMA15_SeedIsIdempotent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.svc.Seed(ctx, seedDoc(t)); err != nil {
		t.Fatal(err)
	}
	evs := e.events()
	var types []string
	for _, ev := range evs {
		if ev.Actor != ActorConfig {
			t.Fatalf("seed event by %q", ev.Actor)
		}
		types = append(types, ev.Type)
	}
	sort.Strings(types)
	want := []string{"admin.client.create", "admin.client.create", "admin.idp.create", "admin.policy.create",
		"admin.resource.create", "admin.subject_mapping.create"}
	if len(types) != len(want) {
		t.Fatalf("seed events = %v, want %v", types, want)
	}
	c, err := e.store.GetClient(ctx, "agent-1")
	if err != nil || !e.hasher.Verify(seedSecret, c.SecretHash) {
		t.Fatalf("seeded client secret does not verify: %v", err)
	}
	i, _ := e.store.GetIdP(ctx, "okta")
	if i.AllowedHosts == nil || len(i.AllowedHosts) != 0 {
		t.Fatalf("seeded allowed_hosts = %#v, want []", i.AllowedHosts)
	}
	assertNoSecret(t, e.hasher, seedSecret, evs)

	e.clk.Advance(3600e9)
	gen, err := e.store.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Seed(ctx, seedDoc(t)); err != nil {
		t.Fatal(err)
	}
	e.noEvents(len(evs))
	if gen2, _ := e.store.Generation(ctx); gen2 != gen {
		t.Fatalf("second seed changed the store generation %d → %d", gen, gen2)
	}
	if c2, _ := e.store.GetClient(ctx, "agent-1"); !c2.UpdatedAt.Equal(c.UpdatedAt) {
		t.Fatalf("second seed touched the client: %v → %v", c.UpdatedAt, c2.UpdatedAt)
	}
}

func TestSeedAppliesOnlyChanges(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.svc.Seed(ctx, seedDoc(t)); err != nil {
		t.Fatal(err)
	}
	evs := e.events()
	changed := seedDoc(t)
	changed.Resources[0].Name = "GitHub MCP"
	changed.Clients[0].ClientSecret = seedSecret + "-rotated"
	if err := e.svc.Seed(ctx, changed); err != nil {
		t.Fatal(err)
	}
	after := e.events()[len(evs):]
	if len(after) != 2 || after[0].Type != "admin.resource.update" || after[1].Type != "admin.client.update" {
		t.Fatalf("events after a two-field change = %+v", after)
	}
	if c3, _ := e.store.GetClient(ctx, "agent-1"); !e.hasher.Verify(seedSecret+"-rotated", c3.SecretHash) {
		t.Fatal("changed seed secret not applied")
	}
	assertNoSecret(t, e.hasher, seedSecret+"-rotated", e.events())

	// A client created through the API keeps its secret when configuration
	// later declares it without one.
	keep := seedDoc(t)
	keep.Clients[0].ClientSecret = ""
	if err := e.svc.Seed(ctx, keep); err != nil {
		t.Fatal(err)
	}
	if c4, _ := e.store.GetClient(ctx, "agent-1"); !e.hasher.Verify(seedSecret+"-rotated", c4.SecretHash) {
		t.Fatal("seed without a secret replaced the stored one")
	}
}

func TestSeedReportsEveryProblemAtOnce(t *testing.T) {
	e := newEnv(t)
	s := seedDoc(t)
	s.IdPs[0].MaxAssertionLifetime = Duration(10 * 60e9)
	s.Clients = append(s.Clients, ClientSeed{ClientDTO: ClientDTO{ID: "third", TokenEndpointAuthMethod: storage.AuthPrivateKeyJWT,
		JWKSURI: "http://keys.example.com/jwks"}})
	s.Policies = append(s.Policies, PolicyDTO{ID: "deny-ghost", Effect: "deny", Clients: []string{"ghost"}})
	err := e.svc.Seed(context.Background(), s)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a *ValidationError", err)
	}
	got := map[string]bool{}
	for _, fe := range ve.Errors {
		got[fe.Field] = true
	}
	for _, f := range []string{"idps[0].max_assertion_lifetime", "clients[2].jwks_uri", "policies[1].clients[0]"} {
		if !got[f] {
			t.Errorf("missing %s in %+v", f, ve.Errors)
		}
	}
	if len(ve.Errors) != 3 {
		t.Errorf("errors = %+v, want exactly 3", ve.Errors)
	}
	e.noEvents(0)
	if _, err := e.store.GetResource(context.Background(), "github"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a failed seed wrote a resource: %v", err)
	}
}

func TestSeedValidation(t *testing.T) {
	ec := &ecKey(t, elliptic.P256()).PublicKey
	tests := []struct {
		name   string
		mutate func(*Seed)
		fields []string
	}{
		{"duplicate ids and uris", func(s *Seed) {
			s.Resources = append(s.Resources, s.Resources[0])
			s.Policies = append(s.Policies, s.Policies[0])
		}, []string{"resources[1].id", "resources[1].uri", "policies[1].id"}},
		{"new secret client without a secret", func(s *Seed) { s.Clients[0].ClientSecret = "" }, []string{"clients[0].client_secret"}},
		{"short secret", func(s *Seed) { s.Clients[0].ClientSecret = "short" }, []string{"clients[0].client_secret"}},
		{"secret on a private_key_jwt client", func(s *Seed) {
			s.Clients[1].ClientSecret = seedSecret
			s.Clients[1].JWKSURI, s.Clients[1].JWKS = "", jwksOf(t, ec)
		}, []string{"clients[1].client_secret"}},
		{"scope missing from the seeded resource", func(s *Seed) { s.Policies[0].Scopes = []string{"admin"} }, []string{"policies[0].scopes[0]"}},
		{"mapping to an unknown IdP", func(s *Seed) { s.SubjectMappings[0].IdPID = "ghost" }, []string{"subject_mappings[0].idp_id"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			s := seedDoc(t)
			tc.mutate(&s)
			var ve *ValidationError
			if err := e.svc.Seed(context.Background(), s); !errors.As(err, &ve) {
				t.Fatalf("err = %v", err)
			}
			p := Problem{Errors: ve.Errors}
			requireFields(t, p, tc.fields...)
			e.noEvents(0)
		})
	}
}
