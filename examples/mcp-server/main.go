// Command mcp-server is the example MCP server protected by AuthPlane: an
// MCP server on the official Go SDK with two tools needing different
// scopes (list_repos: repo:read, create_issue: repo:write), verifying
// AuthPlane access tokens offline with package mcpauth.
//
//	go run ./examples/mcp-server --issuer http://127.0.0.1:9000 --insecure-allow-loopback
//
// Register its resource identifier (printed at start, by default
// http://<addr>/mcp) at AuthPlane with the scopes repo:read and repo:write.
// `authplane demo` runs the same server in-process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/authplane/authplane/examples/mcp-server/githubmcp"
	"github.com/authplane/authplane/mcpauth"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mcp-server:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:9200", "listen address")
	resource := flag.String("resource", "", "this server's resource identifier (default http://<addr>/mcp)")
	issuer := flag.String("issuer", "http://127.0.0.1:9000", "AuthPlane's issuer URL")
	insecure := flag.Bool("insecure-allow-loopback", false, "allow http and loopback URLs (local development only)")
	flag.Parse()
	if *resource == "" {
		*resource = "http://" + *addr + "/mcp"
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	kit, err := mcpauth.New(mcpauth.Config{
		Resource: *resource, Issuer: *issuer, ScopesSupported: githubmcp.Scopes(),
		ResourceName: "GitHub (AuthPlane example)", InsecureAllowLoopback: *insecure, Logger: log,
	})
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: *addr, Handler: githubmcp.NewHandler(kit), ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Info("mcp server listening", "resource", *resource, "metadata", kit.MetadataURL(), "authorization_server", *issuer)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
