package adminclient

// enabledField is the --enabled flag every resource has.
func enabledField(noun string) Field {
	return Field{Flag: "enabled", JSON: "enabled", Kind: KindBool, Usage: "whether the " + noun + " is enabled (--enabled=false disables it)"}
}

// ClientFields are the flags of `admin clients create|update`.
func ClientFields() Fields {
	return Fields{
		{Flag: "id", JSON: "id", Kind: KindString, Key: true, Usage: "client id"},
		{Flag: "name", JSON: "name", Kind: KindString, Usage: "display name"},
		{Flag: "grant-type", JSON: "grant_types", Kind: KindList, Usage: "allowed grant type (repeatable), e.g. urn:ietf:params:oauth:grant-type:jwt-bearer"},
		{Flag: "auth-method", JSON: "token_endpoint_auth_method", Kind: KindString, Usage: "client_secret_basic (server default), client_secret_post or private_key_jwt"},
		{Flag: "jwks", JSON: "jwks", Kind: KindJSON, Usage: "inline JWK Set (JSON) for private_key_jwt"},
		{Flag: "jwks-uri", JSON: "jwks_uri", Kind: KindString, Usage: "JWK Set URL for private_key_jwt"},
		{Flag: "allowed-idp", JSON: "allowed_idps", Kind: KindList, Usage: "IdP id whose assertions the client may present (repeatable; not given: any IdP)"},
		{Flag: "no-idps", JSON: "allowed_idps", Kind: KindEmptyList, Usage: "allow no IdP at all (sends allowed_idps: [])"},
		enabledField("client"),
	}
}

// ResourceFields are the flags of `admin resources create|update`.
func ResourceFields() Fields {
	return Fields{
		{Flag: "id", JSON: "id", Kind: KindString, Key: true, Usage: "resource id"},
		{Flag: "uri", JSON: "uri", Kind: KindString, Usage: "resource URI (RFC 8707), absolute https"},
		{Flag: "name", JSON: "name", Kind: KindString, Usage: "display name"},
		{Flag: "scope", JSON: "scopes", Kind: KindList, Usage: "scope the resource defines (repeatable)"},
		{Flag: "token-ttl", JSON: "access_token_ttl", Kind: KindString, Usage: "access token lifetime, 1m..1h (Go duration; not given: server default)"},
		enabledField("resource"),
	}
}

// IdPFields are the flags of `admin idps create|update`.
func IdPFields() Fields {
	return Fields{
		{Flag: "id", JSON: "id", Kind: KindString, Key: true, Usage: "IdP id"},
		{Flag: "issuer", JSON: "issuer", Kind: KindString, Usage: "issuer URL (https)"},
		{Flag: "jwks-uri", JSON: "jwks_uri", Kind: KindString, Usage: "JWK Set URL (not given: discovered from the issuer)"},
		{Flag: "alg", JSON: "allowed_algs", Kind: KindList, Usage: "allowed signature algorithm, ES256 or RS256 (repeatable; not given: both)"},
		{Flag: "max-lifetime", JSON: "max_assertion_lifetime", Kind: KindString, Usage: "maximum assertion lifetime, 1s..5m (server default 5m)"},
		{Flag: "clock-skew", JSON: "clock_skew", Kind: KindString, Usage: "clock skew tolerance, 0..2m (server default 60s)"},
		{Flag: "groups-claim", JSON: "groups_claim", Kind: KindString, Usage: "claim holding the user's groups"},
		{Flag: "subject-mode", JSON: "subject_mode", Kind: KindString, Usage: "prefixed (server default), mapped or email"},
		{Flag: "email-domain", JSON: "email_domains", Kind: KindList, Usage: "email domain the IdP is authoritative for (repeatable; required for email mode)"},
		{Flag: "client-id-map", JSON: "client_id_map", Kind: KindMap, Usage: "idp-side-client-id=local-client-id (repeatable)"},
		{Flag: "allowed-host", JSON: "allowed_hosts", Kind: KindList, Usage: "host key fetches may reach (repeatable; not given: the issuer's and JWKS URI's hosts)"},
		{Flag: "tenant", JSON: "tenant", Kind: KindString, Usage: "tenant"},
		enabledField("IdP"),
	}
}

// PolicyFields are the flags of `admin policies create|update`. Matcher
// lists not given match anything.
func PolicyFields() Fields {
	return Fields{
		{Flag: "id", JSON: "id", Kind: KindString, Key: true, Usage: "policy id"},
		{Flag: "description", JSON: "description", Kind: KindString, Usage: "description"},
		{Flag: "effect", JSON: "effect", Kind: KindString, Usage: "allow or deny"},
		{Flag: "idp", JSON: "idps", Kind: KindList, Usage: "IdP id the rule matches (repeatable)"},
		{Flag: "client", JSON: "clients", Kind: KindList, Usage: "client id the rule matches (repeatable)"},
		{Flag: "resource", JSON: "resources", Kind: KindList, Usage: "resource id the rule matches (repeatable)"},
		{Flag: "group", JSON: "groups_any", Kind: KindList, Usage: "group the user must be in, any of (repeatable)"},
		{Flag: "subject", JSON: "subjects", Kind: KindList, Usage: "local subject the rule matches (repeatable)"},
		{Flag: "scope", JSON: "scopes", Kind: KindList, Usage: "scope granted (allow) or removed (deny) (repeatable; not given: all)"},
		{Flag: "condition", JSON: "condition", Kind: KindString, Usage: "CEL condition"},
		{Flag: "require-amr", JSON: "require.amr_any", Kind: KindList, Usage: "required authentication method, any of (repeatable)"},
		{Flag: "require-acr", JSON: "require.acr_any", Kind: KindList, Usage: "required authentication context class, any of (repeatable)"},
		{Flag: "max-auth-age", JSON: "require.max_auth_age", Kind: KindString, Usage: "maximum age of the user's authentication (Go duration)"},
		enabledField("policy"),
	}
}

// SubjectMappingFields are the flags of `admin subject-mappings
// create|update`.
func SubjectMappingFields() Fields {
	return Fields{
		{Flag: "idp", JSON: "idp_id", Kind: KindString, Key: true, Usage: "IdP id"},
		{Flag: "subject", JSON: "external_subject", Kind: KindString, Key: true, Usage: "the IdP's subject"},
		{Flag: "local-subject", JSON: "local_subject", Kind: KindString, Usage: "local subject it maps to"},
		enabledField("mapping"),
	}
}
