// Command mcp-client is the example MCP client (the AI agent) of AuthPlane:
// the official MCP Go SDK client with its Enterprise Managed Authorization
// handler (auth/extauth). It signs the user in at the IdP, and on the MCP
// server's 401 runs the Cross-App Access chain (ID token → ID-JAG at the
// IdP → access token at AuthPlane), then calls one tool and prints its
// result.
//
//	go run ./examples/mcp-client \
//	    --idp http://127.0.0.1:9100 --idp-client-id agent --idp-client-secret … \
//	    --redirect-uri http://127.0.0.1:8765/callback --username alice --password … \
//	    --as http://127.0.0.1:9000 --client-id agent-1 --client-secret … \
//	    --resource http://127.0.0.1:9200/mcp --scope repo:read --tool list_repos
//
// `authplane demo` sets all three parties up and prints the exact command.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/authplane/authplane/examples/mcp-client/xaaclient"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mcp-client:", err)
		os.Exit(1)
	}
}

func run() error {
	var c xaaclient.Config
	var scope, tool, args string
	flag.StringVar(&c.IdPIssuer, "idp", "", "the IdP's issuer URL")
	flag.StringVar(&c.IdPClientID, "idp-client-id", "", "the agent's client id at the IdP")
	flag.StringVar(&c.IdPClientSecret, "idp-client-secret", "", "the agent's client secret at the IdP")
	flag.StringVar(&c.RedirectURI, "redirect-uri", "", "the agent's registered redirect URI at the IdP")
	flag.StringVar(&c.Username, "username", "", "the user signing in at the IdP")
	flag.StringVar(&c.Password, "password", "", "the user's password")
	flag.StringVar(&c.AuthServer, "as", "", "AuthPlane's issuer URL")
	flag.StringVar(&c.ClientID, "client-id", "", "the agent's client id at AuthPlane (client_secret_post)")
	flag.StringVar(&c.ClientSecret, "client-secret", "", "the agent's client secret at AuthPlane")
	flag.StringVar(&c.Resource, "resource", "", "the MCP server's resource identifier")
	flag.StringVar(&c.Endpoint, "endpoint", "", "the MCP endpoint URL (default: the resource)")
	flag.StringVar(&scope, "scope", "", "space-separated scopes to request")
	flag.StringVar(&tool, "tool", "list_repos", "the tool to call")
	flag.StringVar(&args, "args", "{}", "the tool's arguments as a JSON object")
	flag.Parse()
	c.Scopes = strings.Fields(scope)
	var arguments map[string]any
	if err := json.Unmarshal([]byte(args), &arguments); err != nil {
		return fmt.Errorf("--args: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	session, err := xaaclient.Connect(ctx, c)
	if err != nil {
		return err
	}
	defer session.Close()
	text, err := xaaclient.CallTool(ctx, session, tool, arguments)
	if err != nil {
		return err
	}
	fmt.Println(text)
	return nil
}
