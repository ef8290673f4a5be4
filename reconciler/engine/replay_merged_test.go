package engine

import (
	"iter"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// forge publishes one entry for proposal name the way a holder of the
// reconciler's key alone could: the real apply path, signed with the
// reconciler's key, after mutate has changed what the reconciler read.
// It returns the forged entry.
func forge(t *testing.T, e *Engine, name string, mutate func(p *Pending)) plumbing.Hash {
	t.Helper()
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	p, err := e.Pending(res.State.Rules(), res.Head, name)
	if err != nil || len(p.Problems) > 0 {
		t.Fatalf("pending %s: %v %v", name, err, p.Problems)
	}
	mutate(&p)
	st, head := res.State, res.Head
	var one iter.Seq[Pending] = func(yield func(Pending) bool) { yield(p) }
	rep := &ReconcileReport{}
	var applied []AppliedEntry
	if _, err := e.applyReady(&ReconcileOptions{}, &st, &head, one, rep, func(a AppliedEntry) { applied = append(applied, a) }); err != nil {
		t.Fatal(err)
	}
	if len(applied) != 1 {
		t.Fatalf("the forged entry was not written: skipped %+v", rep.Skipped)
	}
	return applied[0].Commit
}

// A holder of the reconciler's key alone cannot put rules nobody approved
// on main: replay recomputes the change a rules entry merges from its tree
// and refuses one whose rules files are not those of the approved proposal
// commit, naming the entry and the file.
func TestReplayRefusesRulesNobodyApproved(t *testing.T) {
	e, _ := newRepo(t)
	p := relax(t, e, "carol", "relax")
	name := strings.TrimPrefix(p.Branch, ProposalPrefix)
	approveAs(t, e, "alice", name)
	approveAs(t, e, "bob", name)
	granted := grantOverride(t, e)
	bad := forge(t, e, name, func(p *Pending) {
		p.Files[ConfigFile] = granted
		rules, err := LoadRulesChanged(e.Store, mustReplay(t, e, ReplayOptions{FromCheckpoint: true}).Head, p.Files, p.Deleted)
		if err != nil {
			t.Fatal(err)
		}
		p.Rules = rules
	})
	_, err := e.Replay(ReplayOptions{})
	te := wantTamper(t, err, ConfigFile)
	if te.Commit != bad {
		t.Fatalf("tamper error names %s, want the forged entry %s", te.Commit, bad)
	}
	if !strings.Contains(te.Reason, "approved") {
		t.Fatalf("reason %q does not say the file is not what was approved", te.Reason)
	}
}

// The proposal an entry merges (its second parent) must be, or descend
// from, the proposal commit it names (Writ-Subject).
func TestReplayRefusesASecondParentOffTheSubject(t *testing.T) {
	e, _ := newRepo(t)
	genesis := mustReplay(t, e, ReplayOptions{}).Head
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, ProposalPrefix)
	approveAs(t, e, "alice", name)
	approveAs(t, e, "bob", name)
	bad := forge(t, e, name, func(p *Pending) { p.Head = genesis })
	_, err := e.Replay(ReplayOptions{})
	te := wantTamper(t, err, "does not descend from the proposal commit "+shortHash(ship.Commit.String()))
	if te.Commit != bad {
		t.Fatalf("tamper error names %s, want the forged entry %s", te.Commit, bad)
	}
}
