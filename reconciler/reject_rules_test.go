package reconciler

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/replay"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// rejectRelax proposes a rule change as alice, has bob reject it and
// reconciles: the reject entry is main's head.
func rejectRelax(t *testing.T) (*Engine, *Proposed, *ReconcileReport) {
	t.Helper()
	e, _ := newRepo(t)
	p := relax(t, e, "alice", "relax")
	name := strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix)
	if _, err := e.Approve(ApproveRequest{As: "bob", Proposal: name, Reject: true, Justification: "two SREs stay"}); err != nil {
		t.Fatal(err)
	}
	rep := reconcile(t, e, 1)
	if k := rep.Applied[0].Gate.Entry.Kind; k != core.KindReject {
		t.Fatalf("entry kind %s, want reject", k)
	}
	return e, p, rep
}

// TestRejectedRuleChangeIsRecorded: a governance rejection of a rule
// change is a one-parent reject entry on main with its justification; the
// rules on main and in force do not change, the branch is pruned, its
// commits kept under refs/writ/rejected/, and replay verifies it.
func TestRejectedRuleChangeIsRecorded(t *testing.T) {
	e, p, rep := rejectRelax(t)
	before := mustReplay(t, e, ReplayOptions{}).State.RulesHash()
	entry := rep.Applied[0].Commit
	c, err := e.Store.Commit(entry)
	if err != nil {
		t.Fatal(err)
	}
	if c.NumParents() != 1 {
		t.Fatalf("reject entry has parents %v, want one", c.ParentHashes)
	}
	changed, err := e.Store.ChangedFiles(c.ParentHashes[0], entry)
	if err != nil || len(changed) != 1 || changed[0] != p.Path {
		t.Fatalf("the reject entry changes %v (%v); want only %s", changed, err, p.Path)
	}
	rec, err := wal.Decode(c.Message)
	if err != nil || len(rec.Entry.Decisions) != 1 || rec.Entry.Decisions[0].Justification != "two SREs stay" {
		t.Fatalf("entry %+v (%v): want bob's rejection with its justification", rec.Entry.Decisions, err)
	}
	if rep.State.RulesHash() != before {
		t.Fatal("the rejection changed the rules")
	}
	pol, _ := rep.State.Rules().Policy("release-approval")
	if pol.Rules[0].Count != 2 {
		t.Fatalf("rules changed: count %d", pol.Rules[0].Count)
	}
	ref, _ := replay.RejectedRef(p.Path)
	if got, err := e.Store.Ref(ref); err != nil || got != rep.Applied[0].Gate.Pending.Head {
		t.Fatalf("%s = %s (%v)", ref, got, err)
	}
	if len(rep.Pruned) != 1 || rep.Pruned[0].Branch != p.Branch {
		t.Fatalf("pruned %+v, want %s", rep.Pruned, p.Branch)
	}
	res := mustReplay(t, e, ReplayOptions{Collect: true, IgnoreCheckpoint: true})
	last := res.Entries[len(res.Entries)-1]
	if last.Commit != entry || last.Attested || last.Outcome.Status != core.StatusRejected || res.State.Hash() != rep.State.Hash() {
		t.Fatalf("last entry %s attested %v status %s", last.Commit, last.Attested, last.Outcome.Status)
	}
}

// TestRejectedRuleChangeTampered: replay re-checks that an eligible
// governance approver rejected, with or without the kept commits.
func TestRejectedRuleChangeTampered(t *testing.T) {
	tests := []struct {
		name    string
		rewrite func(t *testing.T, e *Engine, entry, head, other plumbing.Hash)
		tamper  string
	}{
		{"a rejection by the author", func(t *testing.T, e *Engine, entry, head, _ plumbing.Hash) {
			c, _ := e.Store.Commit(entry)
			rewriteEntry(t, e, entry, func(m string) string {
				return strings.Replace(m, ": bob verdict=reject", ": alice verdict=reject", 1)
			}, c.ParentHashes[0])
		}, "does not match the recorded reject by alice"},
		{"a rejection by the author, evidence absent", func(t *testing.T, e *Engine, entry, head, _ plumbing.Hash) {
			// The head is bob's decision commit: make both absent, and
			// the ref that keeps them (present, it would contradict).
			gitExec(t, e, nil, nil, "update-ref", "-d", "refs/writ/rejected/rules/relax")
			c, _ := e.Store.Commit(entry)
			rewriteEntry(t, e, entry, func(m string) string {
				m = strings.Replace(m, ": bob verdict=reject", ": alice verdict=reject", 1)
				return strings.ReplaceAll(m, head.String(), strings.Repeat("ab", 20))
			}, c.ParentHashes[0])
		}, "without a rejection by an eligible governance approver"},
		{"another content", func(t *testing.T, e *Engine, entry, _, _ plumbing.Hash) {
			c, _ := e.Store.Commit(entry)
			rec, _ := wal.Decode(c.Message)
			rewriteEntry(t, e, entry, func(m string) string {
				return strings.ReplaceAll(m, rec.Entry.Subject.Content, "sha256:"+strings.Repeat("0", 64))
			}, c.ParentHashes[0])
		}, "hashes to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, rep := rejectRelax(t)
			entry, head := rep.Applied[0].Commit, rep.Applied[0].Gate.Pending.Head
			c, _ := e.Store.Commit(entry)
			tt.rewrite(t, e, entry, head, c.ParentHashes[0])
			_, err := e.Replay(ReplayOptions{IgnoreCheckpoint: true})
			wantTamper(t, err, tt.tamper)
		})
	}
}
