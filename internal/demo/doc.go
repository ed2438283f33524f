// Package demo is `authplane demo`: the three parties of Cross-App Access in
// one process, on loopback ports and embedded SQLite in a temporary
// directory, registered with each other and exercised end to end.
//
//   - the IdP role (package idprole) plays the enterprise IdP: users alice
//     (engineering) and bob (sales), the app "agent", AuthPlane as an
//     audience, and a policy letting the app reach it;
//   - AuthPlane (package server) is the resource authorization server: the
//     MCP server as a resource, the IdP role as a trusted IdP, the agent as
//     a jwt-bearer client, and the policy "engineering may read";
//   - the example MCP server (examples/mcp-server/githubmcp) verifies
//     AuthPlane's tokens with package mcpauth.
//
// The example MCP client (examples/mcp-client/xaaclient: the MCP Go SDK's
// EnterpriseHandler) then runs the whole chain for alice (sign-in → ID
// token → token exchange → ID-JAG → jwt-bearer → access token → tools/call),
// tries a tool her grant does not cover, and runs the chain for bob, whom
// AuthPlane's policy refuses. Every HTTP exchange of the agent is printed
// as it happens, with tokens decoded and signatures elided, followed by
// the audit records written on both sides. Run fails if any step does not
// turn out as the demo expects, so `authplane demo --once` is also a smoke
// test of a build.
package demo
