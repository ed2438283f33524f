//go:build race

package server

// raceEnabled lets volume tests shrink under the race detector, which makes
// every request about ten times slower.
const raceEnabled = true
