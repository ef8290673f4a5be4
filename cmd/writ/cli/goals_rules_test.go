package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var rulesTrailer = regexp.MustCompile(`(?m)^Writ-Rules: (sha256:[0-9a-f]{64})$`)

// TestRulesChangeAddsAGoal: goals/ is a rules path. A goal in the working
// tree goes into propose --rules, lands only through the governance
// policy, changes the rules hash the entry records, and the log replays;
// a goal with a mistake is refused before anything is proposed, naming
// its path:line:col.
func TestRulesChangeAddsAGoal(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	before := rulesTrailer.FindStringSubmatch(g.run(repo, "log", "-1", "--format=%B", "main"))
	if before == nil {
		t.Fatal("genesis records no Writ-Rules")
	}
	goal := "name: patch-cve\nowner: platform\nterminal:\n  type: patch-cve\n  payload: {cve: CVE-2026-1234}\n" +
		"quorum:\n  min: 2\n  window: 1d\n  on_short: fail\n" +
		"capabilities:\n  attempt: [\"propose:release\"]\n  declare: [\"propose:release\"]\n  confirm: [approve]\n  refute: [approve]\n  resolve: [override]\n"
	dir := filepath.Join(repo, "goals")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "patch-cve.yaml")
	if err := os.WriteFile(file, []byte(strings.Replace(goal, "min: 2", "min: 0", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := writWant(t, ExitRefused, "--repo", repo, "propose", "-q", "--rules", "--as", "carol", "--name", "bad-goal")
	if !strings.Contains(r.err, "goals/patch-cve.yaml:7:8: quorum.min: min is 0; it must be at least 1") {
		t.Fatalf("a bad goal: want its problem at goals/patch-cve.yaml:7:8, got %s", r)
	}
	if out, _, err := g.exec(repo, "", "rev-parse", "--verify", "-q", "refs/heads/proposals/rules/bad-goal"); err == nil {
		t.Fatalf("a branch was written for the bad goal: %s", out)
	}
	if err := os.WriteFile(file, []byte(goal), 0o644); err != nil {
		t.Fatal(err)
	}
	writWant(t, ExitOK, "--repo", repo, "validate")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--rules", "--as", "carol", "--name", "goal", "--justification", "declare the CVE goal")
	if files := g.run(repo, "ls-tree", "-r", "--name-only", "proposals/rules/goal"); !strings.Contains(files, "goals/patch-cve.yaml\n") {
		t.Fatalf("the rules change leaves out goals/patch-cve.yaml; its tree:\n%s", files)
	}
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if _, _, err := g.exec(repo, "", "cat-file", "-e", "main:goals/patch-cve.yaml"); err == nil {
		t.Fatal("the goal landed without the governance policy's approvals")
	}
	for _, who := range []string{"alice", "bob"} {
		writWant(t, ExitOK, "--repo", repo, "approve", "-q", "rules/goal", "--as", who)
	}
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if got := g.run(repo, "show", "main:goals/patch-cve.yaml"); got != goal {
		t.Fatalf("main's goal differs from the proposed one:\n%s", got)
	}
	after := rulesTrailer.FindStringSubmatch(g.run(repo, "log", "-1", "--format=%B", "main"))
	if after == nil || after[1] == before[1] {
		t.Fatalf("the rules entry's Writ-Rules %v does not differ from genesis's %s", after, before[1])
	}
	writWant(t, ExitOK, "--repo", repo, "replay")
}
