package adminclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// Collection paths, relative to APIPrefix.
const (
	PathClients         = "/clients"
	PathResources       = "/resources"
	PathIdPs            = "/idps"
	PathPolicies        = "/policies"
	PathSubjectMappings = "/subject-mappings"
	PathKeys            = "/keys"
	PathRevocations     = "/revocations"
	PathAudit           = "/audit"
)

// Clients is the /clients collection.
func (c *Client) Clients() Collection[OAuthClient] {
	return NewCollection[OAuthClient](c, PathClients)
}

// Resources is the /resources collection.
func (c *Client) Resources() Collection[Resource] { return NewCollection[Resource](c, PathResources) }

// IdPs is the /idps collection.
func (c *Client) IdPs() Collection[IdP] { return NewCollection[IdP](c, PathIdPs) }

// Policies is the /policies collection.
func (c *Client) Policies() Collection[Policy] { return NewCollection[Policy](c, PathPolicies) }

// SubjectMappings is the /subject-mappings collection; its objects are keyed
// by IdP id and external subject.
func (c *Client) SubjectMappings() Collection[SubjectMapping] {
	return NewCollection[SubjectMapping](c, PathSubjectMappings)
}

// Keys is the /keys collection (list only; see RotateKeys).
func (c *Client) Keys() Collection[SigningKey] { return NewCollection[SigningKey](c, PathKeys) }

// Revocations is the /revocations collection (list; see Revoke).
func (c *Client) Revocations() Collection[Revocation] {
	return NewCollection[Revocation](c, PathRevocations)
}

// Audit is the /audit collection; pass AuditQuery.Values as ListOptions.Query.
func (c *Client) Audit() Collection[AuditEvent] { return NewCollection[AuditEvent](c, PathAudit) }

// CreateClient registers a client and returns it with its secret (secret
// authentication methods only), which the server shows only this once.
func (c *Client) CreateClient(ctx context.Context, body any) (CreatedClient, error) {
	return NewCollection[CreatedClient](c, PathClients).Create(ctx, body)
}

// RotateClientSecret replaces a client's secret and returns the new one,
// which the server shows only this once.
func (c *Client) RotateClientSecret(ctx context.Context, id string) (ClientSecret, error) {
	var s ClientSecret
	err := c.Do(ctx, http.MethodPost, c.Clients().Path(id)+"/secret", nil, &s)
	return s, err
}

// RefreshIdP asks every instance to refetch an IdP's keys and returns the
// resulting status.
func (c *Client) RefreshIdP(ctx context.Context, id string) (IdPStatus, error) {
	var s IdPStatus
	err := c.Do(ctx, http.MethodPost, c.IdPs().Path(id)+"/refresh", nil, &s)
	return s, err
}

// IdPStatus returns the state of an IdP's key cache.
func (c *Client) IdPStatus(ctx context.Context, id string) (IdPStatus, error) {
	var s IdPStatus
	err := c.Do(ctx, http.MethodGet, c.IdPs().Path(id)+"/status", nil, &s)
	return s, err
}

// RotateKeys creates a new signing key and retires the active one.
func (c *Client) RotateKeys(ctx context.Context) (KeyRotation, error) {
	var k KeyRotation
	err := c.Do(ctx, http.MethodPost, PathKeys+"/rotate", nil, &k)
	return k, err
}

// RevokeToken revokes one access token by its jti.
func (c *Client) RevokeToken(ctx context.Context, jti string) error {
	if jti == "" {
		return errors.New("adminclient: empty jti")
	}
	return c.Do(ctx, http.MethodPost, "/tokens/"+url.PathEscape(jti)+"/revoke", nil, nil)
}

// Revoke revokes every token of a client, subject or IdP issued at or
// before now.
func (c *Client) Revoke(ctx context.Context, r RevocationRequest) (Revocation, error) {
	var out Revocation
	err := c.Do(ctx, http.MethodPost, PathRevocations, r, &out)
	return out, err
}

// RevocationFor builds the revocation request of `admin revoke`: exactly one
// of client, subject and idp must be non-empty.
func RevocationFor(client, subject, idp string) (RevocationRequest, error) {
	var reqs []RevocationRequest
	for _, kv := range [...]RevocationRequest{{Kind: RevokeClient, Value: client}, {Kind: RevokeSubject, Value: subject}, {Kind: RevokeIdP, Value: idp}} {
		if kv.Value != "" {
			reqs = append(reqs, kv)
		}
	}
	if len(reqs) != 1 {
		return RevocationRequest{}, fmt.Errorf("give exactly one of --client, --subject and --idp (got %d)", len(reqs))
	}
	return reqs[0], nil
}
