package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProposalNameIsUsedOnce: a proposal name whose file is already on
// main (its proposal applied, rejected or withdrawn, its branch pruned) is
// refused up front with how to recover, and nothing is written; a branch
// made by hand under that name is judged closed with the reason, not
// "applied".
func TestProposalNameIsUsedOnce(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-9", "--workflow", "release", "--transition", "create", "--name", "first")
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	file := filepath.Join(t.TempDir(), "cancel.yaml")
	var hash string
	for _, in := range readState(t, repo).Instances {
		if in.ID == "web-9" {
			hash = in.Hash
		}
	}
	yaml := "instance: web-9\nworkflow: release\ntransition: cancel\nbase_state: " + hash + "\nidem_key: k-cancel-web-9\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	r := writWant(t, ExitRefused, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--name", "first", "--file", file)
	wantAll(t, "propose under a used name", r.err, "proposals/web-9/first.yaml is already on main", "choose another name (--name)", "nothing written")
	if out := newGit(t).run(repo, "branch", "--list", "proposals/web-9/first"); strings.TrimSpace(out) != "" {
		t.Fatalf("a refused proposal left a branch: %q", out)
	}
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--name", "second", "--file", file)
}
