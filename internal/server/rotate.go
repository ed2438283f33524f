package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/authplane/authplane/internal/config"
	"github.com/authplane/authplane/internal/keys"
	"github.com/authplane/authplane/internal/secret"
	"github.com/authplane/authplane/internal/storage"
)

// RotationResult reports a key rotation.
type RotationResult struct {
	Kid     string   `json:"kid"`
	Retired []string `json:"retired"`
}

// RotateKeys rotates the signing key directly in the configured store
// (`authplane keys rotate`), recording admin.key.rotate with actor "cli" in
// the same transaction. Running instances see the store generation change
// and reload their keys.
func RotateKeys(ctx context.Context, cfg *config.Config, log *slog.Logger) (RotationResult, error) {
	st, err := OpenStore(ctx, cfg, log)
	if err != nil {
		return RotationResult{}, err
	}
	defer st.Close()
	kek, err := loadKEK(cfg)
	if err != nil {
		return RotationResult{}, err
	}
	res := RotationResult{Retired: []string{}}
	err = st.WithTx(ctx, func(tx storage.Tx) error {
		now := time.Now()
		nk, retired, err := keys.RotateIn(ctx, tx, kek, now, config.MaxAccessTokenTTL)
		if err != nil {
			return err
		}
		res.Kid = nk.ID
		for _, k := range retired {
			res.Retired = append(res.Retired, k.ID)
		}
		after, _ := json.Marshal(res)
		_, err = tx.AppendAudit(ctx, storage.AuditEvent{
			ID: secret.ID(), Time: now.UTC(), Type: "admin.key.rotate", Outcome: "success", Actor: "cli", After: after,
		})
		return err
	})
	return res, err
}
