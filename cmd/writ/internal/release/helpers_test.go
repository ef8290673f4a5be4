package release

import (
	"os/exec"
	"strings"
	"testing"
)

// runStdin runs name args with stdin and returns its combined output.
func runStdin(t *testing.T, stdin, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
