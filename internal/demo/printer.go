package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/authplane/authplane/internal/xaa"
)

// printer writes the narrative. It is safe for concurrent use: the agent's
// HTTP exchanges are reported from the SDK's goroutines.
type printer struct {
	mu sync.Mutex
	w  io.Writer
}

func newPrinter(w io.Writer) *printer {
	if w == nil {
		w = io.Discard
	}
	return &printer{w: w}
}

func (p *printer) printf(format string, a ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, a...)
}

// section starts a part of the narrative.
func (p *printer) section(title string) { p.printf("\n== %s\n", title) }

// party introduces one of the three parties.
func (p *printer) party(name, desc string) { p.printf("\n  %s: %s\n", name, desc) }

// item is one fact under a party or a result.
func (p *printer) item(label, text string) { p.printf("    %-9s %s\n", label, text) }

// note is an indented explanation.
func (p *printer) note(text string) { p.printf("      %s\n", text) }

func (p *printer) banner(u urls) {
	p.printf(`AuthPlane demo: Cross-App Access with three parties, in this process, on loopback

  IdP role (the enterprise IdP)        %s
  AuthPlane (authorization server)     %s   (admin API %s)
  MCP server "github" (the resource)   %s

The MCP client (the agent) is the official MCP Go SDK client with its Enterprise
Managed Authorization handler (auth/extauth.EnterpriseHandler). Every HTTP exchange
it makes is shown as it happens; tokens are decoded with their signatures elided.
`, u.idp, u.as, u.adminAPI, u.resource)
}

// jwt renders a decoded JWT, indented under a step's answer: the header
// on one line, one claim a line (keys sorted), exp annotated with the
// lifetime, the signature elided.
func jwt(label string, d xaa.Decoded) string {
	const pad = "        "
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s\n%s  header    %s\n%s  claims    {\n", pad, label, pad, compact(d.Header), pad)
	keys := slices.Sorted(maps.Keys(d.Claims))
	iat, hasIat := d.Int("iat")
	for i, k := range keys {
		comma := ","
		if i == len(keys)-1 {
			comma = ""
		}
		fmt.Fprintf(&b, "%s              %q: %s%s", pad, k, compact(d.Claims[k]), comma)
		if exp, ok := d.Int(k); ok && k == "exp" && hasIat {
			fmt.Fprintf(&b, "   // iat + %s", time.Duration(exp-iat)*time.Second)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%s            }\n%s  signature <elided>", pad, pad)
	return b.String()
}

// compact renders a JSON value on one line, without HTML escaping.
func compact(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
