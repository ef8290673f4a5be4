package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// hostile is proposer-chosen text that tries to redraw a terminal (ANSI
// escapes, a carriage return), forge a line ("  guards: ✓") and reverse
// the text that follows (U+202E).
const hostile = "ok\x1b[2J\x1b[1;32mREADY\rfake\n  guards: ✓ all passed\u202eevil"

// proposeShip walks instance to approved and proposes ship from a YAML
// file with a hostile justification, evidence and inputs.
func proposeShip(t *testing.T, repo, instance string) {
	t.Helper()
	walkToApproved(t, repo, instance)
	var hash string
	for _, in := range readState(t, repo).Instances {
		if in.ID == instance {
			hash = in.Hash
		}
	}
	justification, _ := json.Marshal(hostile)
	yaml := "instance: " + instance + "\nworkflow: release\ntransition: ship\nbase_state: " + hash + "\nidem_key: k-ship-1\n" +
		"justification: " + string(justification) + "\n" +
		"evidence:\n  - name: test run\n    uri: https://ci.example.com/runs/42\n    digest: sha256:0123abcd\n  - name: \"link\\e]8;;https://evil.example\\a\"\n" +
		"inputs:\n  change_ticket: CHG-7\n  environment: production\n"
	file := filepath.Join(t.TempDir(), "ship.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--name", "ship", "--file", file)
}

// wantAll fails for each of want that out lacks.
func wantAll(t *testing.T, what, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, out)
		}
	}
}

// inert fails when out holds a raw control character, a bidi override or
// a line that hostile text forged.
func inert(t *testing.T, what, out string) {
	t.Helper()
	for _, bad := range []string{"\x1b", "\r", "\u202e", "\a"} {
		if strings.Contains(out, bad) {
			t.Errorf("%s holds a raw %q:\n%s", what, bad, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "  guards: ✓") {
			t.Errorf("%s has a forged line %q", what, l)
		}
	}
}

// TestShowTransition: writ show presents what an approver of a
// transition decides: proposer and signer, justification, evidence,
// inputs, the state before and after, guards, what each rule still needs
// and the judging policy; hostile text is printed inert, and writ gate
// shows the same, keeping its exit code and JSON fields.
func TestShowTransition(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	proposeShip(t, repo, "web-1")
	want := []string{
		"transition: ship on instance web-1 (workflow release)",
		"proposer: deploy-agent",
		"signer: deploy-agent (signer local), ssh SHA256:",
		"| ok\\x1b[2J\\x1b[1;32mREADY\n    | fake\n",
		`|   guards: ✓ all passed\u202eevil`,
		"- test run: https://ci.example.com/runs/42 (sha256:0123abcd)",
		`- link\x1b]8;;https://evil.example\x07`,
		`change_ticket = "CHG-7"`, `environment = "production"`,
		"state: approved → released by ship", "before: approved", "after:  released",
		"✓ from: ship may fire from approved",
		"- rule sre-pair (pending, 2 more): 0 of 2 approvals from role sre",
		"- rule security-signoff (pending, 1 more): 0 of 1 approval from role security",
		"judged by: policy release-approval, version sha256:",
	}
	t.Run("gate", func(t *testing.T) {
		g := writWant(t, ExitWaiting, "--repo", repo, "gate", "web-1/ship")
		wantAll(t, "gate", g.out, append(want, "gate proposals/web-1/ship: WAITING", "approvals:")...)
		inert(t, "gate", g.out)
	})
	r := writWant(t, ExitOK, "--repo", repo, "show", "web-1/ship")
	wantAll(t, "show", r.out, append(want, "proposal proposals/web-1/ship: WAITING")...)
	inert(t, "show", r.out)

	// --json carries the raw values, for show and as gate's new "plan".
	var v struct {
		Proposer      string `json:"proposer"`
		Justification string `json:"justification"`
		Signer        struct{ Identity, Format string }
		Before        struct{ State string }
		After         struct{ State string }
		Needs         []struct{ Rule string }
		Judge         struct{ Policy, Version, Rules string }
		Inputs        []struct{ Name, Value string }
	}
	js := writWant(t, ExitOK, "--repo", repo, "show", "--json", "web-1/ship")
	if err := json.Unmarshal([]byte(js.out), &v); err != nil {
		t.Fatalf("show --json: %v\n%s", err, js.out)
	}
	if v.Proposer != "deploy-agent" || v.Justification != hostile || v.Signer.Identity != "deploy-agent" || v.Signer.Format != "ssh" ||
		v.Before.State != "approved" || v.After.State != "released" || len(v.Needs) != 2 || v.Judge.Policy != "release-approval" ||
		!strings.HasPrefix(v.Judge.Rules, "sha256:") || len(v.Inputs) != 2 {
		t.Errorf("show --json: %+v", v)
	}
	gj := runWrit("--repo", repo, "gate", "--json", "web-1/ship")
	var gv struct {
		Verdict string `json:"verdict"`
		Plan    struct {
			Justification string `json:"justification"`
			Judge         struct{ Version string }
		} `json:"plan"`
	}
	if err := json.Unmarshal([]byte(gj.out), &gv); err != nil || gj.code != ExitWaiting {
		t.Fatalf("gate --json: exit %d, %v\n%s", gj.code, err, gj.out)
	}
	if gv.Verdict != "waiting" || gv.Plan.Justification != hostile || gv.Plan.Judge.Version != v.Judge.Version {
		t.Errorf("gate --json plan: %+v", gv)
	}

	// Once an eligible approver rejects it, the instance does not move,
	// and the rule says it is blocked.
	writWant(t, ExitOK, "--repo", repo, "approve", "web-1/ship", "--as", "bob", "--reject", "--justification", "not today")
	r = writWant(t, ExitOK, "--repo", repo, "show", "web-1/ship")
	wantAll(t, "show of a rejected proposal", r.out, "proposal proposals/web-1/ship: REJECTED",
		"state: none: rejected, web-1 stays in approved", "after:  approved", "- rule sre-pair (blocked): rejected by bob (sre)")
}

// policyVersion is the version writ shows for a policy: the hash of its
// canonical JSON, read from the working tree's rules.
func policyVersion(t *testing.T, repo, name string) string {
	t.Helper()
	b, problems := schemas.LoadBundle(os.DirFS(repo))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	p, ok := b.Policy(name)
	if !ok {
		t.Fatalf("no policy %s", name)
	}
	raw, err := schemas.CanonicalJSON(p)
	if err != nil {
		t.Fatal(err)
	}
	return schemas.HashBytes(raw)
}

// TestShowRulesChange: for a rules change, writ show and writ gate give
// the unified diff of every changed file (a changed policy, a new file, a
// deleted file) and the governance policy of the rules in force before
// the change judges it, even when the change rewrites that very policy.
func TestShowRulesChange(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	before := policyVersion(t, repo, "governance")
	path := filepath.Join(repo, "policies", "governance.yaml")
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	weaker := strings.Replace(string(old), "count: 2", "count: 1", 1)
	if weaker == string(old) {
		t.Fatalf("governance.yaml has no count: 2:\n%s", old)
	}
	if err := os.WriteFile(path, []byte(weaker), 0o644); err != nil {
		t.Fatal(err)
	}
	after := policyVersion(t, repo, "governance")
	if err := os.WriteFile(filepath.Join(repo, "RUNBOOK.md"), []byte("# Runbook\n\x1b[31mcall \u202eops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--rules", "--as", "alice", "--name", "weaker",
		"--justification", "fewer approvals\x1b[0m")

	want := []string{
		"rules change: proposals/rules/weaker.yaml",
		"proposer: alice",
		`| fewer approvals\x1b[0m`,
		"judged by: governance policy governance, version " + before,
		"policies/governance.yaml (modified",
		"--- a/policies/governance.yaml", "+++ b/policies/governance.yaml",
		"-    count: 2", "+    count: 1",
		"RUNBOOK.md (added", "--- /dev/null", "+++ b/RUNBOOK.md", "+# Runbook", `+\x1b[31mcall \u202eops`,
		"- rule maintainers (pending, 2 more)",
	}
	t.Run("gate", func(t *testing.T) {
		g := writWant(t, ExitWaiting, "--repo", repo, "gate", "rules/weaker")
		wantAll(t, "gate", g.out, want...)
		inert(t, "gate", g.out)
	})
	r := writWant(t, ExitOK, "--repo", repo, "show", "rules/weaker")
	wantAll(t, "show", r.out, want...)
	inert(t, "show", r.out)
	if strings.Contains(r.out, after) {
		t.Errorf("show names the proposed governance policy %s as the judge:\n%s", after, r.out)
	}

	var v struct {
		Kind  string
		Judge struct {
			Policy, Version string
			Governance      bool
		}
		Files []struct{ Path, Change, Diff string }
	}
	js := writWant(t, ExitOK, "--repo", repo, "show", "--json", "rules/weaker")
	if err := json.Unmarshal([]byte(js.out), &v); err != nil {
		t.Fatalf("show --json: %v\n%s", err, js.out)
	}
	if v.Kind != "rules" || v.Judge.Version != before || !v.Judge.Governance || len(v.Files) != 2 ||
		v.Files[0].Path != "RUNBOOK.md" || v.Files[0].Change != "added" || v.Files[1].Change != "modified" {
		t.Errorf("show --json: %+v", v)
	}

	// A deleted file shows as deleted, its lines removed.
	if err := os.Remove(filepath.Join(repo, "RUNBOOK.md")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	judge := filepath.Join(repo, ".github", "workflows", "writ-judge.yml")
	if err := os.Remove(judge); err != nil {
		t.Fatal(err)
	}
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--rules", "--as", "alice", "--name", "no-judge")
	r = writWant(t, ExitOK, "--repo", repo, "show", "rules/no-judge")
	wantAll(t, "show of a deletion", r.out, ".github/workflows/writ-judge.yml (deleted", "--- a/.github/workflows/writ-judge.yml", "+++ /dev/null", "-name: ")
	if strings.Contains(r.out, "RUNBOOK.md") || strings.Contains(r.out, "governance.yaml (") {
		t.Errorf("the second change shows files it does not change:\n%s", r.out)
	}
}

// TestShowUnknownProposal: a proposal that does not exist is an error.
func TestShowUnknownProposal(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	if r := runWrit("--repo", repo, "show", "web-1/nope"); r.code != ExitFailure {
		t.Errorf("show of a missing proposal: want exit 1, got %s", r)
	}
}

// TestApproveOnThePlanShown: writ show prints the plan's digest and how
// to decide on exactly it; writ approve --plan with that digest records
// it, one with any other digest is refused (exit 3) and writes nothing,
// and the entry on main records the plan per decision.
func TestApproveOnThePlanShown(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	proposeShip(t, repo, "web-2")
	out := writWant(t, ExitOK, "--repo", repo, "show", "web-2/ship").out
	var digest string
	for _, l := range strings.Split(out, "\n") {
		if d, ok := strings.CutPrefix(strings.TrimSpace(l), "plan: "); ok {
			digest = d
		}
	}
	if !strings.HasPrefix(digest, "sha256:") {
		t.Fatalf("writ show prints no plan digest:\n%s", out)
	}
	wantAll(t, "show", out, "writ approve web-2/ship --as YOU --plan "+digest)
	var view struct {
		Plan string `json:"plan"`
	}
	if err := json.Unmarshal([]byte(writWant(t, ExitOK, "--repo", repo, "show", "--json", "web-2/ship").out), &view); err != nil || view.Plan != digest {
		t.Fatalf("show --json plan %q (%v), want %q", view.Plan, err, digest)
	}
	other := "sha256:" + strings.Repeat("0", 64)
	refused := writWant(t, ExitRefused, "--repo", repo, "approve", "web-2/ship", "--as", "alice", "--plan", other).err
	wantAll(t, "approve --plan (stale)", refused, "not the "+other, "nothing written")
	if strings.Contains(writWant(t, ExitWaiting, "--repo", repo, "gate", "web-2/ship").out, "1 of 2") {
		t.Fatal("a refused approval was recorded")
	}
	for _, who := range []string{"alice", "bob", "carol"} {
		wantAll(t, "approve", writWant(t, ExitOK, "--repo", repo, "approve", "web-2/ship", "--as", who, "--plan", digest).out, "on plan "+digest)
	}
	writWant(t, ExitOK, "--repo", repo, "reconcile")
	msg := newGit(t).run(repo, "log", "-1", "--format=%B", "main")
	if n := strings.Count(msg, "plan="+digest); n != 3 {
		t.Fatalf("the entry records the plan %d times, want once per decision (3):\n%s", n, msg)
	}
	writWant(t, ExitOK, "--repo", repo, "replay")
	// The entry answers, from the log, what each decider was shown.
	entry := writWant(t, ExitOK, "--repo", repo, "show", "main").out
	if n := strings.Count(entry, digest+" — matches this entry's plan"); n != 3 {
		t.Fatalf("show ENTRY: %d decisions match the plan, want 3:\n%s", n, entry)
	}
	wantAll(t, "show ENTRY", entry, "plan: "+digest)
}
