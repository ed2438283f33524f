package mcpauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// InsufficientScopeError means the token lacks scopes an operation needs
// (MCP-33). Scope is what a client should request to proceed: the granted
// scopes the server knows plus the missing ones.
type InsufficientScopeError struct {
	// Missing are the needed scopes the token does not carry.
	Missing []string
	// Scope is the value for a challenge's scope parameter.
	Scope []string
}

// Error names the missing scopes.
func (e *InsufficientScopeError) Error() string {
	return "insufficient scope: missing " + strings.Join(e.Missing, " ")
}

// RequireScopes checks that the token in ctx (auth.TokenInfoFromContext,
// as Middleware installs it) carries every one of scopes. It returns an
// *InsufficientScopeError when some are missing, and an error wrapping
// auth.ErrInvalidToken when ctx has no token. Inside an MCP tool handler the
// SDK's documented carrier of the token is CallToolRequest.Extra.TokenInfo;
// CheckScopes(req.Extra.TokenInfo, …) does not depend on the transport
// passing request values through ctx.
func (k *Kit) RequireScopes(ctx context.Context, scopes ...string) error {
	return k.CheckScopes(auth.TokenInfoFromContext(ctx), scopes...)
}

// CheckScopes is RequireScopes for a TokenInfo in hand, e.g.
// req.Extra.TokenInfo in an MCP tool handler.
func (k *Kit) CheckScopes(info *auth.TokenInfo, scopes ...string) error {
	if info == nil {
		return fmt.Errorf("%w: no verified token", auth.ErrInvalidToken)
	}
	missing := missingScopes(info.Scopes, scopes)
	if len(missing) == 0 {
		return nil
	}
	return &InsufficientScopeError{Missing: missing, Scope: k.challengeScope(info.Scopes, scopes)}
}

// ToolScopes returns middleware, to be placed inside Middleware, that reads
// JSON-RPC POST bodies and answers 403 with WWW-Authenticate: Bearer
// error="insufficient_scope", scope="…", resource_metadata="…" (MCP-33)
// when a tools/call names a tool of tools (tool name → scopes) whose scopes
// the token lacks. Tools not in the map need no scope beyond Middleware's.
//
// The body is read (up to mcp.DefaultMaxRequestBodyBytes; more is 413) and
// handed on unchanged. A body that is not JSON-RPC, or repeats a member
// name where the SDK's decoder and this one could disagree about the
// method or the tool, is refused with 400 so no tool call goes unchecked.
// Without a token in the context the request is refused with 401.
func (k *Kit) ToolScopes(tools map[string][]string) func(http.Handler) http.Handler {
	tools = maps.Clone(tools)
	for name, s := range tools {
		tools[name] = slices.Clone(s)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || len(tools) == 0 {
				next.ServeHTTP(w, r)
				return
			}
			if f := k.checkToolCall(r, tools); f != nil {
				k.refuse(w, f)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// checkToolCall peeks at r's body (restoring it) and checks the scopes of
// every tool it calls.
func (k *Kit) checkToolCall(r *http.Request, tools map[string][]string) *failure {
	info := auth.TokenInfoFromContext(r.Context())
	if info == nil {
		return &failure{status: http.StatusUnauthorized, scope: k.cfg.ScopesSupported}
	}
	body, err := peekBody(r, mcp.DefaultMaxRequestBodyBytes)
	if errors.Is(err, errTooLarge) {
		return &failure{status: http.StatusRequestEntityTooLarge}
	}
	if err != nil {
		return badRequest("the body cannot be read")
	}
	names, err := calledTools(body)
	if err != nil {
		return badRequest("the body is not a JSON-RPC message: " + err.Error())
	}
	var needed []string
	for _, name := range names {
		needed = append(needed, tools[name]...)
	}
	if missing := missingScopes(info.Scopes, needed); len(missing) > 0 {
		return &failure{status: http.StatusForbidden, code: codeInsufficientScope,
			desc:  "the tool needs scope " + strings.Join(missing, " "),
			scope: k.challengeScope(info.Scopes, needed)}
	}
	return nil
}

// errTooLarge: a request body over the peek limit.
var errTooLarge = errors.New("mcpauth: request body too large")

// peekBody reads r's body, at most limit bytes, and replaces it with an
// equal one.
func peekBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", errTooLarge, limit)
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{bytes.NewReader(body), r.Body}
	return body, nil
}
