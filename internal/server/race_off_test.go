//go:build !race

package server

// raceEnabled lets volume tests shrink under the race detector.
const raceEnabled = false
