package token

import "github.com/authplane/authplane/internal/jsonx"

// checkStrictJSON rejects data that is not one JSON object of valid UTF-8
// without duplicate member names (JWT-05, JWT-11): encoding/json would
// silently keep the last duplicate.
func checkStrictJSON(data []byte) error {
	_, err := jsonx.DecodeStrictObject(data)
	return err
}
