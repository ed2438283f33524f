package grant

import (
	"slices"
	"strings"

	"github.com/authplane/authplane/internal/assertion"
	"github.com/authplane/authplane/internal/catalog"
	"github.com/authplane/authplane/internal/oauth"
	"github.com/authplane/authplane/internal/storage"
)

// mapSubject resolves the local subject the token is issued to, by the
// IdP's subject mode (DESIGN.md §5, SPEC B.2 row 28, RAS-32/33):
//   - prefixed: "<idp-id>|<sub>", reversible and collision-free across IdPs;
//   - mapped: the explicit (idp, sub) table; unmapped or disabled → denied;
//   - email: the email claim, only for a domain the IdP is authoritative for
//     and only if email_verified is not false.
func mapSubject(snap *catalog.Snapshot, idp storage.IdP, a *assertion.Assertion) (string, error) {
	switch idp.SubjectMode {
	case storage.SubjectMapped:
		m, ok := snap.Mappings[catalog.MappingKey{IdPID: idp.ID, External: a.Subject}]
		if !ok {
			return "", oauth.InvalidGrant("subject_unmapped")
		}
		if !m.Enabled {
			return "", oauth.InvalidGrant("subject_disabled")
		}
		return m.LocalSubject, nil
	case storage.SubjectEmail:
		return emailSubject(idp, a)
	default:
		return idp.ID + "|" + a.Subject, nil
	}
}

func emailSubject(idp storage.IdP, a *assertion.Assertion) (string, error) {
	if a.EmailVerified != nil && !*a.EmailVerified {
		return "", oauth.InvalidGrant("email_unverified")
	}
	at := strings.LastIndexByte(a.Email, '@')
	if at <= 0 || at == len(a.Email)-1 {
		return "", oauth.InvalidGrant("email_missing")
	}
	email := strings.ToLower(a.Email)
	if !slices.Contains(idp.EmailDomains, email[at+1:]) {
		return "", oauth.InvalidGrant("email_domain_not_authoritative")
	}
	return email, nil
}
