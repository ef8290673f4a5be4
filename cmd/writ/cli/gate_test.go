package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// proposalBranches lists the proposals of an instance as <instance>/<name>.
func proposalBranches(t *testing.T, g *gitEnv, repo, instance string) []string {
	t.Helper()
	out := g.run(repo, "for-each-ref", "--format=%(refname:lstrip=3)", "refs/heads/proposals/"+instance+"/")
	return strings.Fields(out)
}

func TestGateExitCodes(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	w := func(want int, args ...string) writResult {
		t.Helper()
		return writWant(t, want, append([]string{"--repo", repo}, args...)...)
	}

	// Creating an instance is low materiality: ready at once.
	w(ExitOK, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "create",
		"--owner", "web-team", "--name", "create")
	r := w(ExitOK, "gate", "web-1/create")
	if !strings.Contains(r.out, "gate proposals/web-1/create: READY") {
		t.Errorf("gate of a ready proposal: %s", r)
	}
	// The full branch name works too, and --json keeps the exit code.
	w(ExitOK, "gate", "proposals/web-1/create")
	code, g := gateVerdict(t, repo, "web-1/create")
	if code != ExitOK || g.Verdict != "ready" || g.Proposer != "deploy-agent" || g.Proposal != "proposals/web-1/create" {
		t.Errorf("gate --json: exit %d, %+v", code, g)
	}
	// The gate writes nothing.
	if n := len(readLog(t, repo)); n != 1 {
		t.Fatalf("gate wrote to main: %d entries", n)
	}
	// Kept, so that the gate can judge the branch once merged.
	r = w(ExitOK, "reconcile", "--keep-branches")
	if !strings.Contains(r.out, "applied proposals/web-1/create") {
		t.Errorf("reconcile: %s", r)
	}
	// Once merged, the gate no longer calls it ready.
	if code, g := gateVerdict(t, repo, "web-1/create"); code == ExitOK || g.Verdict != "merged" {
		t.Errorf("gate of a merged proposal: exit %d, verdict %q", code, g.Verdict)
	}

	// An unknown proposal is an error, not a verdict.
	if r := runWrit("--repo", repo, "gate", "web-1/nope"); r.code != ExitFailure {
		t.Errorf("gate of a missing proposal: want exit 1, got %s", r)
	}

	// carol may approve but not propose: refused (propose writes the
	// branch and exits 3, as its gate says).
	w(ExitRefused, "propose", "-q", "--as", "carol", "--instance", "web-3", "--transition", "create",
		"--owner", "x", "--name", "create")
	r = w(ExitRefused, "gate", "web-3/create")
	if !strings.Contains(r.out, "REFUSED") || !strings.Contains(r.out, "capability") {
		t.Errorf("gate of carol's proposal: want REFUSED naming the capability, got %s", r)
	}
	if code, g := gateVerdict(t, repo, "web-3/create"); code != ExitRefused || g.Verdict != "refused" {
		t.Errorf("gate --json of carol's proposal: exit %d, %+v", code, g)
	}

	// Walk web-1 to approved; ship needs two SRE approvals: waiting.
	for _, tr := range []string{"verify", "tests-pass", "security-clear", "approve-release"} {
		w(ExitOK, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", tr)
		w(ExitOK, "reconcile", "-q")
	}
	if s := instanceState(t, repo, "web-1"); s != "approved" {
		t.Fatalf("web-1 in %q, want approved", s)
	}
	w(ExitOK, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "ship",
		"--name", "ship", "--input", "change_ticket=CHG-1")
	r = w(ExitWaiting, "gate", "web-1/ship")
	if !strings.Contains(r.out, "WAITING") || !strings.Contains(r.out, "sre") {
		t.Errorf("gate of ship: want WAITING explaining the sre rule, got %s", r)
	}
	r = w(ExitWaiting, "gate", "--json", "web-1/ship")
	var raw map[string]any
	if err := json.Unmarshal([]byte(r.out), &raw); err != nil {
		t.Fatalf("gate --json: %v\n%s", err, r.out)
	}
	if raw["verdict"] != "waiting" {
		t.Errorf("gate --json: verdict %v, want waiting", raw["verdict"])
	}
	if _, ok := raw["policy"]; !ok {
		t.Errorf("gate --json of a policy-gated proposal has no policy: %s", r.out)
	}
	before := readState(t, repo)

	// A rejection needs a justification; without one nothing is written.
	w(ExitRefused, "approve", "-q", "web-1/ship", "--as", "bob", "--reject")
	if code, _ := gateVerdict(t, repo, "web-1/ship"); code != ExitWaiting {
		t.Fatalf("a refused rejection changed the gate: exit %d", code)
	}
	w(ExitOK, "approve", "-q", "web-1/ship", "--as", "bob", "--reject", "--justification", "x")
	r = w(ExitRefused, "gate", "web-1/ship")
	if !strings.Contains(r.out, "REJECTED") || !strings.Contains(r.out, "bob") {
		t.Errorf("gate after bob's rejection: %s", r)
	}
	if code, g := gateVerdict(t, repo, "web-1/ship"); code != ExitRefused || g.Verdict != "rejected" {
		t.Errorf("gate --json after rejection: exit %d, %+v", code, g)
	}

	// reconcile records the rejection as a reject entry; the instance
	// stays where it was.
	w(ExitOK, "reconcile")
	l := readLog(t, repo)
	if last := l[len(l)-1]; last.Kind != "reject" || last.Instance != "web-1" {
		t.Errorf("last log entry: %+v, want a reject of web-1", last)
	}
	if s := instanceState(t, repo, "web-1"); s != "approved" {
		t.Errorf("after the rejection web-1 is in %q, want approved", s)
	}
	after := readState(t, repo)
	if after.Main == before.Main {
		t.Errorf("reconcile wrote no entry for the rejection")
	}
	r = w(ExitOK, "replay")
	if got := lastLine(r.out); got != "state "+after.State {
		t.Errorf("replay: %q, want state %s", got, after.State)
	}
}

func TestGateStaleProposal(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	w := func(want int, args ...string) writResult {
		t.Helper()
		return writWant(t, want, append([]string{"--repo", repo}, args...)...)
	}
	w(ExitOK, "propose", "-q", "--as", "deploy-agent", "--instance", "web-2", "--transition", "create", "--owner", "t")
	w(ExitOK, "reconcile", "-q")
	// Two transitions from the same base: only one can apply.
	w(ExitOK, "propose", "-q", "--as", "deploy-agent", "--instance", "web-2", "--transition", "verify", "--name", "verify")
	w(ExitOK, "propose", "-q", "--as", "deploy-agent", "--instance", "web-2", "--transition", "cancel", "--name", "cancel")
	w(ExitOK, "gate", "web-2/verify")
	w(ExitOK, "gate", "web-2/cancel")
	// Kept, so that the gate can judge the stale branch afterwards.
	r := w(ExitOK, "reconcile", "--keep-branches")
	if strings.Count(r.out, "applied ") != 1 {
		t.Fatalf("reconcile of two proposals from one base: want exactly one applied, got %s", r)
	}

	var stale []string
	for _, name := range proposalBranches(t, g, repo, "web-2") {
		code, gv := gateVerdict(t, repo, name)
		if gv.Verdict == "merged" {
			continue
		}
		stale = append(stale, name)
		if code != ExitRefused || gv.Verdict != "refused" {
			t.Errorf("gate %s: exit %d, verdict %q; want 3, refused", name, code, gv.Verdict)
		}
		r := runWrit("--repo", repo, "gate", name)
		if r.code != ExitRefused || !(strings.Contains(r.out, "stale") || strings.Contains(r.out, "base_state")) {
			t.Errorf("gate %s: want exit 3 explaining the stale base_state, got %s", name, r)
		}
	}
	if len(stale) != 1 {
		t.Errorf("want exactly one stale proposal, got %v", stale)
	}
}

// TestApprovalBindsToProposalCommit: when the proposer changes the proposal
// after an approval (a new commit made with git on the branch), the old
// approval no longer counts.
func TestApprovalBindsToProposalCommit(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	walkToApproved(t, repo, "web-1")
	w := func(want int, args ...string) writResult {
		t.Helper()
		return writWant(t, want, append([]string{"--repo", repo}, args...)...)
	}
	w(ExitOK, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1", "--transition", "ship",
		"--name", "ship", "--input", "change_ticket=CHG-1")
	w(ExitOK, "approve", "-q", "web-1/ship", "--as", "alice")
	w(ExitWaiting, "gate", "web-1/ship")

	// The agent edits the proposal with git, on top of alice's decision.
	wt := filepath.Join(t.TempDir(), "wt")
	g.run(repo, "worktree", "add", "-q", wt, "proposals/web-1/ship")
	file := filepath.Join(wt, "proposals", "web-1", "ship.yaml")
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(raw), "CHG-1", "CHG-2", 1)
	if changed == string(raw) {
		t.Fatalf("no change_ticket in\n%s", raw)
	}
	if err := os.WriteFile(file, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	g.run(wt, append(signWith(keyPath(repo, "deploy-agent")), "commit", "-q", "-S", "-am", "new ticket")...)
	g.run(repo, "worktree", "remove", "--force", wt)

	// bob approves the new commit: one of two, because alice approved the
	// old one.
	w(ExitOK, "approve", "-q", "web-1/ship", "--as", "bob")
	r := w(ExitWaiting, "gate", "web-1/ship")
	if !strings.Contains(r.out, "1 more") {
		t.Errorf("gate after the change: want 1 more approval needed, got %s", r)
	}
	w(ExitOK, "approve", "-q", "web-1/ship", "--as", "alice")
	w(ExitOK, "gate", "web-1/ship")
	w(ExitOK, "reconcile", "-q")
	if s := instanceState(t, repo, "web-1"); s != "released" {
		t.Errorf("web-1 in %q, want released", s)
	}
	w(ExitOK, "replay")
}
