package token

// Claims is the payload of an access token (RFC 9068 §2.2). NumericDate
// values are whole seconds since the Unix epoch.
type Claims struct {
	// Issuer is this authorization server; Mint sets it.
	Issuer string `json:"iss"`
	// Subject is the resolved local subject (RAS-12, AT-04).
	Subject string `json:"sub"`
	// Audience is the one resource the token is for, serialized as a JSON
	// string, never an array (RAS-11, AT-03).
	Audience string `json:"aud"`
	ClientID string `json:"client_id"`
	// Scope is the space-separated granted scope (RFC 9068 §2.2.3).
	Scope string `json:"scope,omitempty"`
	// JTI is the token identifier; Mint fills it if empty.
	JTI string `json:"jti"`
	// IssuedAt and NotBefore default to the minting time. Mint always
	// writes nbf; Verify accepts its absence (RFC 9068 does not require it).
	IssuedAt  int64 `json:"iat"`
	NotBefore int64 `json:"nbf"`
	Expiry    int64 `json:"exp"`
	// AuthTime, ACR and AMR are copied from the ID-JAG when present
	// (RFC 9068 §2.2.1).
	AuthTime *int64   `json:"auth_time,omitempty"`
	ACR      string   `json:"acr,omitempty"`
	AMR      []string `json:"amr,omitempty"`
	// IdPIssuer is the issuer of the IdP whose assertion this token was
	// exchanged for: provenance, not an RFC 8693 act claim.
	IdPIssuer string `json:"idp_iss,omitempty"`
	// IdPID is AuthPlane's id of that IdP.
	IdPID string `json:"idp_id,omitempty"`
}

// maxNumericDate bounds NumericDate values (9999-12-31T23:59:59Z), so an
// absurd value is rejected rather than overflowing time arithmetic (JWT-12).
const maxNumericDate = 253402300799

// missing returns the name of the first required claim (RFC 9068 §2.2)
// that is absent or out of range, or "" if all are present.
func (c *Claims) missing() string {
	switch {
	case c.Issuer == "":
		return "iss"
	case c.Subject == "":
		return "sub"
	case c.Audience == "":
		return "aud"
	case c.ClientID == "":
		return "client_id"
	case c.JTI == "":
		return "jti"
	case !validDate(c.IssuedAt):
		return "iat"
	case c.NotBefore != 0 && !validDate(c.NotBefore):
		return "nbf"
	case !validDate(c.Expiry):
		return "exp"
	case c.AuthTime != nil && !validDate(*c.AuthTime):
		return "auth_time"
	}
	return ""
}

func validDate(n int64) bool { return n > 0 && n <= maxNumericDate }
