package config

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wantLine is the "# want: ..." comment each file in examples/broken carries:
// a fragment of the one error it must produce, which `xgate validate` tests
// can reuse.
var wantLine = regexp.MustCompile(`(?m)^# want: (.+)$`)

// wantPath pulls the field path out of a want fragment
// ("line 14: listeners[0].routes[0].cluster: unknown ...").
var wantPath = regexp.MustCompile(`^line \d+: (\S+):`)

func TestBrokenExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "broken", "*.yaml"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 5, "examples/broken should hold at least five files")

	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			m := wantLine.FindSubmatch(data)
			require.NotNil(t, m, "%s needs a '# want: line N: path: message' comment", file)
			want := string(m[1])
			pm := wantPath.FindStringSubmatch(want)
			require.NotNil(t, pm, "want comment %q must start with 'line N: path:'", want)

			// Protocol-independent on purpose: these files must fail for
			// their one stated reason whichever codecs are linked in.
			_, err = Load(file, nil)
			var errs Errors
			require.ErrorAs(t, err, &errs)
			require.Len(t, errs, 1, "one problem per file, got:\n%v", err)
			assert.Equal(t, pm[1], errs[0].Path)
			assert.Contains(t, errs[0].Error(), want)
		})
	}
}
