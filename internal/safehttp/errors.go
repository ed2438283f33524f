package safehttp

import "errors"

// Sentinel errors; GetJSON wraps exactly one of them for every policy
// refusal (transport failures and time-outs are returned as the underlying
// net/http error).
var (
	// ErrInvalidURL means the URL does not parse or carries parts a fetch
	// URL must not have (user info, no host, opaque form).
	ErrInvalidURL = errors.New("safehttp: invalid URL")
	// ErrScheme means the scheme is not https (or http to loopback in
	// insecure dev mode) (NET-01).
	ErrScheme = errors.New("safehttp: scheme not allowed")
	// ErrHostNotAllowed means the URL's host is not on the allowlist (NET-03).
	ErrHostNotAllowed = errors.New("safehttp: host not allowed")
	// ErrForbiddenAddress means the destination is, or resolved to, a
	// special-use address, or the host is an ambiguous IP literal (NET-01,
	// NET-02).
	ErrForbiddenAddress = errors.New("safehttp: forbidden destination address")
	// ErrRedirect means the server answered with a redirect; redirects are
	// never followed (NET-01).
	ErrRedirect = errors.New("safehttp: redirect refused")
	// ErrStatus means the server answered with a status other than 200.
	ErrStatus = errors.New("safehttp: unexpected status")
	// ErrContentType means the response is not application/json or
	// application/*+json (NET-02).
	ErrContentType = errors.New("safehttp: content type not JSON")
	// ErrTooLarge means the body exceeds Options.MaxBody (NET-02).
	ErrTooLarge = errors.New("safehttp: response body too large")
)
