package reconciler

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// flakySource is BranchSource whose outside records cannot be read for one
// proposal (as a GitHub outage on one pull request's reviews would be).
type flakySource struct {
	BranchSource
	broken string
}

func (s flakySource) Outside(ctx context.Context, v intake.View, c intake.Candidate, p intake.Pending) (intake.Outside, error) {
	if c.Name == s.broken {
		return intake.Outside{}, errors.New("reviews: 502 Bad Gateway")
	}
	return s.BranchSource.Outside(ctx, v, c, p)
}

// TestOneFailingProposalNeverStopsTheOthers: when what a source records
// about one proposal cannot be read, that proposal waits with the reason
// and the run goes on with the rest.
func TestOneFailingProposalNeverStopsTheOthers(t *testing.T) {
	e, _ := newRepo(t)
	var branches []string
	for _, inst := range []string{"web-1", "web-2"} {
		p, err := e.Propose(ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
			Instance: inst, Workflow: "release", Transition: "create"}})
		if err != nil {
			t.Fatal(err)
		}
		branches = append(branches, p.Branch)
	}
	rep, err := e.ReconcileWith(context.Background(), ReconcileOptions{Source: flakySource{BranchSource{e.Store}, branches[0]}})
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if len(rep.Applied) != 1 || rep.Applied[0].Gate.Pending.Branch != branches[1] {
		t.Fatalf("applied %+v, want only %s", rep.Applied, branches[1])
	}
	if len(rep.Skipped) != 1 || rep.Skipped[0].Pending.Branch != branches[0] || rep.Skipped[0].Verdict != intake.VerdictWaiting ||
		!strings.Contains(rep.Skipped[0].Reason, "502 Bad Gateway") {
		t.Fatalf("skipped %+v, want %s waiting with the source's error", rep.Skipped, branches[0])
	}
}
