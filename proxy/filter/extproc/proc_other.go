//go:build !unix

package extproc

import "os/exec"

func setProcAttr(*exec.Cmd) {}

func killGroup(int) {}
