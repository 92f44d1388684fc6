package testservers

import "syscall"

// sysProcAttr makes a server die with the test binary, should the binary
// be killed before it can stop the server.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
