package reconciler

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// walkWeb1ToApproved moves web-1 through the release workflow to
// "approved" by deploy-agent's proposals, one reconcile each.
func walkWeb1ToApproved(t *testing.T, e *Engine) {
	t.Helper()
	for _, tr := range []string{"create", "verify", "tests-pass", "security-clear", "approve-release"} {
		propose(t, e, "deploy-agent", tr, nil)
		reconcile(t, e, 1)
	}
}

// noWithdrawEntry fails when rep published a withdraw entry.
func noWithdrawEntry(t *testing.T, rep *ReconcileReport) {
	t.Helper()
	for _, a := range rep.Applied {
		if a.Gate.Entry.Kind == core.KindWithdraw {
			t.Fatalf("reconcile wrote a withdraw entry for %s: %s", a.Gate.Pending.Branch, a.Gate.Reason)
		}
	}
}

// TestWithdrawWithoutCapabilityIsRefused: an identity without
// propose:release (carol, or the reconciler's own identity) proposes on
// web-1 with the idem_key of deploy-agent's approved ship, then withdraws
// its own proposal. The withdrawal is refused: no withdraw entry, the key
// is not consumed and web-1 does not move, the griefing proposal is
// pruned as refused, and ship still applies.
func TestWithdrawWithoutCapabilityIsRefused(t *testing.T) {
	for _, who := range []string{"carol", "writ-bot"} {
		t.Run(who, func(t *testing.T) {
			e, _ := newRepo(t)
			ship := toShippable(t, e)
			shipName := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
			approveAs(t, e, "alice", shipName)
			grief, err := e.Propose(ProposeRequest{As: who, Name: "grief", Proposal: schemas.Proposal{
				Instance: "web-1", Workflow: "release", Transition: "ship", IdemKey: ship.Proposal.IdemKey,
				Inputs: map[string]any{"change_ticket": "X", "environment": "staging"}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.Withdraw(WithdrawRequest{As: who, Proposal: "web-1/grief", Justification: "x"}); err != nil {
				t.Fatal(err)
			}
			before, _ := instanceOf(t, mustReplay(t, e, ReplayOptions{}).State, "web-1")
			rep, err := e.Reconcile()
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Applied) != 0 {
				t.Fatalf("reconcile applied %d entries, want none (%s)", len(rep.Applied), rep.Applied[0].Gate.Reason)
			}
			pruned := false
			for _, p := range rep.Pruned {
				if p.Branch == grief.Branch {
					pruned = true
					if !strings.HasPrefix(p.Reason, "refused: cannot withdraw") || !strings.Contains(p.Reason, "capability") {
						t.Fatalf("grief pruned for %q, want refused for its missing capability", p.Reason)
					}
				}
			}
			if !pruned {
				t.Fatalf("grief %s not pruned: %+v", grief.Branch, rep.Pruned)
			}
			after, _ := instanceOf(t, mustReplay(t, e, ReplayOptions{}).State, "web-1")
			if after.Version != before.Version || after.Keys[ship.Proposal.IdemKey] != "" {
				t.Fatalf("web-1 moved: version %d → %d, ship's key %q", before.Version, after.Version, after.Keys[ship.Proposal.IdemKey])
			}
			approveAs(t, e, "bob", shipName)
			rep = reconcile(t, e, 1)
			if k := rep.Applied[0].Gate.Entry.Kind; k != core.KindTransition {
				t.Fatalf("ship became a %s entry, want the transition: %s", k, rep.Applied[0].Gate.Reason)
			}
			res := mustReplay(t, e, ReplayOptions{IgnoreCheckpoint: true})
			if in, _ := instanceOf(t, res.State, "web-1"); in.State != "released" || in.Keys[ship.Proposal.IdemKey] != "applied" {
				t.Fatalf("web-1 after ship: %+v", in)
			}
		})
	}
}

// TestWithdrawByAgentOfHumanProposalIsRefused: under a governance policy
// whose only rule applies to governed paths (so no rule applies to a
// proposal file), an agent or the reconciler identity signs a withdraw
// decision on alice's proposal. The withdrawal does not count: reconcile
// writes no withdraw entry and the proposal stays open.
func TestWithdrawByAgentOfHumanProposalIsRefused(t *testing.T) {
	gov := `name: governance
rules:
  - name: maintainers
    count: 2
    roles: [sre, security]
    if:
      changed_files: ["writ.yaml", "workflows/**", "policies/**", "trust/**"]
`
	for _, who := range []string{"deploy-agent", "writ-bot"} {
		t.Run(who, func(t *testing.T) {
			e := newRepoFrom(t, map[string]string{"policies/governance.yaml": gov})
			walkWeb1ToApproved(t, e)
			ap, err := e.Propose(ProposeRequest{As: "alice", Name: "alice-ship", Proposal: schemas.Proposal{
				Instance: "web-1", Workflow: "release", Transition: "ship",
				Inputs: map[string]any{"change_ticket": "X", "environment": "staging"}}})
			if err != nil {
				t.Fatal(err)
			}
			l, err := e.Load()
			if err != nil {
				t.Fatal(err)
			}
			p, err := e.PendingWith(l, "web-1/alice-ship")
			if err != nil {
				t.Fatal(err)
			}
			d := policies.Decision{Identity: who, Verdict: policies.VerdictWithdraw, Commit: p.Subject.Commit, Content: p.Subject.Content, Justification: "mine"}
			if _, err := e.recordDecision(l.Rules, p, d); err != nil {
				t.Fatal(err)
			}
			rep, err := e.Reconcile()
			if err != nil {
				t.Fatal(err)
			}
			noWithdrawEntry(t, rep)
			for _, pr := range rep.Pruned {
				if pr.Branch == ap.Branch {
					t.Fatalf("alice's proposal pruned: %s", pr.Reason)
				}
			}
			res := mustReplay(t, e, ReplayOptions{IgnoreCheckpoint: true, Collect: true})
			if last := res.Entries[len(res.Entries)-1]; last.Record.Entry.Kind == core.KindWithdraw {
				t.Fatalf("the log ends with a withdraw entry: %s", last.Outcome.Reason)
			}
			if in, _ := instanceOf(t, res.State, "web-1"); in.Keys[ap.Proposal.IdemKey] != "" {
				t.Fatalf("alice's idem_key consumed as %q", in.Keys[ap.Proposal.IdemKey])
			}
			if p, err = e.PendingWith(l, "web-1/alice-ship"); err != nil {
				t.Fatal(err)
			}
			if g := mustGate(t, res.State, p, core.NextHLC(res.State.Clock().HLC, 1<<50)); g.Verdict != intake.VerdictWaiting {
				t.Fatalf("alice's proposal is %s (%s), want waiting", g.Verdict, g.Reason)
			}
		})
	}
}
