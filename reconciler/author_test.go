package reconciler

import (
	"errors"
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// countedIn returns the identities the policy result's rules counted.
func countedIn(r *policies.Result) []string {
	if r == nil {
		return nil
	}
	var out []string
	for _, v := range r.Counted {
		out = append(out, v.Identity)
	}
	for i := range r.Children {
		out = append(out, countedIn(&r.Children[i])...)
	}
	return out
}

// notCountedIn returns "identity: reason" for every decision the policy
// result's rules did not count.
func notCountedIn(r *policies.Result) []string {
	if r == nil {
		return nil
	}
	var out []string
	for _, v := range r.NotCounted {
		out = append(out, v.Identity+": "+v.Reason)
	}
	for i := range r.Children {
		out = append(out, notCountedIn(&r.Children[i])...)
	}
	return out
}

// TestAllowAuthorEndToEnd: who counts is the policy's call alone. Under
// sre-pair without allow_author, alice's approval of her own ship is
// refused before anything is written, and a hand-made one is recorded but
// not counted, with the reason; once a rule change sets allow_author (and
// the ship, with only alice's approval, still waits for a second SRE),
// approve writes her decision, it counts, reconcile applies the ship, and
// replay from genesis accepts the entry that counted the author. Agents
// still never count.
func TestAllowAuthorEndToEnd(t *testing.T) {
	e, _ := newRepo(t)
	for _, tr := range []string{"create", "verify", "tests-pass", "security-clear", "approve-release"} {
		propose(t, e, "deploy-agent", tr, nil)
		reconcile(t, e, 1)
	}
	ship := propose(t, e, "alice", "ship", map[string]any{"change_ticket": "CHG-1", "environment": "staging"})
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)

	before, err := e.Store.Ref("refs/heads/" + ship.Branch)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Approve(ApproveRequest{As: "alice", Proposal: name})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), policies.ReasonAuthor) {
		t.Fatalf("alice approving her own ship without allow_author: %v", err)
	}
	if after, _ := e.Store.Ref("refs/heads/" + ship.Branch); after != before {
		t.Fatalf("a refused approval wrote %s", after)
	}
	// A decision made by hand is recorded like any other; the policy
	// explains why it does not count.
	appendDecision(t, e, ship.Branch, "alice", policies.VerdictApprove, "")
	g := gateNow(t, e, ship.Branch)
	if g.Verdict != intake.VerdictWaiting || !strings.Contains(strings.Join(notCountedIn(g.Outcome.Policy), "\n"), "alice: "+policies.ReasonAuthor) {
		t.Fatalf("ship with alice's own approval: %s (%s); not counted %v", g.Verdict, g.Reason, notCountedIn(g.Outcome.Policy))
	}

	// bob proposes allowing authors in sre-pair; alice and carol approve.
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	old, err := e.Store.ReadFile(res.Head, "policies/release-approval.yaml")
	if err != nil {
		t.Fatal(err)
	}
	allow := strings.Replace(string(old), "    count: 2\n", "    count: 2\n    allow_author: true\n", 1)
	if allow == string(old) {
		t.Fatal("release-approval.yaml has no sre-pair count to extend")
	}
	rc, err := e.ProposeRules(ProposeRulesRequest{As: "bob", Name: "self", Justification: "authors may approve",
		Files: map[string][]byte{"policies/release-approval.yaml": []byte(allow)}})
	if err != nil {
		t.Fatal(err)
	}
	approveAs(t, e, "alice", strings.TrimPrefix(rc.Branch, schemas.ProposalBranchPrefix))
	approveAs(t, e, "carol", strings.TrimPrefix(rc.Branch, schemas.ProposalBranchPrefix))
	if rep := reconcile(t, e, 1); rep.Applied[0].Gate.Entry.Kind != core.KindRules {
		t.Fatalf("applied a %s entry, want the rule change", rep.Applied[0].Gate.Entry.Kind)
	}

	if _, err := e.Approve(ApproveRequest{As: "deploy-agent", Proposal: name}); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), policies.ReasonAgent) {
		t.Fatalf("an agent approving under allow_author: %v", err)
	}
	approveAs(t, e, "alice", name)
	approveAs(t, e, "bob", name)
	rep := reconcile(t, e, 1)
	got := rep.Applied[0].Gate
	if got.Pending.Branch != ship.Branch || !strings.Contains(strings.Join(countedIn(got.Outcome.Policy), ","), "alice") {
		t.Fatalf("applied %s counting %v, want ship counting alice", got.Pending.Branch, countedIn(got.Outcome.Policy))
	}

	full := mustReplay(t, e, ReplayOptions{Collect: true})
	last := full.Entries[len(full.Entries)-1]
	if last.Outcome.Status != core.StatusApplied || last.Record.Entry.Signer != "alice" ||
		!strings.Contains(strings.Join(countedIn(last.Outcome.Policy), ","), "alice") {
		t.Fatalf("replay: last entry %s by %s counting %v", last.Outcome.Status, last.Record.Entry.Signer, countedIn(last.Outcome.Policy))
	}
	if in, _ := instanceOf(t, full.State, "web-1"); in.State != "released" {
		t.Fatalf("web-1 is %s after replay, want released", in.State)
	}
}
