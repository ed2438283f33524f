// Package server assembles AuthPlane's two HTTP listeners. mount.go is the
// only place routes are wired; build.go wires the components (store, keys,
// catalog, IdP registry, handlers) from a validated config.Config; run.go
// serves both listeners with time-outs and graceful shutdown.
//
// The public listener carries the OAuth endpoints, metadata and health; the
// admin listener (loopback by default) carries the admin API and metrics.
// Neither serves the other's routes.
package server
