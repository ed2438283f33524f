// Package githubmcp is the example MCP server of AuthPlane: a small
// "GitHub" built on the official MCP Go SDK, with two tools that need
// different scopes, protected by the resource-server kit (package mcpauth).
//
//   - list_repos needs repo:read and lists the repositories of an
//     in-memory organisation, naming the user and the agent the verified
//     access token speaks for;
//   - create_issue needs repo:write and files an issue in memory.
//
// NewHandler mounts the RFC 9728 metadata document at the kit's
// well-known path and the streamable HTTP MCP endpoint at the resource's
// path, behind mcpauth's bearer-token middleware and per-tool scope
// check, so a token without repo:write gets 403 insufficient_scope on
// create_issue before the SDK sees the call. The tools check their scope
// again on the token the SDK hands them (defence in depth).
//
// The standalone server is examples/mcp-server; `authplane demo` mounts the
// same handler in-process.
package githubmcp
