//go:build !linux

package bench

import "syscall"

// childAttr has nothing to add outside Linux (and /proc, which the CPU and
// memory figures need, is Linux-only).
func childAttr() *syscall.SysProcAttr { return nil }
