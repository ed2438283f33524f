//go:build faults

package faults

import "syscall"

// childAttr makes the kernel kill a started server if the test process dies
// first, so an interrupted run leaves no server behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
