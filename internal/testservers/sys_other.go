//go:build !linux

package testservers

import "syscall"

// sysProcAttr returns no special attributes: only Linux can tie a server's
// life to the test binary's.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
