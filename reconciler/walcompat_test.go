package reconciler

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// testdata/rules-log-v1.bundle is a log written before ordinary files were
// governed (writ init, a rule change of policies/release-approval.yaml
// approved by alice and bob, an instance entry), kept as a git bundle of
// main. Its rules entry's Writ-Content hashes the change over the rules
// paths; replay now hashes it over every governed path, which for such an
// entry is the same set: it still verifies.
func TestReplayOfALogFromBeforeGovernedFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "clone")
	if out, err := exec.Command("git", "clone", "-q", "--bare", filepath.Join("testdata", "rules-log-v1.bundle"), dir).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	store, err := gitstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{Store: store}
	res := mustReplay(t, e, ReplayOptions{Collect: true})
	if len(res.Entries) != 3 {
		t.Fatalf("%d entries, want 3", len(res.Entries))
	}
	rules := res.Entries[1].Record
	if rules.Entry.Kind != core.KindRules {
		t.Fatalf("entry 1 is %s, want rules", rules.Entry.Kind)
	}
	raw, err := store.ReadFile(res.Entries[1].Commit, rules.ProposalPath)
	if err != nil {
		t.Fatal(err)
	}
	if rules.Entry.Subject.Content == schemas.HashBytes(raw) {
		t.Fatal("the rules entry records the proposal file's hash; the fixture must hash the whole change")
	}
}

// TestReplayOfALogFromBeforeSourceTriggers: the same log, written before
// entries recorded their source's trigger (Writ-Trigger), decodes with no
// trigger on any entry, leaves its instance without one, and folds to the
// state hash its last entry recorded.
func TestReplayOfALogFromBeforeSourceTriggers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "clone")
	if out, err := exec.Command("git", "clone", "-q", "--bare", filepath.Join("testdata", "rules-log-v1.bundle"), dir).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	store, err := gitstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	res := mustReplay(t, &Engine{Store: store}, ReplayOptions{Collect: true, IgnoreCheckpoint: true})
	last := res.Entries[len(res.Entries)-1]
	if last.Record.Entry.Kind != core.KindTransition || res.State.Hash() != last.Record.StatePost {
		t.Fatalf("last entry %s folds to %s, recorded %s", last.Record.Entry.Kind, res.State.Hash(), last.Record.StatePost)
	}
	for _, v := range res.Entries {
		if v.Record.Entry.Trigger != nil {
			t.Fatalf("entry %s decodes a source trigger %+v", v.Commit, v.Record.Entry.Trigger)
		}
	}
	in, ok := instanceOf(t, res.State, last.Record.Entry.Proposal.Instance)
	if !ok || in.Trigger != nil {
		t.Fatalf("instance %+v, want one without a trigger", in)
	}
}
