package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/authplane/authplane/internal/adminclient"
	"github.com/authplane/authplane/internal/storage"
)

// tokenJTI extracts the jti of the access token in a successful token
// response body without verifying it (the server is ours and the audit
// trail is what is checked). It returns "" when the body holds no token.
func tokenJTI(body []byte) string {
	const key = `"access_token":"`
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return ""
	}
	tok := body[i+len(key):]
	if end := bytes.IndexByte(tok, '"'); end >= 0 {
		tok = tok[:end]
	}
	parts := bytes.SplitN(tok, []byte("."), 3)
	if len(parts) != 3 {
		return ""
	}
	payload := make([]byte, base64.RawURLEncoding.DecodedLen(len(parts[1])))
	n, err := base64.RawURLEncoding.Decode(payload, parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		JTI string `json:"jti"`
	}
	if json.Unmarshal(payload[:n], &c) != nil {
		return ""
	}
	return c.JTI
}

// AuditCheck is the outcome of matching the tokens received against the
// audit trail.
type AuditCheck struct {
	// Tokens is the number of 200 responses whose token jti was checked.
	Tokens int `json:"tokens"`
	// Events is the number of token.issued events of the bench client.
	Events int `json:"events"`
	// Missing counts tokens without a token.issued event.
	Missing int `json:"missing"`
	// Unreadable counts 200 responses without a readable token jti.
	Unreadable int `json:"unreadable"`
}

// OK reports whether every token received was audited.
func (c AuditCheck) OK() bool { return c.Missing == 0 && c.Unreadable == 0 }

// checkAudit pages through the bench client's token.issued events and
// counts the received tokens that have none.
func checkAudit(ctx context.Context, ac *adminclient.Client, clientID string, jtis []string, unreadable int) (AuditCheck, error) {
	seen := make(map[string]struct{}, len(jtis))
	cursor := ""
	for {
		q := url.Values{"type": {"token.issued"}, "client": {clientID}, "limit": {strconv.Itoa(storage.MaxPageLimit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Items []struct {
				TokenJTI string `json:"token_jti"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := ac.Do(ctx, "GET", "/audit?"+q.Encode(), nil, &page); err != nil {
			return AuditCheck{}, fmt.Errorf("bench: read the audit trail: %w", err)
		}
		for _, it := range page.Items {
			seen[it.TokenJTI] = struct{}{}
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	c := AuditCheck{Tokens: len(jtis), Events: len(seen), Unreadable: unreadable}
	for _, j := range jtis {
		if _, ok := seen[j]; !ok {
			c.Missing++
		}
	}
	return c, nil
}
