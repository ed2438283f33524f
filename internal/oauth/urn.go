package oauth

// Grant types, token types and profiles (RFC 7523, RFC 8693, IDJAG).
const (
	GrantJWTBearer     = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	GrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"

	ClientAssertionJWTBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

	TokenTypeIDJAG   = "urn:ietf:params:oauth:token-type:id-jag"
	TokenTypeIDToken = "urn:ietf:params:oauth:token-type:id_token"

	ProfileIDJAG = "urn:ietf:params:oauth:grant-profile:id-jag"

	// TypIDJAG is the JOSE typ of an ID-JAG; TypAccessToken of our access
	// tokens (RFC 9068).
	TypIDJAG       = "oauth-id-jag+jwt"
	TypAccessToken = "at+jwt"
)
