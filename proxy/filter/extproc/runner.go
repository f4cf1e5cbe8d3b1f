package extproc

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"

	"github.com/hashicorp/go-plugin/runner"
)

// procRunner runs the plugin program for go-plugin (ClientConfig.RunnerFunc)
// like go-plugin's own command runner, and also tells the supervisor when
// the process exits (exited) and kills the plugin's whole process group.
type procRunner struct {
	cmd    *exec.Cmd
	stdout io.ReadCloser
	stderr io.ReadCloser
	name   string

	mu     sync.Mutex
	proc   *os.Process // set by Start
	pid    int
	exited chan struct{} // closed once Wait has reaped the process
}

var _ runner.Runner = (*procRunner)(nil)

// newRunner prepares argv with the environment go-plugin prepared in spec
// (the magic cookie, the socket directory, the gateway's environment).
func newRunner(spec *exec.Cmd, argv []string) (*procRunner, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = spec.Env
	cmd.Stdin = nil // the plugin reads nothing from the gateway's stdin
	setProcAttr(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	return &procRunner{cmd: cmd, stdout: stdout, stderr: stderr, name: argv[0], exited: make(chan struct{})}, nil
}

// Start starts the process.
func (r *procRunner) Start(context.Context) error {
	if err := r.cmd.Start(); err != nil {
		close(r.exited)
		return err
	}
	r.mu.Lock()
	r.proc, r.pid = r.cmd.Process, r.cmd.Process.Pid
	r.mu.Unlock()
	return nil
}

// Wait reaps the process (go-plugin calls it once, after the process's
// output ended) and closes exited.
func (r *procRunner) Wait(context.Context) error {
	err := r.cmd.Wait()
	close(r.exited)
	return err
}

// Kill kills the process and its group; it may be called any number of
// times, from any goroutine.
func (r *procRunner) Kill(context.Context) error {
	select {
	case <-r.exited:
		return nil
	default:
	}
	r.mu.Lock()
	proc, pid := r.proc, r.pid
	r.mu.Unlock()
	if proc == nil {
		return nil
	}
	killGroup(pid)
	if err := proc.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

// PID returns the process id (0 before Start).
func (r *procRunner) PID() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pid
}

// Stdout is the handshake's pipe.
func (r *procRunner) Stdout() io.ReadCloser { return r.stdout }

// Stderr is the plugin's log pipe.
func (r *procRunner) Stderr() io.ReadCloser { return r.stderr }

// Name is the program.
func (r *procRunner) Name() string { return r.name }

// ID is the process id.
func (r *procRunner) ID() string { return strconv.Itoa(r.PID()) }

// Diagnose says what usually makes a handshake fail.
func (r *procRunner) Diagnose(context.Context) string {
	return "the plugin must print the go-plugin handshake line (1|1|unix|<socket>|grpc) on stdout " +
		"once it serves, and check XGATE_PLUGIN=filter in its environment"
}

// PluginToHost is the identity: the plugin runs on this host.
func (r *procRunner) PluginToHost(network, addr string) (string, string, error) {
	return network, addr, nil
}

// HostToPlugin is the identity.
func (r *procRunner) HostToPlugin(network, addr string) (string, string, error) {
	return network, addr, nil
}
