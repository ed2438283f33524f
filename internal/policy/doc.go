// Package policy is AuthPlane's policy engine (DESIGN.md §5): it compiles the
// structured rules of the policy model once, with their optional CEL
// conditions type-checked and cost-bounded, and decides for one validated
// ID-JAG which scopes, if any, may be granted.
//
// Semantics, in order:
//
//   - The base set is the requested scopes, or the assertion's scope claim when
//     none are requested (Input.Requested nil). A nil Input.AssertionScopes means
//     the assertion carries no scope claim, which grants no scopes: it is
//     treated as the empty set, so any request is invalid_scope and an
//     unrequested grant is empty.
//   - Requested scopes outside the assertion's are invalid_scope (RAS-26,
//     SPEC B.9 item 2): policy narrowing is allowed, widening never.
//   - granted = base ∩ assertion ∩ ∪(scopes of matching allow rules) −
//     ∪(scopes of matching deny rules). A nil Scopes list on an allow rule
//     grants every scope; on a deny rule it removes every scope. Deny wins.
//   - A rule matches when every matcher matches (nil list: anything; empty
//     list: nothing; idps, clients, resources and subjects compare exactly;
//     groups_any needs one common value) and its CEL condition, if any, is
//     true. A condition that fails to evaluate (missing key, cost limit, …)
//     fails closed: an allow rule does not match, a deny rule does.
//   - An allow rule that matches on everything except its require block
//     (amr_any, acr_any, max_auth_age) grants nothing. When nothing is granted
//     and satisfying such a rule would have produced a non-empty grant, the
//     decision is step_up_required and names the requirement to satisfy.
//   - Otherwise an empty grant is denied_by_rule when deny rules removed
//     every base scope that allow rules (or a step-up) would grant,
//     no_matching_rule when no allow rule matched, and empty_grant when the
//     matching allow rules and the base set do not intersect.
//
// require applies to allow rules only, and an explicit empty scopes list
// (which would grant or remove nothing) is ambiguous next to the nil "every
// scope"; CheckRule rejects both.
// Decide and Explain share one evaluation: Explain additionally records, rule
// by rule, which matcher failed and why.
package policy
