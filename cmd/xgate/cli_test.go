package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runXgate runs the built binary and returns its exit code and output.
func runXgate(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(xgateBin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return code, stdout.String(), stderr.String()
}

// TestValidateBrokenConfigs runs `xgate validate` on every file in
// examples/broken; each file states the message it must produce on a
// "# want:" line.
func TestValidateBrokenConfigs(t *testing.T) {
	files, err := filepath.Glob("../../examples/broken/*.yaml")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 5)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			var want string
			for _, line := range strings.Split(string(data), "\n") {
				if w, ok := strings.CutPrefix(line, "# want: "); ok {
					want = w
				}
			}
			require.NotEmpty(t, want, "%s has no '# want:' line", f)
			code, stdout, stderr := runXgate(t, "validate", "-c", f)
			assert.Equal(t, 1, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, want)

			// run refuses the same file and says why.
			code, _, stderr = runXgate(t, "run", "-c", f)
			assert.Equal(t, 1, code)
			assert.Contains(t, stderr, want)
			assert.Contains(t, stderr, "refusing to start")
		})
	}
}

func TestValidateGoodConfigs(t *testing.T) {
	for _, f := range []string{"../../examples/demo.yaml"} {
		code, stdout, stderr := runXgate(t, "validate", "-c", f)
		assert.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, "ok")
	}
}

func TestCLIUsage(t *testing.T) {
	code, stdout, _ := runXgate(t, "version")
	assert.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(stdout, "xgate "), stdout)

	code, _, stderr := runXgate(t)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "usage:")

	code, _, stderr = runXgate(t, "frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown command "frobnicate"`)

	code, _, stderr = runXgate(t, "validate")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "-c FILE is required")

	code, _, stderr = runXgate(t, "validate", "-c", "/nonexistent/xgate.yaml")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "/nonexistent/xgate.yaml")
}
