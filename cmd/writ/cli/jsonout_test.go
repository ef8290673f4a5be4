package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJSONOutputsMatchTheirSchemas runs every reporting command with
// --json in its states (ok, waiting, problems, foreign commits) and
// checks each output against its schema in schemas/output/, and that
// --json keeps the command's exit code.
func TestJSONOutputsMatchTheirSchemas(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	invalid := t.TempDir()
	if err := os.WriteFile(filepath.Join(invalid, "writ.yaml"), []byte("version: one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := func(args ...string) []string { return append([]string{"--repo", repo}, args...) }
	check := func(command string, want int, args ...string) map[string]any {
		t.Helper()
		r := writWant(t, want, args...)
		v := validateOutput(t, command, r.out)
		m, _ := v.(map[string]any)
		return m
	}
	writWant(t, ExitOK, in("propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "create", "--owner", "web-team")...)
	writWant(t, ExitRefused, in("propose", "-q", "--as", "carol", "--instance", "web-2", "--transition", "create", "--owner", "web-team", "--name", "create")...)

	rec := check("reconcile", ExitOK, in("reconcile", "--json")...)
	if a, _ := rec["applied"].([]any); len(a) != 1 {
		t.Errorf("reconcile --json: want one applied, got %v", rec)
	}
	if s, _ := rec["skipped"].([]any); len(s) != 1 {
		t.Errorf("reconcile --json: want carol's proposal skipped, got %v", rec)
	}
	check("reconcile", ExitOK, in("reconcile", "--json")...)
	check("gate", ExitRefused, in("gate", "--json", "web-2/create")...)
	check("state", ExitOK, in("state", "--json")...)
	validateOutput(t, "log", writWant(t, ExitOK, in("log", "--json")...).out)
	check("version", ExitOK, "version", "--json")
	if v := check("validate", ExitOK, in("validate", "--json")...); v["valid"] != true {
		t.Errorf("validate --json of a valid repo: %v", v)
	}
	if v := check("validate", ExitFailure, "--repo", invalid, "validate", "--json"); v["valid"] != false {
		t.Errorf("validate --json of an invalid repo: %v", v)
	}
	rp := check("replay", ExitOK, in("replay", "--json")...)
	st := readState(t, repo)
	if rp["state"] != st.State || rp["main"] != st.Main || rp["verified"] != true {
		t.Errorf("replay --json %v, want state %s at %s", rp, st.State, st.Main)
	}
	if vf := check("verify", ExitOK, in("verify", "--json")...); vf["state"] != st.State {
		t.Errorf("verify --json: %v", vf)
	} else if e, _ := vf["entries"].([]any); len(e) != 2 {
		t.Errorf("verify --json: want 2 entries (genesis and the create), got %v", vf)
	}

	// Foreign commits: the same shapes, exit 4.
	g.run(repo, "reset", "-q", "--hard", "main")
	if err := os.WriteFile(filepath.Join(repo, "FOREIGN.md"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g.run(repo, "add", "FOREIGN.md")
	g.run(repo, "commit", "-q", "-m", "a direct push")
	foreign := strings.TrimSpace(g.run(repo, "rev-parse", "HEAD"))
	rp = check("replay", ExitForeign, in("replay", "--json")...)
	if f, _ := rp["foreign"].([]any); len(f) != 1 || f[0].(map[string]any)["commit"] != foreign || rp["verified"] != false {
		t.Errorf("replay --json with a foreign commit: %v", rp)
	}
	check("verify", ExitForeign, in("verify", "--json")...)
	check("reconcile", ExitForeign, in("reconcile", "--json")...)

	// Against a remote.
	f := newRemoteFixture(t, 2)
	clone := f.clone("json")
	rec = check("reconcile", ExitOK, "--repo", clone, "--keys", f.keys, "reconcile", "--remote", "origin", "--json")
	if a, _ := rec["applied"].([]any); len(a) != 2 || rec["pushes"] == nil {
		t.Errorf("reconcile --remote --json: want two applied, got %v", rec)
	}
}
