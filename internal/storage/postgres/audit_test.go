package postgres

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/authplane/authplane/internal/storage/pgtest"

	"github.com/jackc/pgx/v5"

	"github.com/authplane/authplane/internal/storage"
)

func TestAudit_BeforeAfterKeepTheirBytesAndEventIsQueryableJSONB(t *testing.T) {
	t.Parallel()
	schema, dsn := pgtest.Schema(t)
	s := openStore(t, dsn, Options{})
	ctx := t.Context()
	before := json.RawMessage(`{"z": 1,  "a": [true, null]}`)
	out, err := s.AppendAudit(ctx, storage.AuditEvent{Type: "admin.client.update", ClientID: "c1",
		Before: before, After: json.RawMessage(`null`), RequestedScopes: []string{}})
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	got, err := s.ListAudit(ctx, storage.AuditFilter{ClientID: "c1"}, storage.Page{})
	if err != nil || len(got) != 1 {
		t.Fatalf("list: %d events (%v), want 1", len(got), err)
	}
	if !bytes.Equal(got[0].Before, before) || string(got[0].After) != "null" {
		t.Errorf("before/after = %s / %s, want them byte for byte", got[0].Before, got[0].After)
	}
	if got[0].RequestedScopes == nil || got[0].GrantedScopes != nil {
		t.Errorf("scopes lost the nil/empty distinction: %#v / %#v", got[0].RequestedScopes, got[0].GrantedScopes)
	}
	n := adminQueryInt(t, `SELECT count(*) FROM `+pgx.Identifier{schema, "audit_events"}.Sanitize()+
		` WHERE seq = $1 AND event->>'client_id' = 'c1' AND event->>'type' = 'admin.client.update'`, out[0].Seq)
	if n != 1 {
		t.Errorf("event JSONB is not queryable by its field names")
	}
}

// TestAudit_UnstorableCharactersAreReplacedNotLost: a denial whose
// unverified jti carries U+0000 or invalid UTF-8 is still recorded, with
// those characters replaced by U+FFFD.
func TestAudit_UnstorableCharactersAreReplacedNotLost(t *testing.T) {
	t.Parallel()
	_, dsn := pgtest.Schema(t)
	s := openStore(t, dsn, Options{})
	evs, err := s.AppendAudit(t.Context(), storage.AuditEvent{Type: "grant.denied", AssertionJTI: "j\x00k", AssertionSub: "s\xff", RequestedScopes: []string{"a\x00"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ListAudit(t.Context(), storage.AuditFilter{}, storage.Page{})
	if err != nil || len(got) != 1 {
		t.Fatalf("list: %v %d", err, len(got))
	}
	if got[0].AssertionJTI != "j\uFFFDk" || got[0].AssertionSub != "s\uFFFD" || got[0].RequestedScopes[0] != "a\uFFFD" || got[0].Seq != evs[0].Seq {
		t.Fatalf("stored %+v", got[0])
	}
}
