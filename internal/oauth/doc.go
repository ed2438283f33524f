// Package oauth is the protocol vocabulary shared by every endpoint: grant,
// token-type and profile URNs, the RFC 6749 §5.2 error codes, the *Error type
// that keeps what the client sees (a code and a generic description) apart
// from what the operator sees (a precise reason and a cause), and WriteError,
// the one place token-endpoint-style errors are written (SPEC TEP-02..04).
package oauth
