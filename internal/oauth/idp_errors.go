package oauth

import "net/http"

// Error codes of the IdP role's token exchange (IDJAG §8.2 / RFC 9470,
// RFC 9449 §5 and §8).
const (
	CodeInsufficientUserAuthentication = "insufficient_user_authentication"
	CodeInvalidDPoPProof               = "invalid_dpop_proof"
	CodeUseDPoPNonce                   = "use_dpop_nonce"
)

// InsufficientUserAuthentication is 400 insufficient_user_authentication:
// the user's authentication does not meet what policy requires (step-up,
// SPEC IDP-18).
func InsufficientUserAuthentication(reason string) *Error {
	return newErr(CodeInsufficientUserAuthentication, "The user must authenticate again with a stronger or more recent method.", http.StatusBadRequest, reason)
}

// InvalidDPoPProof is 400 invalid_dpop_proof (RFC 9449 §5).
func InvalidDPoPProof(reason string) *Error {
	return newErr(CodeInvalidDPoPProof, "The DPoP proof is invalid.", http.StatusBadRequest, reason)
}

// UseDPoPNonce is 400 use_dpop_nonce (RFC 9449 §8); the caller sends the
// nonce to use in the DPoP-Nonce header.
func UseDPoPNonce(reason string) *Error {
	return newErr(CodeUseDPoPNonce, "The DPoP proof must carry the nonce the server provided.", http.StatusBadRequest, reason)
}
