package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/authplane/authplane/internal/admin"
)

// seedField returns the list of seed that name fills.
func seedField(seed *admin.Seed, name string) any {
	switch name {
	case "resources":
		return &seed.Resources
	case "idps":
		return &seed.IdPs
	case "clients":
		return &seed.Clients
	case "policies":
		return &seed.Policies
	default:
		return &seed.SubjectMappings
	}
}

// strictUnmarshal decodes raw into v, rejecting unknown fields and
// trailing data, like the admin API does.
func strictUnmarshal(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data")
	}
	return nil
}
