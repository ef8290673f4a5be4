package reconciler

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/schemas"
)

// A proposal name is used once per instance, in either of a proposal
// file's shapes (flat for a transition, sharded for a goal action). Two
// proposals of one name in the two shapes would share the evidence ref
// that keeps a closed proposal's commits (replay.ClosedRef drops the
// shard), so closing both would make main fail its own replay. The second
// must be refused: held out of the batch, then refused by the gate of
// the next round, which finds the name on main.
func TestOneNamePerInstanceAcrossShapes(t *testing.T) {
	for _, c := range []struct {
		name string
	}{{"both closed in one batch"}} {
		t.Run(c.name, func(t *testing.T) {
			store, err := gitstore.Init(filepath.Join(t.TempDir(), "control"))
			if err != nil {
				t.Fatal(err)
			}
			keys := local.KeyDir{Dir: filepath.Join(t.TempDir(), "keys")}
			e := &Engine{Store: store, Keys: keys}
			if _, err := e.Init(fixtures.Goals(), keys); err != nil {
				t.Fatal(err)
			}
			flat, err := e.Propose(ProposeRequest{As: "deploy-agent", Name: "n1", Proposal: schemas.Proposal{
				Instance: "lin-x", Workflow: "release", Transition: "create", BaseState: schemas.BaseStateNone}})
			if err != nil {
				t.Fatal(err)
			}
			sharded, err := e.Propose(ProposeRequest{As: "scanner-a", Name: "n1", Proposal: schemas.Proposal{
				Instance: "lin-x", Workflow: "patch-cve-2026-1234", Transition: schemas.GoalStart,
				BaseState: schemas.BaseStateNone, Justification: "x"}})
			if err != nil {
				t.Fatal(err)
			}
			if flat.Path == sharded.Path {
				t.Fatalf("both proposals at %s", flat.Path)
			}
			withdraw := func(as, proposal string) {
				t.Helper()
				if _, err := e.Withdraw(WithdrawRequest{As: as, Proposal: proposal, Justification: "oops"}); err != nil {
					t.Fatal(err)
				}
			}
			withdraw("deploy-agent", "lin-x/n1")
			withdraw("scanner-a", strings.TrimPrefix(sharded.Branch, schemas.ProposalBranchPrefix))
			rep, err := e.Reconcile()
			if err != nil {
				t.Fatalf("reconcile: %v", err)
			}
			if len(rep.Applied) != 1 {
				t.Errorf("applied %d entries, want 1: the second name in the other shape must wait for the next round and be refused", len(rep.Applied))
			}
			again, err := e.Reconcile()
			if err != nil {
				t.Fatalf("reconcile again: %v", err)
			}
			if _, err := e.Replay(ReplayOptions{IgnoreCheckpoint: true}); err != nil {
				t.Fatalf("replay of main refuses a history the reconciler wrote itself: %v", err)
			}
			// The branch judged first (in name order, the sharded one) closes;
			// the other is refused for its name.
			var why []string
			for _, r := range []*ReconcileReport{rep, again} {
				for _, g := range r.Skipped {
					if g.Pending.Branch == flat.Branch {
						why = append(why, g.Reason)
					}
				}
			}
			if len(why) == 0 || !strings.Contains(why[len(why)-1], "already used") {
				t.Errorf("%s judged %q, want a refusal saying the name is already used", flat.Branch, why)
			}
		})
	}
}
