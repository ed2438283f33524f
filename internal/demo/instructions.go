package demo

// printInstructions tells the user how to try more against the running
// parties.
func (d *Demo) printInstructions() {
	u, c := d.urls, d.creds
	// One write, so a reader sees the instructions whole.
	d.out.printf(`
== Still running: try more with the CLI (Ctrl-C stops everything and deletes the demo's data)

  export AUTHPLANE_ADMIN_URL=%[3]s
  export AUTHPLANE_ADMIN_TOKEN=%[5]s

  # What AuthPlane knows, and what it decided
  go run ./cmd/authplane admin policies list
  go run ./cmd/authplane admin audit list

  # Let sales read too, then run bob's chain step by step with the operator CLI
  go run ./cmd/authplane admin policies create --id sales-read --effect allow \
      --resource %[8]s --group sales --scope repo:read
  go run ./cmd/authplane xaa token --idp %[1]s --idp-client-id %[9]s --idp-client-secret %[6]s \
      --username bob --password %[10]s --redirect-uri %[11]s \
      --as %[2]s --client-id %[9]s --client-secret %[7]s \
      --resource %[4]s --scope repo:read

  # The example MCP client (the SDK's EnterpriseHandler) as a separate process
  go run ./examples/mcp-client --idp %[1]s --idp-client-id %[12]s --idp-client-secret %[13]s \
      --redirect-uri %[11]s --username alice --password %[14]s \
      --as %[2]s --client-id %[15]s --client-secret %[16]s \
      --resource %[4]s --scope repo:read --tool list_repos
`, u.idp, u.as, u.adminAPI, u.resource, c.adminToken, c.agentCLIAtIdP, c.agentCLIAtAS, asResourceID, appCLI,
		bobPassword, redirectURI, appAgent, c.agentAtIdP, alicePassword, clientAgent, c.agentAtAS)
}
