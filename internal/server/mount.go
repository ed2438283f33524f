package server

import (
	"net/http"
)

// publicRoutes are the handlers of the public listener.
type publicRoutes struct {
	token, introspect, revoke http.Handler
	metadata, jwks            http.Handler
	ready                     http.Handler
}

// mountPublic is the public route table (DESIGN.md §4). The token,
// introspection and revocation endpoints take every method so that they
// answer a wrong one with their own 405 + Allow (RAS-01). The admin API is
// never mounted here.
func mountPublic(h publicRoutes) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /.well-known/oauth-authorization-server", h.metadata)
	mux.Handle("GET /.well-known/openid-configuration", h.metadata)
	mux.Handle("GET "+pathJWKS, h.jwks)
	mux.Handle(pathToken, h.token)
	mux.Handle(pathIntrospect, h.introspect)
	mux.Handle(pathRevoke, h.revoke)
	mux.HandleFunc("GET /healthz", handleHealthz)
	mux.Handle("GET /readyz", h.ready)
	return mux
}

// mountAdmin is the admin listener's route table: the admin API under
// /admin/v1, Prometheus metrics (no secrets; the admin listener is loopback
// by default), runtime profiles (behind the admin token) and health.
func mountAdmin(api, metrics, profiles http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/admin/v1/", api)
	mux.Handle("GET /metrics", metrics)
	mux.Handle("GET /debug/pprof/", profiles)
	mux.HandleFunc("GET /healthz", handleHealthz)
	return mux
}
