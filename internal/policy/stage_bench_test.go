package policy

import (
	"testing"

	"github.com/authplane/authplane/internal/storage"
)

// BenchmarkDecideOneRule is the policy stage of the jwt-bearer pipeline as
// `authplane bench` exercises it: one allow rule naming the IdP, the
// client and the resource, and a request for two scopes.
func BenchmarkDecideOneRule(b *testing.B) {
	e, err := Compile([]storage.Policy{{
		ID: "bench", Effect: EffectAllow, Enabled: true,
		IdPs: []string{"idp"}, Clients: []string{"agent"}, Resources: []string{"res"},
	}}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	in := Input{
		IdPID: "idp", ClientID: "agent", ResourceID: "res", Subject: "idp|alice",
		Requested: []string{"read", "write"}, AssertionScopes: []string{"read", "write"}, Now: t0,
		Claims: map[string]any{"sub": "alice"},
	}
	b.ReportAllocs()
	for b.Loop() {
		if d := e.Decide(in); !d.Allowed {
			b.Fatalf("denied: %+v", d)
		}
	}
}
