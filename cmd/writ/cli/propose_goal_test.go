package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// cveGoal is a goal whose actions the identities of `writ init` may take.
const cveGoal = "name: patch-cve\nowner: platform\nterminal:\n  type: patch-cve\n  payload: {cve: CVE-2026-1234}\n" +
	"quorum:\n  min: 2\n  window: 1d\n  on_short: fail\n" +
	"capabilities:\n  attempt: [\"propose:release\"]\n  declare: [\"propose:release\"]\n  confirm: [approve]\n  refute: [approve]\n  resolve: [override]\n"

// addGoal lands goal as goals/<name>.yaml on main through a governed rules
// change approved by alice and bob.
func addGoal(t *testing.T, g *gitEnv, repo, name, goal string) {
	t.Helper()
	dir := filepath.Join(repo, "goals")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(goal), 0o644); err != nil {
		t.Fatal(err)
	}
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--rules", "--as", "carol", "--name", "goal-"+name, "--justification", "add goal "+name)
	for _, who := range []string{"alice", "bob"} {
		writWant(t, ExitOK, "--repo", repo, "approve", "-q", "rules/goal-"+name, "--as", who)
	}
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if _, _, err := g.exec(repo, "", "cat-file", "-e", "main:goals/"+name+".yaml"); err != nil {
		t.Fatalf("goal %s did not land on main", name)
	}
}

// TestProposeGoalAction: writ propose writes a goal action like any
// proposal: from --file or from flags, on branch
// proposals/<lineage>/<shard>/<name>, the file as asked at
// proposals/<lineage>/<shard>/<name>.yaml, in one commit signed by the
// proposer that stock git verifies; <lineage>/<name> names it. (Whether
// the gate admits it is the reducer's business.) A malformed goal action
// is refused and nothing is written, and so is one whose branch git could
// not create beside a branch named like its shard.
func TestProposeGoalAction(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	addGoal(t, g, repo, "patch-cve", cveGoal)

	written := func(t *testing.T, r writResult) {
		t.Helper()
		if r.code != ExitOK && !(r.code == ExitRefused && strings.Contains(r.err, "is written but the lineage does not allow it now")) {
			t.Fatalf("propose: want the proposal written, got %s", r)
		}
	}
	signed := func(t *testing.T, branch string) {
		t.Helper()
		out, errOut, err := g.exec(repo, "", "verify-commit", branch)
		if err != nil || !strings.Contains(errOut, `Good "git" signature for deploy-agent`) {
			t.Fatalf("git verify-commit %s: %v\nstdout:\n%s\nstderr:\n%s", branch, err, out, errOut)
		}
		if parent, main := g.run(repo, "rev-parse", branch+"^"), g.run(repo, "rev-parse", "main"); parent != main {
			t.Errorf("%s forks from %s, not from main %s", branch, parent, main)
		}
	}

	file := filepath.Join(t.TempDir(), "start.yaml")
	start := "instance: l-1\nworkflow: patch-cve\ntransition: start\nbase_state: none\nidem_key: l-1-start\njustification: the CVE is out\n"
	if err := os.WriteFile(file, []byte(start), 0o644); err != nil {
		t.Fatal(err)
	}
	written(t, runWrit("--repo", repo, "propose", "--as", "deploy-agent", "--name", "start", "--file", file))
	signed(t, schemas.GoalProposalBranch("l-1", "start"))
	if files := g.run(repo, "diff", "--name-only", "main", schemas.GoalProposalBranch("l-1", "start")); files != schemas.GoalProposalFile("l-1", "start")+"\n" {
		t.Errorf("the branch adds %q, want only %s", files, schemas.GoalProposalFile("l-1", "start"))
	}
	got := g.run(repo, "show", schemas.GoalProposalBranch("l-1", "start")+":"+schemas.GoalProposalFile("l-1", "start"))
	for _, want := range []string{"instance: l-1\n", "workflow: patch-cve\n", "transition: start\n", "base_state: none\n", "idem_key: l-1-start\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("the proposal file lacks %q:\n%s", want, got)
		}
	}

	// From flags, base_state and idem_key derived: a lineage that does not
	// exist yet is "none".
	written(t, runWrit("--repo", repo, "propose", "--as", "deploy-agent", "--instance", "l-2", "--workflow", "patch-cve", "--transition", "start", "--name", "start"))
	signed(t, schemas.GoalProposalBranch("l-2", "start"))
	if got := g.run(repo, "show", schemas.GoalProposalBranch("l-2", "start")+":"+schemas.GoalProposalFile("l-2", "start")); !strings.Contains(got, "base_state: none\n") || !strings.Contains(got, "workflow: patch-cve\n") {
		t.Errorf("the proposal from flags:\n%s", got)
	}

	// Inputs from --input flags, parsed as YAML: a declare-block names the
	// lineage hash it saw and the task that waits.
	hash := "sha256:" + strings.Repeat("ab", 32)
	written(t, runWrit("--repo", repo, "propose", "--as", "deploy-agent", "--instance", "l-1", "--workflow", "patch-cve",
		"--transition", "declare-block", "--base-state", hash, "--name", "openssl",
		"--input", "task="+hash, "--input", `prerequisite={type: upgrade-openssl, payload: {version: "3.0.14"}}`))
	signed(t, schemas.GoalProposalBranch("l-1", "openssl"))
	if got := g.run(repo, "show", schemas.GoalProposalBranch("l-1", "openssl")+":"+schemas.GoalProposalFile("l-1", "openssl")); !strings.Contains(got, "type: upgrade-openssl") || !strings.Contains(got, "task: "+hash) {
		t.Errorf("the declare-block from flags:\n%s", got)
	}

	// A malformed goal action is refused before anything is written.
	bad := strings.Replace(start, "idem_key: l-1-start\n", "idem_key: l-3-start\ninputs:\n  task: sha256:abc\n", 1)
	bad = strings.Replace(bad, "instance: l-1", "instance: l-3", 1)
	if err := os.WriteFile(file, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	r := writWant(t, ExitRefused, "--repo", repo, "propose", "--as", "deploy-agent", "--name", "start", "--file", file)
	if !strings.Contains(r.err, `inputs.task: unknown input "task" for goal action start`) {
		t.Errorf("want the unknown input named, got %s", r)
	}
	if out, _, err := g.exec(repo, "", "rev-parse", "--verify", "-q", "refs/heads/proposals/l-3/start"); err == nil {
		t.Fatalf("a branch was written for the refused goal action: %s", out)
	}
	// The lineage and the name, without the shard, name the goal action.
	if r := runWrit("--repo", repo, "show", "l-1/openssl"); r.code != ExitOK || !strings.Contains(r.out, schemas.GoalProposalBranch("l-1", "openssl")) {
		t.Errorf("writ show l-1/openssl: want the branch %s shown, got %s", schemas.GoalProposalBranch("l-1", "openssl"), r)
	}

	// A decision on it goes to the sharded branch's decision ref, and the
	// push that publishes it names that.
	g.run(repo, "remote", "add", "origin", t.TempDir())
	r = runWrit("--repo", repo, "approve", "l-1/openssl", "--as", "alice") // recorded; the gate then refuses it: l-1 has not started
	if decision := "refs/writ/decisions/" + strings.TrimPrefix(schemas.GoalProposalBranch("l-1", "openssl"), "proposals/"); !strings.Contains(r.out, "git push --atomic origin refs/heads/"+schemas.GoalProposalBranch("l-1", "openssl")+" "+decision+",") {
		t.Errorf("writ approve l-1/openssl: want the push of %s, got %s", decision, r)
	}
	if !strings.Contains(r.err, schemas.GoalProposalBranch("l-1", "openssl")+" is written but its gate refuses it") {
		t.Errorf("writ approve l-1/openssl: want the gate's refusal to name the branch, got %s", r)
	}

	// A branch named like the shard is in the way of the sharded branch:
	// refused, naming it, and nothing written.
	shard := strings.TrimSuffix(schemas.GoalProposalBranch("l-1", "upgrade"), "/upgrade")
	g.run(repo, "branch", shard, "main")
	r = writWant(t, ExitRefused, "--repo", repo, "propose", "--as", "deploy-agent", "--instance", "l-1", "--workflow", "patch-cve",
		"--transition", "declare-block", "--base-state", hash, "--name", "upgrade",
		"--input", "task="+hash, "--input", `prerequisite={type: upgrade-libc}`)
	if !strings.Contains(r.err, "the branch "+shard+" exists") || !strings.Contains(r.err, "git branch -D "+shard) {
		t.Errorf("want the branch in the way named, got %s", r)
	}
	g.run(repo, "branch", "-D", shard)
	// So is a decision ref left by a proposal of that name.
	decisionRef := "refs/writ/decisions/" + strings.TrimPrefix(shard, "proposals/")
	g.run(repo, "update-ref", decisionRef, "main")
	r = writWant(t, ExitRefused, "--repo", repo, "propose", "--as", "deploy-agent", "--instance", "l-1", "--workflow", "patch-cve",
		"--transition", "declare-block", "--base-state", hash, "--name", "upgrade",
		"--input", "task="+hash, "--input", `prerequisite={type: upgrade-libc}`)
	if !strings.Contains(r.err, "the decision ref "+decisionRef+" of an earlier proposal "+shard+" exists") {
		t.Errorf("want the decision ref in the way named, got %s", r)
	}
	g.run(repo, "update-ref", "-d", decisionRef)
	written(t, runWrit("--repo", repo, "propose", "--as", "deploy-agent", "--instance", "l-1", "--workflow", "patch-cve",
		"--transition", "declare-block", "--base-state", hash, "--name", "upgrade",
		"--input", "task="+hash, "--input", `prerequisite={type: upgrade-libc}`))
	signed(t, schemas.GoalProposalBranch("l-1", "upgrade"))
	writWant(t, ExitOK, "--repo", repo, "validate")
}
