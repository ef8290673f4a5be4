package reconciler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
)

// withHeldPull is BranchSource plus one pull request the source holds back
// (a fork's, or a draft): judged and reported, never written. With
// outsideErr, reading what it records outside git fails for that pull
// request, so the run does not judge it.
type withHeldPull struct {
	BranchSource
	head       plumbing.Hash
	outsideErr error
}

func (s withHeldPull) Candidates(ctx context.Context, v intake.View) ([]intake.Candidate, error) {
	cs, err := s.BranchSource.Candidates(ctx, v)
	return append(cs, intake.Candidate{Name: "pull/9", Head: s.head, FromCommits: true, Hold: "a fork's pull request"}), err
}

func (s withHeldPull) Outside(ctx context.Context, v intake.View, c intake.Candidate, p intake.Pending) (intake.Outside, error) {
	if c.Name == "pull/9" && s.outsideErr != nil {
		return intake.Outside{}, s.outsideErr
	}
	return s.BranchSource.Outside(ctx, v, c, p)
}

// TestHeldCopyOfOldContentDoesNotFreezeTimeout: anyone who can open a
// fork pull request can re-open the proposer's own superseded signed
// commit (its head is the public proposal commit, content C1, whose wait
// is recorded). The proposer then pushes new content C2 to the branch. A
// held proposal carries no wait (no run times it out, escalates or
// applies it), so it does not keep C1's wait at the path: C2 records its
// own wait and times out three days later, whether the round read the
// held pull request, left it unread over the per-run cap, or could not
// judge it.
func TestHeldCopyOfOldContentDoesNotFreezeTimeout(t *testing.T) {
	tests := []struct {
		name       string
		max        int
		outsideErr error
	}{
		{name: "held copy read"},
		{name: "held copy over the per-run cap", max: 1},
		{name: "held copy not judged", outsideErr: errors.New("reviews of pull/9: 502 Bad Gateway")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, clock := timeoutRepo(t)
			ship := toShippable(t, e)
			src := withHeldPull{BranchSource{Store: e.Store}, ship.Commit, tt.outsideErr}
			run := func() *ReconcileReport {
				t.Helper()
				rep, err := e.ReconcileWith(t.Context(), ReconcileOptions{Source: src, MaxProposals: tt.max})
				if err != nil {
					t.Fatal(err)
				}
				return rep
			}
			if rep := run(); len(rep.Waited) != 1 {
				t.Fatalf("first run: %d wait entries, want the branch's", len(rep.Waited))
			}
			raw, err := e.Store.ReadFile(ship.Commit, ship.Path)
			if err != nil {
				t.Fatal(err)
			}
			other := strings.Replace(string(raw), "change_ticket: CHG-1", "change_ticket: CHG-2", 1)
			if other == string(raw) {
				t.Fatalf("proposal without change_ticket CHG-1:\n%s", raw)
			}
			clock.t = clock.t.Add(time.Hour)
			pushed := pushOnBranch(t, e, ship.Branch, "deploy-agent", map[string][]byte{ship.Path: []byte(other)})
			// Two runs, so that a round under the cap of one reads the branch.
			var notes []string
			for range 2 {
				notes = append(notes, run().Notes...)
			}
			l, _ := e.Load()
			if w, ok := l.State.WaitOf(ship.Path); !ok || w.Commit != pushed.String() {
				t.Fatalf("after the push, the wait at %s is %+v (want the pushed commit %s's); notes %q", ship.Path, w, pushed, notes)
			}
			clock.t = clock.t.Add(73 * time.Hour)
			for range 2 {
				rep := run()
				for _, a := range rep.Applied {
					if a.Gate.Entry.Kind == core.KindTimeout && a.Gate.Pending.Path == ship.Path {
						mustReplay(t, e, ReplayOptions{})
						return
					}
				}
				notes = append(notes, rep.Notes...)
			}
			t.Fatalf("73 hours after the proposer pushed new content, no timeout at %s; notes %q", ship.Path, notes)
		})
	}
}
