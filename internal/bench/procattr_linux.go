package bench

import "syscall"

// childAttr makes the kernel kill the server if the generator dies first,
// so an interrupted run leaves no server behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
