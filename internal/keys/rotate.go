package keys

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/authplane/authplane/internal/storage"
)

// PublishMargin is added to the maximum token lifetime when a key is retired,
// to cover clock skew and JWKS caching at resource servers.
const PublishMargin = time.Minute

// RotateIn creates a new active key in st and retires every key that was
// active: RetiredAt = now and PublishUntil = now + maxTokenLifetime +
// PublishMargin, so every token a retired key signed stays verifiable until
// it expires (SPEC AT-01 "rotate with overlap"). It then deletes retired keys
// whose PublishUntil has passed.
//
// st may be a storage.Tx, so the admin API can rotate and append its audit
// event in one transaction; the caller then calls Manager.Reload. The
// returned keys carry metadata only (no sealed private key).
//
// The new key is created before the old ones are retired, so if st is not
// transactional and a step fails, the store still holds an active key and
// the newest active key wins (see Manager).
func RotateIn(ctx context.Context, st Store, kek []byte, now time.Time, maxTokenLifetime time.Duration) (
	newKey storage.SigningKey, retired []storage.SigningKey, err error) {
	if len(kek) != KEKSize {
		return storage.SigningKey{}, nil, fmt.Errorf("%w: need %d bytes, got %d", ErrKEK, KEKSize, len(kek))
	}
	if maxTokenLifetime <= 0 {
		return storage.SigningKey{}, nil, errors.New("keys: rotate: max token lifetime must be positive")
	}
	existing, err := st.ListSigningKeys(ctx)
	if err != nil {
		return storage.SigningKey{}, nil, fmt.Errorf("keys: rotate: list: %w", err)
	}
	newKey, err = createKey(ctx, st, kek, now)
	if err != nil {
		return storage.SigningKey{}, nil, err
	}
	for _, k := range existing {
		if k.State != storage.KeyActive {
			continue
		}
		k.State = storage.KeyRetired
		k.RetiredAt = now
		k.PublishUntil = now.Add(maxTokenLifetime + PublishMargin)
		if err := st.UpdateSigningKey(ctx, k); err != nil {
			return storage.SigningKey{}, nil, fmt.Errorf("keys: rotate: retire %s: %w", k.ID, err)
		}
		retired = append(retired, metadata(k))
	}
	if _, err := st.DeleteSigningKeysBefore(ctx, now); err != nil {
		return storage.SigningKey{}, nil, fmt.Errorf("keys: rotate: delete expired keys: %w", err)
	}
	return metadata(newKey), retired, nil
}
