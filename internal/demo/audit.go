package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/authplane/authplane/internal/adminclient"
	"github.com/authplane/authplane/internal/idprole"
)

// audit prints the records the flow wrote on both sides and checks that
// the decisions are there.
func (d *Demo) audit(ctx context.Context, res *Result) error {
	d.out.section("4. The audit records the flow wrote on both sides (the setup's admin records left out)")
	evs, err := d.idp.Audit(ctx, 1000)
	if err != nil {
		return fmt.Errorf("demo: IdP role audit: %w", err)
	}
	res.IdPAudit = slices.DeleteFunc(evs, func(e idprole.Event) bool { return e.Type == idprole.EventAdmin })
	d.out.party("IdP role", "its own audit trail (idprole.Server.Audit)")
	for _, e := range res.IdPAudit {
		d.out.printf("    %s\n", idpLine(e))
	}
	page, err := d.admin.Audit().All(ctx, adminclient.ListOptions{})
	if err != nil {
		return fmt.Errorf("demo: AuthPlane audit: %w", err)
	}
	res.AuthPlaneAudit = slices.DeleteFunc(page.Items, func(e adminclient.AuditEvent) bool { return strings.HasPrefix(e.Type, "admin.") })
	d.out.party("AuthPlane", "GET /admin/v1/audit (also `authplane admin audit list`)")
	for _, e := range res.AuthPlaneAudit {
		d.out.printf("    %s\n", asLine(e))
	}
	return checkAudit(res)
}

// checkAudit requires the decisions of the flow in both trails.
func checkAudit(res *Result) error {
	var missing []string
	for _, want := range []struct{ typ, user string }{
		{idprole.EventSignIn, "alice"}, {idprole.EventIDJAGIssued, "alice"},
		{idprole.EventSignIn, "bob"}, {idprole.EventIDJAGIssued, "bob"},
	} {
		if !slices.ContainsFunc(res.IdPAudit, func(e idprole.Event) bool {
			return e.Type == want.typ && e.Username == want.user && e.Outcome == idprole.OutcomeSuccess
		}) {
			missing = append(missing, "IdP role: "+want.typ+" for "+want.user)
		}
	}
	if !slices.ContainsFunc(res.AuthPlaneAudit, func(e adminclient.AuditEvent) bool {
		return e.Type == "token.issued" && e.Subject == asIdPID+"|alice" && slices.Equal(e.GrantedScopes, []string{"repo:read"})
	}) {
		missing = append(missing, "AuthPlane: token.issued for alice with repo:read")
	}
	if !slices.ContainsFunc(res.AuthPlaneAudit, func(e adminclient.AuditEvent) bool {
		return e.Type == "grant.denied" && e.Subject == asIdPID+"|bob" && e.Reason == "policy_no_matching_rule"
	}) {
		missing = append(missing, "AuthPlane: grant.denied for bob (policy_no_matching_rule)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("demo: audit records missing: %s", strings.Join(missing, "; "))
	}
	return nil
}

// idpLine renders an IdP role record on one line.
func idpLine(e idprole.Event) string {
	return fields(fmt.Sprintf("#%-3d %-14s %-7s", e.Seq, e.Type, e.Outcome),
		"reason", e.Reason, "user", e.Username, "app", e.AppID, "client_id", e.ClientID,
		"scope", strings.Join(e.GrantedScopes, " "), "rules", strings.Join(e.PolicyRuleIDs, ","),
		jtiName(e.Type), e.TokenJTI)
}

// jtiName names the token an IdP role record's jti belongs to.
func jtiName(eventType string) string {
	switch eventType {
	case idprole.EventIDJAGIssued:
		return "id_jag_jti"
	case idprole.EventCodeRedeemed:
		return "id_token_jti"
	}
	return "token_jti"
}

// asLine renders an AuthPlane record on one line.
func asLine(e adminclient.AuditEvent) string {
	return fields(fmt.Sprintf("#%-3d %-14s %-7s", e.Seq, e.Type, e.Outcome),
		"reason", e.Reason, "subject", e.Subject, "client", e.ClientID,
		"requested", strings.Join(e.RequestedScopes, " "), "granted", strings.Join(e.GrantedScopes, " "),
		"rules", strings.Join(e.PolicyRuleIDs, ","), "assertion_jti", e.AssertionJTI, "token_jti", e.TokenJTI)
}

// fields appends the non-empty name=value pairs of kv to head.
func fields(head string, kv ...string) string {
	var b strings.Builder
	b.WriteString(head)
	for i := 0; i+1 < len(kv); i += 2 {
		if v := kv[i+1]; v != "" {
			if strings.Contains(v, " ") {
				v = `"` + v + `"`
			}
			fmt.Fprintf(&b, " %s=%s", kv[i], v)
		}
	}
	return b.String()
}
