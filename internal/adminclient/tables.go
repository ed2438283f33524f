package adminclient

import (
	"strconv"
	"strings"
	"time"
)

// grantTypePrefix is shortened in tables; JSON output keeps the full URN.
const grantTypePrefix = "urn:ietf:params:oauth:grant-type:"

// ClientsTable renders clients.
func ClientsTable(items []OAuthClient) Table {
	t := Table{Header: []string{"ID", "NAME", "AUTH METHOD", "GRANT TYPES", "ALLOWED IDPS", "ENABLED"}}
	for _, c := range items {
		grants := make([]string, len(c.GrantTypes))
		for i, g := range c.GrantTypes {
			grants[i] = strings.TrimPrefix(g, grantTypePrefix)
		}
		t.Rows = append(t.Rows, []string{c.ID, c.Name, c.AuthMethod, list(grants), restriction(c.AllowedIdPs), yesNo(c.Enabled)})
	}
	return t
}

// ResourcesTable renders resources.
func ResourcesTable(items []Resource) Table {
	t := Table{Header: []string{"ID", "URI", "NAME", "SCOPES", "TOKEN TTL", "ENABLED"}}
	for _, r := range items {
		ttl := r.AccessTokenTTL
		if ttl == "" || ttl == "0s" || ttl == "0" {
			ttl = "default"
		}
		t.Rows = append(t.Rows, []string{r.ID, r.URI, r.Name, list(r.Scopes), ttl, yesNo(r.Enabled)})
	}
	return t
}

// IdPsTable renders trusted IdPs.
func IdPsTable(items []IdP) Table {
	t := Table{Header: []string{"ID", "ISSUER", "SUBJECT MODE", "ALGS", "JWKS URI", "ENABLED"}}
	for _, p := range items {
		jwks := p.JWKSURI
		if jwks == "" {
			jwks = "(discovered)"
		}
		t.Rows = append(t.Rows, []string{p.ID, p.Issuer, p.SubjectMode, restriction(p.AllowedAlgs), jwks, yesNo(p.Enabled)})
	}
	return t
}

// IdPStatusTable renders IdP key cache states.
func IdPStatusTable(items []IdPStatus) Table {
	t := Table{Header: []string{"IDP", "JWKS URI", "FETCHED", "EXPIRES", "LAST ATTEMPT", "LAST ERROR", "KIDS"}}
	for _, s := range items {
		t.Rows = append(t.Rows, []string{s.IdPID, s.JWKSURI, timePtr(s.FetchedAt), timePtr(s.ExpiresAt), timePtr(s.LastAttempt), s.LastError, list(s.Kids)})
	}
	return t
}

// PoliciesTable renders policy rules.
func PoliciesTable(items []Policy) Table {
	t := Table{Header: []string{"ID", "EFFECT", "IDPS", "CLIENTS", "RESOURCES", "GROUPS", "SUBJECTS", "SCOPES", "ENABLED"}}
	for _, p := range items {
		t.Rows = append(t.Rows, []string{p.ID, p.Effect, restriction(p.IdPs), restriction(p.Clients), restriction(p.Resources),
			restriction(p.GroupsAny), restriction(p.Subjects), restriction(p.Scopes), yesNo(p.Enabled)})
	}
	return t
}

// SubjectMappingsTable renders subject mappings.
func SubjectMappingsTable(items []SubjectMapping) Table {
	t := Table{Header: []string{"IDP", "EXTERNAL SUBJECT", "LOCAL SUBJECT", "ENABLED"}}
	for _, m := range items {
		t.Rows = append(t.Rows, []string{m.IdPID, m.ExternalSubject, m.LocalSubject, yesNo(m.Enabled)})
	}
	return t
}

// KeysTable renders signing keys.
func KeysTable(items []SigningKey) Table {
	t := Table{Header: []string{"KID", "ALG", "STATE", "CREATED", "RETIRED", "PUBLISH UNTIL"}}
	for _, k := range items {
		t.Rows = append(t.Rows, []string{k.KID, k.Alg, k.State, timeCell(k.CreatedAt), timePtr(k.RetiredAt), timePtr(k.PublishUntil)})
	}
	return t
}

// KeyRotationTable renders the answer to a key rotation.
func KeyRotationTable(r KeyRotation) Table {
	return Table{Header: []string{"NEW KID", "RETIRED"}, Rows: [][]string{{r.KID, list(r.Retired)}}}
}

// RevocationsTable renders bulk revocations.
func RevocationsTable(items []Revocation) Table {
	t := Table{Header: []string{"KIND", "VALUE", "AT", "EXPIRES"}}
	for _, r := range items {
		t.Rows = append(t.Rows, []string{r.Kind, r.Value, timeCell(r.At), timeCell(r.ExpiresAt)})
	}
	return t
}

// AuditTable renders audit events, one line each; JSON output has every
// member (before/after, scopes, request data).
func AuditTable(items []AuditEvent) Table {
	t := Table{Header: []string{"SEQ", "TIME", "TYPE", "OUTCOME", "REASON", "IDP", "CLIENT", "SUBJECT", "RESOURCE", "JTI"}}
	for _, e := range items {
		jti := e.TokenJTI
		if jti == "" {
			jti = e.AssertionJTI
		}
		t.Rows = append(t.Rows, []string{strconv.FormatInt(e.Seq, 10), timeCell(e.Time), e.Type, e.Outcome, e.Reason,
			e.IdPID, e.ClientID, e.Subject, e.Resource, jti})
	}
	return t
}

// restriction renders an optional restriction list: nil is "any", empty is
// "none".
func restriction(l []string) string {
	switch {
	case l == nil:
		return "any"
	case len(l) == 0:
		return "none"
	}
	return strings.Join(l, ",")
}

// list renders a plain list ("-" when empty).
func list(l []string) string { return strings.Join(l, ",") }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func timeCell(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func timePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return timeCell(*t)
}
