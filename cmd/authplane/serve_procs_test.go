package main

import (
	"os"
	"runtime"
	"testing"
)

// raiseProcs adds one processor, unless GOMAXPROCS is set by the operator.
func TestRaiseProcs(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(before) })

	t.Setenv("GOMAXPROCS", "1")
	if n, raised := raiseProcs(); raised || n != before || runtime.GOMAXPROCS(0) != before {
		t.Fatalf("with GOMAXPROCS set: raiseProcs = %d, %v; GOMAXPROCS %d, want it left at %d", n, raised, runtime.GOMAXPROCS(0), before)
	}
	os.Unsetenv("GOMAXPROCS") // t.Setenv restores the original value afterwards
	if n, raised := raiseProcs(); !raised || n != before+1 || runtime.GOMAXPROCS(0) != before+1 {
		t.Fatalf("unset: raiseProcs = %d, %v; GOMAXPROCS %d, want %d", n, raised, runtime.GOMAXPROCS(0), before+1)
	}
}
