package demo

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/xaa"
)

// redacted returns what stands in for a form parameter that is never
// printed, and whether name is one.
func redacted(name string) (string, bool) {
	switch name {
	case "password", "client_secret", "code", "code_verifier":
		return "<redacted>", true
	case "subject_token":
		return "<the ID token>", true
	case "assertion":
		return "<the ID-JAG>", true
	}
	return "", false
}

// narrator turns the agent's HTTP exchanges into numbered steps. In a
// verbose scene it shows every parameter and decodes every token; in a
// compact one it shows one line per exchange of the chain.
type narrator struct {
	out  *printer
	urls urls
	now  func() time.Time

	mu      sync.Mutex
	n       int
	verbose bool
	// client is the agent's client id at AuthPlane in this scene, for the
	// local ID-JAG checks.
	client string
	seen   artefacts
}

// artefacts are what the agent obtained in the current scene.
type artefacts struct {
	idToken, idJAG, accessToken xaa.Decoded
	granted                     string // scope of the access token
	refusal                     string // an MCP server's 403 challenge
	asError                     string // AuthPlane's token endpoint error
	asErrors                    int    // how many times it answered one
}

// scene starts a part of the flow and forgets the previous artefacts.
func (n *narrator) scene(title string, verbose bool, client string) {
	n.mu.Lock()
	n.n, n.verbose, n.client, n.seen = 0, verbose, client, artefacts{}
	n.mu.Unlock()
	n.out.section(title)
}

// artefacts returns what the current scene obtained.
func (n *narrator) artefacts() artefacts {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.seen
}

// see reports one exchange (the tap's callback).
func (n *narrator) see(h hop) {
	n.mu.Lock()
	defer n.mu.Unlock()
	party, ok := n.partyOf(h.url)
	if !ok || !n.shown(h, party) {
		return
	}
	n.n++
	title, answer, details := n.describe(h, party)
	var b strings.Builder
	fmt.Fprintf(&b, "  %2d  agent → %-10s %s %s  %s\n", n.n, party, h.method, h.url.Path, title)
	if n.verbose && h.form.Get("grant_type") != "" {
		for _, line := range paramLines(h.form) {
			b.WriteString("          " + line + "\n")
		}
	}
	fmt.Fprintf(&b, "%s\n", strings.TrimRight(fmt.Sprintf("      ← %d %s  %s", h.status, http.StatusText(h.status), answer), " "))
	for _, d := range details {
		b.WriteString(d + "\n")
	}
	n.out.printf("%s", b.String())
}

// partyOf names the server an URL belongs to.
func (n *narrator) partyOf(u *url.URL) (string, bool) {
	origin := u.Scheme + "://" + u.Host
	switch {
	case origin == n.urls.idp:
		return "IdP", true
	case origin == n.urls.as:
		return "AuthPlane", true
	case strings.HasPrefix(n.urls.resource, origin+"/"):
		return "MCP server", true
	}
	return "", false
}

// shown decides which exchanges are worth a step: MCP requests other than
// notifications and streams; discovery only in verbose scenes.
func (n *narrator) shown(h hop, party string) bool {
	switch {
	case party == "MCP server":
		return h.method == http.MethodPost && h.rpc != "" && !strings.HasPrefix(h.rpc, "notifications/")
	case strings.Contains(h.url.Path, "/.well-known/"):
		return n.verbose
	}
	return true
}

// describe returns a step's title, the summary of its answer and detail
// lines (decoded tokens, checks).
func (n *narrator) describe(h hop, party string) (title, answer string, details []string) {
	switch {
	case party == "MCP server":
		return n.mcpStep(h)
	case strings.Contains(h.url.Path, "/.well-known/"):
		return "discovery", "token_endpoint " + h.str("token_endpoint"), nil
	case h.url.Path == "/authorize" && h.method == http.MethodGet:
		q := h.url.Query()
		return fmt.Sprintf("sign-in page (client_id=%s, PKCE %s)", q.Get("client_id"), q.Get("code_challenge_method")), "the HTML sign-in form", nil
	case h.url.Path == "/authorize":
		return "the form, username=" + h.form.Get("username") + " password=<redacted>", "redirect to the app with an authorization code", nil
	}
	switch h.form.Get("grant_type") {
	case "authorization_code":
		return n.codeStep(h)
	case oauth.GrantTokenExchange:
		return n.exchangeStep(h)
	case oauth.GrantJWTBearer:
		return n.bearerStep(h)
	}
	return "", oauthError(h), nil
}

func (n *narrator) mcpStep(h hop) (string, string, []string) {
	title := h.rpc
	if h.tool != "" {
		title += " " + h.tool
	}
	if h.bearer {
		title += "  (Authorization: Bearer <access token>)"
	} else {
		title += "  (no token)"
	}
	answer := ""
	if h.challenge != "" {
		answer = "WWW-Authenticate: " + h.challenge
	}
	if h.status == http.StatusForbidden {
		n.seen.refusal = h.challenge
	}
	return title, answer, nil
}

func (n *narrator) codeStep(h hop) (string, string, []string) {
	title := "redeem the code (authorization_code + PKCE code_verifier)"
	tok := h.str("id_token")
	if h.status != http.StatusOK || tok == "" {
		return title, oauthError(h), nil
	}
	d, err := xaa.Decode(tok)
	if err != nil {
		return title, "an id_token that is not a JWT", nil
	}
	n.seen.idToken = d
	if !n.verbose {
		return title, "ID token for sub=" + d.Str("sub"), nil
	}
	return title, "ID token (the user's identity, for this app only)", []string{jwt("ID token", d)}
}

func (n *narrator) exchangeStep(h hop) (string, string, []string) {
	title := "RFC 8693 token exchange: ID token → ID-JAG"
	if h.status != http.StatusOK || h.str("access_token") == "" {
		return title, oauthError(h), nil
	}
	d, err := xaa.Decode(h.str("access_token"))
	if err != nil {
		return title, "an ID-JAG that is not a JWT", nil
	}
	n.seen.idJAG = d
	summary := fmt.Sprintf("ID-JAG for sub=%s, scope %q (the IdP's policy allowed it)", d.Str("sub"), d.Str("scope"))
	if !n.verbose {
		return title, summary, nil
	}
	checks := xaa.CheckIDJAG(d, xaa.Expect{ASIssuer: n.urls.as, ClientID: n.client, Resource: n.urls.resource, Now: n.now()})
	return title, summary, []string{jwt("ID-JAG", d), checkLine(checks)}
}

func (n *narrator) bearerStep(h hop) (string, string, []string) {
	title := "RFC 7523 jwt-bearer grant: ID-JAG → access token"
	if h.status != http.StatusOK || h.str("access_token") == "" {
		n.seen.asError = h.str("error")
		n.seen.asErrors++
		return title, oauthError(h), nil
	}
	d, err := xaa.Decode(h.str("access_token"))
	if err != nil {
		return title, "an access token that is not a JWT", nil
	}
	n.seen.accessToken, n.seen.granted = d, h.str("scope")
	summary := fmt.Sprintf("access token, scope %q, expires_in %v", h.str("scope"), h.body["expires_in"])
	if asked := n.seen.idJAG.Str("scope"); asked != "" && asked != h.str("scope") {
		summary += fmt.Sprintf(" (the ID-JAG allowed %q; AuthPlane's policy narrowed it)", asked)
	}
	if !n.verbose {
		return title, summary, nil
	}
	return title, summary, []string{jwt("access token", d)}
}

// oauthError summarises an OAuth error answer.
func oauthError(h hop) string {
	if e := h.str("error"); e != "" {
		return e + ": " + h.str("error_description")
	}
	return ""
}

// paramLines renders a form, grant_type first, secrets replaced, empty
// parameters left out.
func paramLines(f url.Values) []string {
	keys := make([]string, 0, len(f))
	for k := range f {
		if f.Get(k) != "" {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		if (a == "grant_type") != (b == "grant_type") {
			if a == "grant_type" {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	lines := make([]string, len(keys))
	for i, k := range keys {
		v := f.Get(k)
		if s, ok := redacted(k); ok {
			v = s
		}
		lines[i] = fmt.Sprintf("%-21s %s", k, v)
	}
	return lines
}

// checkLine summarises the local ID-JAG checks.
func checkLine(checks []xaa.Check) string {
	var failed []string
	for _, c := range checks {
		if !c.OK {
			failed = append(failed, c.Name+" ("+c.Note+")")
		}
	}
	if len(failed) == 0 {
		return fmt.Sprintf("        local checks of the ID-JAG (typ, alg, aud, client_id, lifetime, resource …): %d/%d pass", len(checks), len(checks))
	}
	return "        local checks FAILED: " + strings.Join(failed, "; ")
}
