package token

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/authplane/authplane/internal/clocktest"

	"github.com/authplane/authplane/internal/keys"
	"github.com/authplane/authplane/internal/keys/keystest"
)

// TestAT01_RotatedKeyVerifiesWhilePublished: a token signed before a
// rotation keeps verifying against the published keys until its key's
// publication ends, and tokens minted after the rotation carry the new kid.
func TestAT01_RotatedKeyVerifiesWhilePublished(t *testing.T) {
	ctx := context.Background()
	const ttl = 15 * time.Minute
	clk := clocktest.New(testNow)
	km, err := keys.NewManager(ctx, &keystest.MemStore{}, make([]byte, keys.KEKSize),
		keys.Options{Now: clk.Now, MaxTokenLifetime: ttl})
	if err != nil {
		t.Fatal(err)
	}
	minter := &Minter{Issuer: testIssuer, Keys: km, Now: clk.Now}
	mintedAt := clk.Now()
	c := fullClaims()
	c.Expiry = mintedAt.Add(ttl).Unix()
	old := mustMint(t, minter, c)
	oldKid, _ := km.Signer()

	clk.Advance(time.Minute)
	nk, err := km.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{Issuer: testIssuer, Keys: km.PublicKeys, Now: clk.Now}
	if _, err := v.Verify(old, testAudience); err != nil {
		t.Fatalf("token signed by the retired key: %v", err)
	}
	fresh := mustMint(t, minter, fullClaims())
	var h struct{ Kid string }
	if err := json.Unmarshal(segment(t, fresh, 0), &h); err != nil {
		t.Fatal(err)
	}
	if h.Kid != nk.ID || h.Kid == oldKid {
		t.Fatalf("token minted after Rotate has kid %s, want new key %s", h.Kid, nk.ID)
	}
	if _, err := v.Verify(fresh, testAudience); err != nil {
		t.Fatal(err)
	}

	// Until its last token has expired the old key stays published; the
	// verifier's clock is held at mint time to isolate the key check.
	atMint := &Verifier{Issuer: testIssuer, Keys: km.PublicKeys, Now: func() time.Time { return mintedAt }}
	clk.Advance(ttl) // now = rotation + ttl: still inside PublishMargin
	if err := km.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := atMint.Verify(old, testAudience); err != nil {
		t.Fatalf("old key unpublished too early: %v", err)
	}
	clk.Advance(keys.PublishMargin + time.Second)
	if _, err := km.Rotate(ctx); err != nil { // deletes the first key
		t.Fatal(err)
	}
	if _, err := atMint.Verify(old, testAudience); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("after the old key's publication ended: error = %v, want ErrUnknownKey", err)
	}
}
