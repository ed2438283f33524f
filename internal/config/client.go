package config

import "os"

// ClientSettings are what the CLI's API clients (authplane admin …) need to
// reach a running server.
type ClientSettings struct {
	// AdminURL is the base URL of the admin listener.
	AdminURL string
	// AdminToken is the admin bearer token.
	AdminToken string
}

// LoadClient reads the CLI client settings from the environment:
// AUTHPLANE_ADMIN_URL (else http://AUTHPLANE_ADMIN_ADDR, else
// http://127.0.0.1:9001) and AUTHPLANE_ADMIN_TOKEN. Flags override them.
func LoadClient() ClientSettings {
	s := ClientSettings{AdminURL: os.Getenv("AUTHPLANE_ADMIN_URL"), AdminToken: os.Getenv("AUTHPLANE_ADMIN_TOKEN")}
	if s.AdminURL == "" {
		addr := os.Getenv("AUTHPLANE_ADMIN_ADDR")
		if addr == "" {
			addr = DefaultAdminAddr
		}
		s.AdminURL = "http://" + addr
	}
	return s
}
