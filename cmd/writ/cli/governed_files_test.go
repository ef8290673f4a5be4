package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/writ-dev/writ/fixtures"
)

// ordinaryFiles are the ordinary files of a real control repository.
var ordinaryFiles = map[string]string{
	".github/workflows/writ.yml": "name: writ\non: [push]\njobs: {}\n",
	"README.md":                  "# deployments\n",
	"CODEOWNERS":                 "* @org/sre\n",
	"docs/x.md":                  "how we ship\n",
}

// templateWith copies the release fixture into a template directory and
// writes files into it.
func templateWith(t *testing.T, files map[string]string) string {
	t.Helper()
	tmpl := copyRepo(t, filepath.Join("..", "..", "..", "fixtures", "controlrepos", "release"))
	for name, body := range files {
		writeFile(t, tmpl, name, body)
	}
	return tmpl
}

// writeFile writes body at the slash-separated name below dir.
func writeFile(t *testing.T, dir, name, body string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// replayClone clones repo with plain git (no checkpoint, no keys) and
// replays it; it returns the clone.
func replayClone(t *testing.T, g *gitEnv, repo string) string {
	t.Helper()
	clone := filepath.Join(t.TempDir(), "clone")
	g.run(t.TempDir(), "clone", "-q", repo, clone)
	r := writWant(t, ExitOK, "--repo", clone, "replay")
	if !stateLine.MatchString(lastLine(r.out)) {
		t.Fatalf("replay of a fresh clone: %s", r)
	}
	return clone
}

// A genesis holding ordinary files (a GitHub workflow, README.md,
// CODEOWNERS, docs) from the template: they are on main as written, the
// template's own .github/workflows/ is kept alone (no example added), and
// a fresh clone replays.
func TestInitTemplateKeepsOrdinaryFilesAndReplays(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	tmpl := templateWith(t, ordinaryFiles)
	repo := filepath.Join(t.TempDir(), "control")
	writWant(t, ExitOK, "init", "-q", "--demo-keys", "--template", tmpl, repo)
	for name, body := range ordinaryFiles {
		if got := g.run(repo, "show", "main:"+name); got != body {
			t.Errorf("main:%s is %q, want %q", name, got, body)
		}
	}
	files := g.run(repo, "ls-tree", "-r", "--name-only", "main", ".github/workflows/")
	if files != ".github/workflows/writ.yml\n" {
		t.Errorf("the template has its own workflow; .github/workflows/ on main holds:\n%s", files)
	}
	writWant(t, ExitOK, "--repo", repo, "replay")
	replayClone(t, g, repo)
}

// Plain `writ init` writes the example GitHub workflows (the ones in
// .github/examples) into the new repo's .github/workflows/; --no-actions
// writes none.
func TestInitWritesExampleWorkflows(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	want := fixtures.ActionWorkflows()
	if len(want) == 0 {
		t.Fatal("no example workflows embedded")
	}
	for name, body := range want {
		if got := g.run(repo, "show", "main:.github/workflows/"+name); got != string(body) {
			t.Errorf("main:.github/workflows/%s differs from the example:\n%s", name, got)
		}
	}
	replayClone(t, g, repo)

	bare := filepath.Join(t.TempDir(), "bare")
	writWant(t, ExitOK, "init", "-q", "--no-actions", bare)
	if files := g.run(bare, "ls-tree", "-r", "--name-only", "main", ".github"); files != "" {
		t.Errorf("init --no-actions wrote %s", files)
	}
}

// A rule change of ordinary files only (README.md and a GitHub workflow):
// proposed from the working tree, judged by the governance policy (it
// waits for its approvals), applied by `writ reconcile` once approved,
// and replayed on a fresh clone. The rules in force do not change.
func TestGovernedChangeOfOrdinaryFiles(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	rulesBefore := g.run(repo, "show", "main:writ.yaml")
	readme := "# deployments\n\nNew text.\n"
	workflow := "name: writ\non: [push]\njobs: {}\n"
	writeFile(t, repo, "README.md", readme)
	writeFile(t, repo, ".github/workflows/writ.yml", workflow)
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--rules", "--as", "carol", "--name", "docs", "--justification", "docs")
	changed := g.run(repo, "diff", "--name-only", "main", "proposals/rules/docs")
	for _, f := range []string{"README.md", ".github/workflows/writ.yml", "proposals/rules/docs.yaml"} {
		if !strings.Contains(changed, f+"\n") {
			t.Fatalf("the rule change leaves out %s:\n%s", f, changed)
		}
	}
	_, gate := gateVerdict(t, repo, "rules/docs")
	if gate.Verdict != "waiting" || !strings.Contains(gate.Reason, "governance") {
		t.Fatalf("gate before approvals: %+v", gate)
	}
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if g.run(repo, "show", "main:.github/workflows/writ-judge.yml") == "" {
		t.Fatal("main lost the example workflow")
	}
	if _, _, err := g.exec(repo, "", "cat-file", "-e", "main:.github/workflows/writ.yml"); err == nil {
		t.Fatal("writ reconcile applied an unapproved change")
	}
	for _, who := range []string{"alice", "bob"} {
		writWant(t, ExitOK, "--repo", repo, "approve", "-q", "rules/docs", "--as", who)
	}
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if got := g.run(repo, "show", "main:README.md"); got != readme {
		t.Fatalf("main:README.md after reconcile: %q", got)
	}
	if got := g.run(repo, "show", "main:.github/workflows/writ.yml"); got != workflow {
		t.Fatalf("main:.github/workflows/writ.yml after reconcile: %q", got)
	}
	if got := g.run(repo, "show", "main:writ.yaml"); got != rulesBefore {
		t.Fatal("writ.yaml changed")
	}
	if log := readLog(t, repo); log[len(log)-1].Kind != "rules" {
		t.Fatalf("last entry: %+v", log[len(log)-1])
	}
	writWant(t, ExitOK, "--repo", repo, "replay")
	replayClone(t, g, repo)
}

// A rule change of a rules file (a policy) together with README.md and a
// GitHub workflow lands whole, and replays.
func TestGovernedChangeOfRulesAndOrdinaryFiles(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	policy := filepath.Join(repo, "policies", "release-approval.yaml")
	old, err := os.ReadFile(policy)
	if err != nil {
		t.Fatal(err)
	}
	relaxed := strings.Replace(string(old), "count: 2", "count: 1", 1)
	writeFile(t, repo, "policies/release-approval.yaml", relaxed)
	writeFile(t, repo, "README.md", "one SRE is enough\n")
	writeFile(t, repo, ".github/workflows/writ-apply.yml", "name: writ apply\non: [push]\njobs: {}\n")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--rules", "--as", "carol", "--name", "relax", "--justification", "one SRE")
	for _, who := range []string{"alice", "bob"} {
		writWant(t, ExitOK, "--repo", repo, "approve", "-q", "rules/relax", "--as", who)
	}
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if got := g.run(repo, "show", "main:policies/release-approval.yaml"); got != relaxed {
		t.Fatalf("the policy did not land:\n%s", got)
	}
	if got := g.run(repo, "show", "main:README.md"); got != "one SRE is enough\n" {
		t.Fatalf("main:README.md: %q", got)
	}
	if got := g.run(repo, "show", "main:.github/workflows/writ-apply.yml"); !strings.HasPrefix(got, "name: writ apply\non: [push]") {
		t.Fatalf("main:.github/workflows/writ-apply.yml: %q", got)
	}
	replayClone(t, g, repo)
}

// The content an approval binds to covers ordinary files: a commit that
// changes README.md on an approved rule change voids the approvals.
func TestGovernedApprovalVoidedByReadmeEdit(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	writeFile(t, repo, "README.md", "v1\n")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--rules", "--as", "carol", "--name", "readme", "--justification", "docs")
	for _, who := range []string{"alice", "bob"} {
		writWant(t, ExitOK, "--repo", repo, "approve", "-q", "rules/readme", "--as", who)
	}
	wt := filepath.Join(t.TempDir(), "wt")
	g.run(repo, "worktree", "add", "-q", wt, "proposals/rules/readme")
	writeFile(t, wt, "README.md", "v2, which nobody approved\n")
	g.run(wt, append(signWith(keyPath(repo, "carol")), "commit", "-q", "-S", "-a", "-m", "propose: a small fix")...)
	g.run(repo, "worktree", "remove", "--force", wt)

	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if _, _, err := g.exec(repo, "", "cat-file", "-e", "main:README.md"); err == nil {
		t.Fatalf("writ reconcile applied a README.md nobody approved:\n%s", g.run(repo, "show", "main:README.md"))
	}
	_, gate := gateVerdict(t, repo, "rules/readme")
	if gate.Verdict != "waiting" || !strings.Contains(gate.Reason, "older commit") {
		t.Fatalf("gate: %+v", gate)
	}
}

// An instance proposal that also changes README.md is refused, and the
// reason says to propose README.md as a rule change.
func TestInstanceProposalTouchingReadmeRefused(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1",
		"--transition", "create", "--owner", "web-team", "--name", "create")
	wt := filepath.Join(t.TempDir(), "wt")
	g.run(repo, "worktree", "add", "-q", wt, "proposals/web-1/create")
	writeFile(t, wt, "README.md", "sneaked in\n")
	g.run(wt, "add", "README.md")
	g.run(wt, append(signWith(keyPath(repo, "deploy-agent")), "commit", "-q", "-S", "-m", "and the readme")...)
	g.run(repo, "worktree", "remove", "--force", wt)

	code, gate := gateVerdict(t, repo, "web-1/create")
	if code == ExitOK || gate.Verdict != "refused" {
		t.Fatalf("gate of an instance proposal changing README.md: exit %d %+v", code, gate)
	}
	why := gate.Reason + strings.Join(gate.Problems, "\n")
	for _, want := range []string{"README.md", "rule change"} {
		if !strings.Contains(why, want) {
			t.Fatalf("the refusal does not say %q: %+v", want, gate)
		}
	}
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if _, _, err := g.exec(repo, "", "cat-file", "-e", "main:README.md"); err == nil {
		t.Fatal("writ reconcile merged README.md with an instance proposal")
	}
}

// A genesis entry holding a symlink (README.md -> writ.yaml), signed with
// the reconciler's key: replay refuses it, naming the file and its kind.
// main holds only regular files.
func TestReplayRefusesGenesisSymlink(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	wt := filepath.Join(t.TempDir(), "wt")
	g.run(repo, "worktree", "add", "-q", "--detach", wt, "main")
	if err := os.Symlink("writ.yaml", filepath.Join(wt, "README.md")); err != nil {
		t.Fatal(err)
	}
	g.run(wt, "add", "README.md")
	g.run(wt, append(signWith(keyPath(repo, "writ-bot")), "commit", "-q", "-S", "--amend", "-C", "HEAD")...)
	forged := strings.TrimSpace(g.run(wt, "rev-parse", "HEAD"))
	g.run(repo, "worktree", "remove", "--force", wt)
	g.run(repo, "update-ref", "refs/heads/main", forged)
	if mode := g.run(repo, "ls-tree", "main", "README.md"); !strings.HasPrefix(mode, "120000 ") {
		t.Fatalf("the forged genesis holds %q, want a symlink", mode)
	}

	clone := filepath.Join(t.TempDir(), "clone")
	g.run(t.TempDir(), "clone", "-q", repo, clone)
	r := runWrit("--repo", clone, "replay")
	if r.code == ExitOK {
		t.Fatalf("replay accepted a genesis with a symlink: %s", r)
	}
	for _, want := range []string{"README.md", "symlink"} {
		if !strings.Contains(r.out+r.err, want) {
			t.Fatalf("replay's refusal does not say %q: %s", want, r)
		}
	}
}

// A rule change whose branch adds an ordinary file that is not a regular,
// non-executable file is refused, naming the file and what it is.
func TestGovernedChangeRefusesIrregularFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		add  func(t *testing.T, wt string)
		want []string
	}{
		{name: "symlink", add: func(t *testing.T, wt string) {
			if err := os.Symlink("writ.yaml", filepath.Join(wt, "CODEOWNERS")); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"CODEOWNERS", "symlink"}},
		{name: "executable", add: func(t *testing.T, wt string) {
			writeFile(t, wt, "scripts/deploy.sh", "#!/bin/sh\n")
			if err := os.Chmod(filepath.Join(wt, "scripts", "deploy.sh"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"scripts/deploy.sh", "executable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGit(t)
			repo := newControlRepo(t)
			writeFile(t, repo, "README.md", "docs\n")
			writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--rules", "--as", "carol", "--name", "docs", "--justification", "docs")
			wt := filepath.Join(t.TempDir(), "wt")
			g.run(repo, "worktree", "add", "-q", wt, "proposals/rules/docs")
			tt.add(t, wt)
			g.run(wt, "add", "-A")
			g.run(wt, append(signWith(keyPath(repo, "carol")), "commit", "-q", "-S", "-m", "add a file")...)
			g.run(repo, "worktree", "remove", "--force", wt)
			code, gate := gateVerdict(t, repo, "rules/docs")
			why := gate.Reason + strings.Join(gate.Problems, "\n")
			if code == ExitOK || gate.Verdict != "refused" {
				t.Fatalf("gate: exit %d %+v", code, gate)
			}
			for _, w := range tt.want {
				if !strings.Contains(why, w) {
					t.Fatalf("the refusal does not say %q: %+v", w, gate)
				}
			}
		})
	}
}

// propose --rules leaves out what .gitignore ignores (an executable build
// output, a swap file, an ignored new file), but never a file main holds:
// an ignored README.md that main tracks is proposed when edited, and a
// tracked file is never taken for deleted.
func TestProposeRulesHonoursGitignore(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	tmpl := templateWith(t, map[string]string{"README.md": "v1\n", "docs/old.md": "old\n"})
	repo := filepath.Join(t.TempDir(), "control")
	writWant(t, ExitOK, "init", "-q", "--demo-keys", "--template", tmpl, repo)
	writeFile(t, repo, ".gitignore", "*.md\n*.swp\nbuild/\n")
	writeFile(t, repo, "README.md", "v2\n")
	writeFile(t, repo, "docs/new.md", "ignored\n")
	writeFile(t, repo, "notes.swp", "swap\n")
	writeFile(t, repo, "build/writ", "\x7fELF")
	if err := os.Chmod(filepath.Join(repo, "build", "writ"), 0o755); err != nil {
		t.Fatal(err)
	}
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--rules", "--as", "carol", "--name", "ignore", "--justification", "x")
	changed := g.run(repo, "diff", "--name-status", "main", "proposals/rules/ignore")
	want := "A\t.gitignore\nM\tREADME.md\nA\tproposals/rules/ignore.yaml\n"
	if changed != want {
		t.Fatalf("the rule change holds:\n%s\nwant:\n%s", changed, want)
	}
}
