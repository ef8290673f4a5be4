package reconciler

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// forge publishes one entry for proposal name the way a holder of the
// reconciler's key alone could: the real apply path, signed with the
// reconciler's key, after mutate has changed what the reconciler read.
// It returns the forged entry.
func forge(t *testing.T, e *Engine, name string, mutate func(p *intake.Pending)) plumbing.Hash {
	t.Helper()
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	p, err := e.Pending(res.State.Rules(), res.Head, name)
	if err != nil || len(p.Problems) > 0 {
		t.Fatalf("pending %s: %v %v", name, err, p.Problems)
	}
	mutate(&p)
	rep := forgeThroughLoop(t, e, res, p)
	applied := rep.Applied
	if len(applied) != 1 {
		t.Fatalf("the forged entry was not written: skipped %+v", rep.Skipped)
	}
	return applied[0].Commit
}

// A holder of the reconciler's key alone cannot put rules nobody approved
// on main: replay recomputes the change a rules entry merges from its tree
// and refuses one that is not the approved proposal commit's, naming the
// entry and the file.
func TestReplayRefusesRulesNobodyApproved(t *testing.T) {
	tests := []struct {
		name string
		// mutate changes what the forger's reconciler read; main is the
		// main it writes on.
		mutate func(t *testing.T, e *Engine, main plumbing.Hash, p *intake.Pending)
		reason []string
	}{
		{
			name: "writ.yaml other than approved",
			mutate: func(t *testing.T, e *Engine, main plumbing.Hash, p *intake.Pending) {
				p.Files[schemas.ConfigFile] = grantOverride(t, e)
			},
			reason: []string{schemas.ConfigFile, "approved proposal commit"},
		},
		{
			name: "part of the approved change left out",
			mutate: func(t *testing.T, e *Engine, main plumbing.Hash, p *intake.Pending) {
				delete(p.Files, "policies/release-approval.yaml")
			},
			reason: []string{"policies/release-approval.yaml", "approved proposal commit"},
		},
		{
			// An ordinary file is governed: one the approved commit does
			// not hold was not approved.
			name: "an ordinary file nobody approved",
			mutate: func(t *testing.T, e *Engine, main plumbing.Hash, p *intake.Pending) {
				p.Files["notes/x.txt"] = []byte("x")
			},
			reason: []string{"notes/x.txt", "approved proposal commit"},
		},
		{
			name: "another proposal file",
			mutate: func(t *testing.T, e *Engine, main plumbing.Hash, p *intake.Pending) {
				p.Files["proposals/web-1/x.yaml"] = []byte("x")
			},
			reason: []string{"proposals/web-1/x.yaml", "may only change governed paths"},
		},
		{
			name: "content other than the change merged",
			mutate: func(t *testing.T, e *Engine, main plumbing.Hash, p *intake.Pending) {
				p.Subject.Content = "sha256:" + strings.Repeat("0", 64)
				// The approvals record the plan of the real content, which
				// the forger's own gate would not count on this one: it
				// drops the plans, so that replay must catch the content.
				for i := range p.Decisions {
					p.Decisions[i].Plan = ""
				}
			},
			reason: []string{"Writ-Content is sha256:000", "the change merged"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newRepo(t)
			p := relax(t, e, "carol", "relax")
			name := strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix)
			approveAs(t, e, "alice", name)
			approveAs(t, e, "bob", name)
			main := mustReplay(t, e, ReplayOptions{FromCheckpoint: true}).Head
			bad := forge(t, e, name, func(p *intake.Pending) {
				tt.mutate(t, e, main, p)
				rules, err := intake.LoadRulesChanged(e.Store, main, p.Files, p.Deleted)
				if err != nil {
					t.Fatal(err)
				}
				p.Rules = rules
			})
			_, err := e.Replay(ReplayOptions{})
			te := wantTamper(t, err, tt.reason[0])
			if te.Commit != bad {
				t.Fatalf("tamper error names %s, want the forged entry %s", te.Commit, bad)
			}
			for _, r := range tt.reason[1:] {
				if !strings.Contains(te.Reason, r) {
					t.Fatalf("reason %q does not say %q", te.Reason, r)
				}
			}
		})
	}
}

// The proposal an entry merges (its second parent) must be, or descend
// from, the proposal commit it names (Writ-Subject).
func TestReplayRefusesASecondParentOffTheSubject(t *testing.T) {
	e, _ := newRepo(t)
	genesis := mustReplay(t, e, ReplayOptions{}).Head
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	approveAs(t, e, "alice", name)
	approveAs(t, e, "bob", name)
	bad := forge(t, e, name, func(p *intake.Pending) { p.Head = genesis })
	_, err := e.Replay(ReplayOptions{})
	te := wantTamper(t, err, "does not descend from the proposal commit "+shortHash(ship.Commit.String()))
	if te.Commit != bad {
		t.Fatalf("tamper error names %s, want the forged entry %s", te.Commit, bad)
	}
}
