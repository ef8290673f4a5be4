package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shipWithApprovals walks web-1 to approved, proposes ship to staging,
// has alice and bob approve it (alice with a justification) and
// reconciles, so web-1 is released. It returns the ship entry's commit.
func shipWithApprovals(t *testing.T, repo string) string {
	t.Helper()
	walkToApproved(t, repo, "web-1")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1",
		"--transition", "ship", "--name", "ship", "--input", "change_ticket=CHG-7", "--input", "environment=staging",
		"--justification", "all checks green\x1b[2J")
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "web-1/ship", "--as", "alice", "--justification", "ticket reviewed")
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "web-1/ship", "--as", "bob")
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if got := instanceState(t, repo, "web-1"); got != "released" {
		t.Fatalf("web-1 is %q, want released", got)
	}
	l := readLog(t, repo)
	last := l[len(l)-1]
	if last.Kind != "transition" || last.Instance != "web-1" {
		t.Fatalf("the last entry is %+v, want web-1's ship", last)
	}
	return last.Commit
}

// TestShowEntryExplainsItFromAClone: writ show ENTRY answers, from the
// repository alone, who proposed the entry (and the signed commit), with
// what words, the state before and after, the guards, the policy that
// judged it with its version and the rules in force, each decision with
// its verdict, justification, content, record and plan, and re-renders
// the plan the deciders were shown. A fresh git clone gives the same
// answer, byte for byte, and the entry is named by any revision of main.
func TestShowEntryExplainsItFromAClone(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	entry := shipWithApprovals(t, repo)
	version := policyVersion(t, repo, "release-approval")
	var trail []struct {
		Rules   string
		Subject struct{ Commit string }
	}
	if err := json.Unmarshal([]byte(writWant(t, ExitOK, "--repo", repo, "log", "--json").out), &trail); err != nil || trail[0].Rules == "" {
		t.Fatalf("log --json: no rules hash in the genesis entry (%v)", err)
	}
	// The signed proposal commit: the last commit that changed the
	// proposal file on its branch (the branch head is bob's decision).
	rules, subject := trail[0].Rules, trail[len(trail)-1].Subject.Commit
	if got := strings.TrimSpace(g.run(repo, "log", "-1", "--format=%H", entry+"^2", "--", "proposals/web-1/ship.yaml")); got != subject {
		t.Fatalf("the log's subject %s is not the commit that proposed ship (%s)", subject, got)
	}

	r := writWant(t, ExitOK, "--repo", repo, "show", entry[:10])
	wantAll(t, "show ENTRY", r.out,
		"entry "+entry[:12], "signed by writ-bot",
		"commit "+entry,
		"proposer: deploy-agent  (proposals/web-1/ship.yaml, signed commit "+subject[:12]+", ssh SHA256:",
		"    | all checks green\\x1b[2J",
		`input change_ticket = "CHG-7"`, `input environment = "staging"`,
		"instance web-1 (workflow release): approved → released by ship",
		"guard from pass: ship may fire from approved",
		"judged by: policy release-approval, version "+version+", of the rules in force "+rules,
		"plan: sha256:",
		"APPROVE: alice (sre) on commit "+subject[:12]+", content sha256:",
		"    justification: ticket reviewed",
		"APPROVE: bob (sre) on commit "+subject[:12],
		"what the deciders were shown (re-rendered from this repository: plan sha256:",
		"    proposal proposals/web-1/ship: WAITING",
		"      state: approved → released by ship",
		"      - rule sre-pair (pending, 2 more): 0 of 2 approvals from role sre",
	)
	inert(t, "show ENTRY", r.out)
	if n := strings.Count(r.out, "\n    no plan recorded (GitHub review / older decision)\n") +
		strings.Count(r.out, "— matches this entry's plan\n"); n != 2 {
		t.Errorf("show ENTRY: want each of the 2 decisions to say what plan it records, got %d:\n%s", n, r.out)
	}
	if strings.Contains(r.out, "differs (decided on another plan)") {
		t.Errorf("show ENTRY: a decision differs from the plan it was applied on:\n%s", r.out)
	}
	// The same entry by another revision, and by its full hash.
	for _, rev := range []string{"main", entry} {
		if got := writWant(t, ExitOK, "--repo", repo, "show", rev).out; got != r.out {
			t.Errorf("show %s differs from show %s:\n%s", rev, entry[:10], got)
		}
	}

	// A fresh clone, offline: the same answer.
	clone := filepath.Join(t.TempDir(), "clone")
	g.run(filepath.Dir(clone), "clone", "-q", "--no-local", repo, clone)
	if got := writWant(t, ExitOK, "--repo", clone, "show", entry[:10]).out; got != r.out {
		t.Errorf("show ENTRY in a clone differs:\n%s\nwant:\n%s", got, r.out)
	}

	// An earlier entry: the create, with no policy and no decision.
	create := writWant(t, ExitOK, "--repo", clone, "show", "main~5")
	wantAll(t, "show main~5", create.out, "instance web-1 (workflow release): (none) → draft by create", "its plan (re-rendered from this repository: plan sha256:")
	if strings.Contains(create.out, "APPROVE") {
		t.Errorf("show main~5 lists a decision:\n%s", create.out)
	}
}

// TestShowEntryJSON: show ENTRY --json follows its schema and carries the
// raw values: the decisions with their plan status, the recomputed plan
// and its context, the judging policy's version, and the plan shown.
func TestShowEntryJSON(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	entry := shipWithApprovals(t, repo)
	out := writWant(t, ExitOK, "--repo", repo, "show", "--json", entry).out
	validateOutput(t, "show", out)
	var v struct {
		Commit      string
		Kind        string
		Proposer    string
		Instance    string
		Before      struct{ State string }
		After       struct{ State string }
		Judge       struct{ Policy, Version, Rules string }
		Plan        string
		PlanContext struct {
			Instance, Content, Base, Workflow, Policy string
		} `json:"plan_context"`
		Decisions []struct {
			Identity, Verdict, Justification, Content, Ref, Plan string
			PlanStatus                                           string `json:"plan_status"`
		}
		Shown struct {
			Proposal string
			Verdict  string
			Judge    struct{ Version string }
		}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("show --json: %v\n%s", err, out)
	}
	version := policyVersion(t, repo, "release-approval")
	if v.Commit != entry || v.Kind != "transition" || v.Proposer != "deploy-agent" || v.Instance != "web-1" ||
		v.Before.State != "approved" || v.After.State != "released" || v.Judge.Policy != "release-approval" ||
		v.Judge.Version != version || !strings.HasPrefix(v.Plan, "sha256:") ||
		v.PlanContext.Instance != "web-1" || v.PlanContext.Policy != "release-approval@"+version ||
		v.Shown.Proposal != "proposals/web-1/ship" || v.Shown.Verdict != "waiting" || v.Shown.Judge.Version != version {
		t.Errorf("show --json: %+v", v)
	}
	if len(v.Decisions) != 2 || v.Decisions[0].Identity != "alice" || v.Decisions[0].Verdict != "approve" ||
		v.Decisions[0].Justification != "ticket reviewed" || v.Decisions[0].PlanStatus == "" || v.Decisions[0].Ref == "" {
		t.Errorf("show --json decisions: %+v", v.Decisions)
	}
	for _, d := range v.Decisions {
		want := "none"
		if d.Plan != "" {
			want = "differs"
			if d.Plan == v.Plan {
				want = "matches"
			}
		}
		if d.PlanStatus != want {
			t.Errorf("decision by %s records plan %q: status %q, want %q (entry plan %s)", d.Identity, d.Plan, d.PlanStatus, want, v.Plan)
		}
	}
}

// TestLogInstance: writ log --instance keeps only the entries that touch
// the instance, each with its decisions (verdict, justification, plan);
// the full log shows the same per decision; --json follows the log
// schema; a clone gives the same trail.
func TestLogInstance(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-2",
		"--transition", "create", "--owner", "web-team")
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	entry := shipWithApprovals(t, repo)

	out := writWant(t, ExitOK, "--repo", repo, "log", "--instance", "web-1").out
	if n := entriesIn(out); n != 6 {
		t.Errorf("log --instance web-1: want 6 entries (create, 4 steps, ship), got %d:\n%s", n, out)
	}
	if strings.Contains(out, "web-2") || strings.Contains(out, "genesis") {
		t.Errorf("log --instance web-1 shows another instance's entries:\n%s", out)
	}
	wantAll(t, "log --instance", out, "entry "+entry[:12], "APPROVE: alice (sre)", "    justification: ticket reviewed",
		"judged by: policy release-approval, version "+policyVersion(t, repo, "release-approval"),
		"instance web-1 (workflow release): approved → released by ship")
	all := writWant(t, ExitOK, "--repo", repo, "log").out
	wantAll(t, "log", all, "APPROVE: alice (sre)", "    justification: ticket reviewed", "web-2", "genesis")
	for _, o := range []string{out, all} {
		if n := strings.Count(o, "\n    no plan recorded") + strings.Count(o, "\n    shown plan sha256:"); n != 2 {
			t.Errorf("want each of the 2 decisions to say what plan it records, got %d:\n%s", n, o)
		}
	}

	js := writWant(t, ExitOK, "--repo", repo, "log", "--json", "--instance", "web-1").out
	validateOutput(t, "log", js)
	var entries []struct {
		Commit    string
		Instance  string
		Decisions []struct {
			Identity   string
			PlanStatus string `json:"plan_status"`
		}
	}
	if err := json.Unmarshal([]byte(js), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 6 || entries[5].Commit != entry || len(entries[5].Decisions) != 2 || entries[5].Decisions[0].PlanStatus == "" {
		t.Errorf("log --json --instance web-1: %+v", entries)
	}
	for _, en := range entries {
		if en.Instance != "web-1" {
			t.Errorf("log --json --instance web-1 holds %+v", en)
		}
	}
	if none := writWant(t, ExitOK, "--repo", repo, "log", "--json", "--instance", "web-9").out; strings.TrimSpace(none) != "[]" {
		t.Errorf("log --json --instance of an unknown instance: %s", none)
	}

	clone := filepath.Join(t.TempDir(), "clone")
	g.run(filepath.Dir(clone), "clone", "-q", "--no-local", repo, clone)
	if got := writWant(t, ExitOK, "--repo", clone, "log", "--instance", "web-1").out; got != out {
		t.Errorf("log --instance in a clone differs:\n%s\nwant:\n%s", got, out)
	}
}

// TestShowRulesEntry: show ENTRY of a rules change names the governance
// policy of the rules before it as the judge and re-renders the diff of
// every governed file between the entry's parent and the entry.
func TestShowRulesEntry(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	before := policyVersion(t, repo, "governance")
	path := filepath.Join(repo, "policies", "governance.yaml")
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	weaker := strings.Replace(string(old), "count: 2", "count: 1", 1)
	if err := os.WriteFile(path, []byte(weaker), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "RUNBOOK.md"), []byte("# Runbook\ncall ops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--rules", "--as", "alice", "--name", "weaker",
		"--justification", "fewer approvals")
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "rules/weaker", "--as", "bob", "--justification", "ok by sre")
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "rules/weaker", "--as", "carol")
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	if got := policyVersion(t, repo, "governance"); got == before {
		t.Fatal("the governance policy did not change")
	}
	r := writWant(t, ExitOK, "--repo", repo, "show", "main")
	wantAll(t, "show of a rules entry", r.out,
		"  rules: ",
		"\n  rules change: proposals/rules/weaker.yaml\n",
		"proposer: alice  (proposals/rules/weaker.yaml, signed commit ",
		"    | fewer approvals",
		"judged by: governance policy governance, version "+before,
		"APPROVE: bob (sre)", "    justification: ok by sre", "APPROVE: carol (security)",
		"rules installed: sha256:",
		"    proposal proposals/rules/weaker: WAITING",
		"      rules change: proposals/rules/weaker.yaml",
		"        policies/governance.yaml (modified",
		"          --- a/policies/governance.yaml", "          +++ b/policies/governance.yaml",
		"          -    count: 2", "          +    count: 1",
		"        RUNBOOK.md (added", "          --- /dev/null", "          +# Runbook",
	)
	out := writWant(t, ExitOK, "--repo", repo, "show", "--json", "main").out
	validateOutput(t, "show", out)
	var v struct {
		Kind  string
		Shown struct {
			Kind  string
			Files []struct{ Path, Change string }
		}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if v.Kind != "rules" || v.Shown.Kind != "rules" || len(v.Shown.Files) != 2 || v.Shown.Files[0].Path != "RUNBOOK.md" ||
		v.Shown.Files[1].Change != "modified" {
		t.Errorf("show --json of a rules entry: %+v", v)
	}
	// The proposal file is validated separately: show PROPOSAL's JSON
	// follows the same schema.
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-3",
		"--transition", "create", "--owner", "web-team", "--name", "c3")
	validateOutput(t, "show", writWant(t, ExitOK, "--repo", repo, "show", "--json", "web-3/c3").out)
}

// TestShowArgument: show tells a proposal from an entry, refuses a name
// that is both, and says why an argument is neither.
func TestShowArgument(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	main := strings.TrimSpace(g.run(repo, "rev-parse", "main"))
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1",
		"--transition", "create", "--owner", "web-team", "--name", "c1")
	head := strings.TrimSpace(g.run(repo, "rev-parse", "proposals/web-1/c1"))
	g.run(repo, "branch", "proposals/web-9/odd", "main")

	tests := []struct {
		name string
		arg  string
		code int
		want string
	}{
		{"proposal", "web-1/c1", ExitOK, "proposal proposals/web-1/c1: READY"},
		{"proposal by branch", "proposals/web-1/c1", ExitOK, "proposal proposals/web-1/c1: READY"},
		{"entry by short hash", main[:8], ExitOK, "entry " + main[:12]},
		{"entry by rev", "main", ExitOK, "  genesis: "},
		{"both", "proposals/web-9/odd", ExitFailure, "ambiguous: \"proposals/web-9/odd\" names both the proposal branch proposals/web-9/odd and the WAL entry " + main},
		{"the both one's entry by full hash", main, ExitOK, "entry " + main[:12]},
		{"a commit off main", head, ExitFailure, "is not on main's first-parent history, so it is not a WAL entry"},
		{"neither", "web-1/nope", ExitFailure, "is neither a proposal (no branch proposals/web-1/nope) nor a WAL entry"},
		{"no such revision", "cafe1234", ExitFailure, "git does not resolve \"cafe1234\" to a commit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runWrit("--repo", repo, "show", tt.arg)
			if r.code != tt.code || !strings.Contains(r.out+r.err, tt.want) {
				t.Errorf("show %s: exit %d, want %d with %q:\n%s", tt.arg, r.code, tt.code, tt.want, r)
			}
		})
	}
}

// entriesIn counts the entries in writ log's text.
func entriesIn(out string) int {
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "entry ") {
			n++
		}
	}
	return n
}

// TestShowRecoverEntry: show ENTRY of a recovery names what it
// quarantined and who approved it under the governance policy; the
// foreign commit itself is no entry (exit 4, saying why).
func TestShowRecoverEntry(t *testing.T) {
	t.Parallel()
	g := newGit(t)
	repo := newControlRepo(t)
	writeFile(t, repo, "HOTFIX.md", "x\n")
	g.run(repo, "add", "HOTFIX.md")
	g.run(repo, "-c", "commit.gpgsign=false", "commit", "-q", "-m", "hotfix")
	foreign := strings.TrimSpace(g.run(repo, "rev-parse", "HEAD"))
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--recover", "--as", "alice", "--name", "r1")
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "--as", "bob", "rules/r1")
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "--as", "carol", "rules/r1")
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	r := writWant(t, ExitOK, "--repo", repo, "show", "main")
	wantAll(t, "show of a recover entry", r.out, "\n  recovery: proposals/rules/r1.yaml\n", "proposer: alice",
		"judged by: governance policy governance", "APPROVE: bob (sre)", "APPROVE: carol (security)",
		"QUARANTINED "+foreign+" by ", "    proposal proposals/rules/r1: WAITING")
	validateOutput(t, "show", writWant(t, ExitOK, "--repo", repo, "show", "--json", "main").out)
	if f := runWrit("--repo", repo, "show", foreign[:12]); f.code != ExitForeign || !strings.Contains(f.err, "entry "+foreign+" does not verify") {
		t.Errorf("show of the foreign commit: want exit %d saying it does not verify, got %s", ExitForeign, f)
	}
}

// TestShowRejectEntry: show ENTRY of a rejection names the REJECT, its
// justification, the instance that stays, and the plan the rejecter saw
// (the transition's).
func TestShowRejectEntry(t *testing.T) {
	t.Parallel()
	repo := newControlRepo(t)
	walkToApproved(t, repo, "web-1")
	writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1",
		"--transition", "ship", "--name", "ship", "--input", "change_ticket=CHG-7", "--input", "environment=staging")
	writWant(t, ExitOK, "--repo", repo, "approve", "-q", "web-1/ship", "--as", "bob", "--reject", "--justification", "not today")
	writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
	r := writWant(t, ExitOK, "--repo", repo, "show", "main")
	wantAll(t, "show of a reject entry", r.out, "  reject: ", "REJECT: bob (sre)", "    justification: not today",
		"instance web-1 (workflow release): approved → approved, ship rejected",
		"    proposal proposals/web-1/ship: WAITING", "      state: approved → released by ship")
	validateOutput(t, "show", writWant(t, ExitOK, "--repo", repo, "show", "--json", "main").out)
}

// TestShowEntryReRendersWhatTheApproverSaw: the plan show ENTRY
// re-renders is, line for line, what `writ show P` printed to the first
// approver before any decision, but for the hlc guard's stamp (the gate
// judges at its own clock, the entry at its): for a transition and for a
// rules change with its diffs.
func TestShowEntryReRendersWhatTheApproverSaw(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		proposal string
		propose  func(t *testing.T, repo string)
		approver []string
	}{
		{"transition", "web-1/ship", func(t *testing.T, repo string) {
			walkToApproved(t, repo, "web-1")
			writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--as", "deploy-agent", "--instance", "web-1",
				"--transition", "ship", "--name", "ship", "--input", "change_ticket=CHG-7", "--input", "environment=staging",
				"--justification", "line one\nline two")
		}, []string{"alice", "bob"}},
		{"rules change", "rules/weaker", func(t *testing.T, repo string) {
			path := filepath.Join(repo, "policies", "governance.yaml")
			old, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, repo, "policies/governance.yaml", strings.Replace(string(old), "count: 2", "count: 1", 1))
			writeFile(t, repo, "RUNBOOK.md", "# Runbook\n")
			writWant(t, ExitOK, "--repo", repo, "propose", "-q", "--rules", "--as", "alice", "--name", "weaker")
		}, []string{"bob", "carol"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo := newControlRepo(t)
			tt.propose(t, repo)
			saw := writWant(t, ExitOK, "--repo", repo, "show", tt.proposal).out
			// The last line is show's hint how to decide on this plan,
			// not part of the plan.
			saw, hint, _ := strings.Cut(saw, "  to decide on exactly this plan: ")
			if hint == "" {
				t.Fatalf("writ show of a waiting proposal gives no hint to decide on its plan:\n%s", saw)
			}
			for _, who := range tt.approver {
				writWant(t, ExitOK, "--repo", repo, "approve", "-q", tt.proposal, "--as", who)
			}
			writWant(t, ExitOK, "--repo", repo, "reconcile", "-q")
			out := writWant(t, ExitOK, "--repo", repo, "show", "main").out
			_, shown, ok := strings.Cut(out, "what the deciders were shown")
			if !ok {
				t.Fatalf("show main has no re-rendered plan:\n%s", out)
			}
			_, shown, _ = strings.Cut(shown, "\n")
			var got []string
			for _, l := range strings.Split(strings.TrimRight(shown, "\n"), "\n") {
				got = append(got, strings.TrimPrefix(l, "    "))
			}
			want := strings.Split(strings.TrimRight(saw, "\n"), "\n")
			if len(got) != len(want) {
				t.Fatalf("re-rendered plan has %d lines, writ show printed %d:\n%s\nwant:\n%s", len(got), len(want), strings.Join(got, "\n"), saw)
			}
			for i := range want {
				if strings.HasPrefix(strings.TrimSpace(want[i]), "✓ hlc: stamp ") && strings.HasPrefix(strings.TrimSpace(got[i]), "✓ hlc: stamp ") {
					continue
				}
				if got[i] != want[i] {
					t.Errorf("line %d: re-rendered %q, writ show printed %q", i+1, got[i], want[i])
				}
			}
		})
	}
}
