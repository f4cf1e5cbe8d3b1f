//go:build unix

package extproc

import (
	"os/exec"
	"syscall"
)

// setProcAttr puts the plugin in a process group of its own: a terminal's
// Ctrl-C reaches the gateway only (which stops its plugins itself), and
// killGroup also kills what the plugin started.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills process group pid (the plugin and its children).
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}
