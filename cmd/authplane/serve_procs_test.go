package main

import (
	"os"
	"runtime"
	"runtime/debug"
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

// setGCPercent sets the server's GC target, unless GOGC is set.
func TestSetGCPercent(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	t.Setenv("GOGC", "100")
	if setGCPercent() || debug.SetGCPercent(100) != 100 {
		t.Fatal("with GOGC set, setGCPercent changed the GC target")
	}
	os.Unsetenv("GOGC")
	if !setGCPercent() {
		t.Fatal("setGCPercent did not apply its target")
	}
	if got := debug.SetGCPercent(100); got != serveGCPercent {
		t.Fatalf("GC target %d, want %d", got, serveGCPercent)
	}
}
