package reconciler

import (
	"context"
	"testing"

	"github.com/writ-dev/writ/reconciler/intake"
)

// holdingSource is BranchSource in a run that may not push: it holds back
// every candidate, as the GitHub adapter does in a read-only judge run.
type holdingSource struct{ BranchSource }

func (s holdingSource) Candidates(ctx context.Context, v intake.View) ([]intake.Candidate, error) {
	cs, err := s.BranchSource.Candidates(ctx, v)
	for i := range cs {
		cs[i].Hold = "this run may not push (read-only)"
	}
	return cs, err
}

// TestHeldRunRecordsNoWait: a run whose source holds the proposal back
// (a run that may not push, a fork, a draft) writes no wait entry; the
// next run that may write records it.
func TestHeldRunRecordsNoWait(t *testing.T) {
	e, _ := newRepo(t)
	toShippable(t, e)
	before, _ := e.mainHead()
	rep, err := e.ReconcileWith(t.Context(), ReconcileOptions{Source: holdingSource{BranchSource{Store: e.Store}}})
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := e.mainHead(); len(rep.Waited) != 0 || h != before {
		t.Fatalf("a held run wrote %d wait entries (main %s, was %s)", len(rep.Waited), h, before)
	}
	if rep := reconcile(t, e, 0); len(rep.Waited) != 1 {
		t.Fatalf("the next run wrote %d wait entries, want 1", len(rep.Waited))
	}
}
