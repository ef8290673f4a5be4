package cli

import (
	"strings"
	"testing"
)

// TestProposeShortIdemKey: a short explicit --idem-key (found by the chaos
// test: "k-1" made propose panic while naming the branch) names the branch
// after the whole key.
func TestProposeShortIdemKey(t *testing.T) {
	dir := newControlRepo(t)
	for _, tt := range []struct{ key, branch string }{
		{"k-1", "proposals/svc-1/create-1,"},
		{"x", "proposals/svc-x/create-x,"},
		{"k-0123456789", "proposals/svc-0123456789/create-01234567,"},
	} {
		id := "svc-" + strings.TrimPrefix(tt.key, "k-")
		r := writWant(t, ExitOK, "--repo", dir, "propose", "--as", "deploy-agent", "--instance", id,
			"--transition", "create", "--owner", "web-team", "--idem-key", tt.key)
		if !strings.Contains(r.out, "branch "+tt.branch) {
			t.Errorf("--idem-key %s: want branch %s in %s", tt.key, tt.branch, r)
		}
	}
}
