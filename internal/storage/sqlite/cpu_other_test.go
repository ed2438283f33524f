//go:build !unix

package sqlite

import "time"

// processCPU is unknown here; benchmarks then report no CPU metric.
func processCPU() time.Duration { return 0 }
