package reconciler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
)

// withPull is BranchSource plus one pull request (its head read from
// commits, as the GitHub source gives it).
type withPull struct {
	BranchSource
	head plumbing.Hash
}

func (s withPull) Candidates(ctx context.Context, v intake.View) ([]intake.Candidate, error) {
	cs, err := s.BranchSource.Candidates(ctx, v)
	return append(cs, intake.Candidate{Name: "pull/9", Head: s.head, FromCommits: true}), err
}

// TestTwoProposalsOfOnePathDoNotResetEachOthersWait: the table of waits
// is keyed by proposal path, and a pull request is read from its commits,
// so a second open proposal (here a pull request by the same agent, but any
// identity that may propose the transition will do) can add the same path
// with other content. One wait is recorded per path: the first content's,
// which keeps its start while it is open; the other waits behind it (the
// report says so) and no run writes a wait entry that undoes another's. A
// rerun with nothing new writes nothing, and the recorded wait times out
// on time.
func TestTwoProposalsOfOnePathDoNotResetEachOthersWait(t *testing.T) {
	e, clock := timeoutRepo(t)
	ship := toShippable(t, e)
	raw, err := e.Store.ReadFile(ship.Commit, ship.Path)
	if err != nil {
		t.Fatal(err)
	}
	other := strings.Replace(string(raw), "change_ticket: CHG-1", "change_ticket: CHG-2", 1)
	if other == string(raw) {
		t.Fatalf("proposal without change_ticket CHG-1:\n%s", raw)
	}
	main, err := e.mainHead()
	if err != nil {
		t.Fatal(err)
	}
	signer, err := e.Keys.Signer("deploy-agent")
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := wal.FormatMessage("pr commit", "", nil)
	pr, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{main},
		Files: map[string][]byte{ship.Path: []byte(other)}, Message: msg,
		Author: e.signature(nil, "deploy-agent"), Committer: e.signature(nil, "deploy-agent"), Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	src := withPull{BranchSource{Store: e.Store}, pr}
	run := func() *ReconcileReport {
		t.Helper()
		rep, err := e.ReconcileWith(t.Context(), ReconcileOptions{Source: src})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	first := run()
	w, ok := func() (core.Wait, bool) { l, _ := e.Load(); return l.State.WaitOf(ship.Path) }()
	if len(first.Waited) != 1 || !ok || w.Commit != ship.Commit.String() {
		t.Fatalf("first run: %d wait entries, the wait at %s %+v (want the branch's, commit %s)", len(first.Waited), ship.Path, w, ship.Commit)
	}
	since := w.Since
	clock.t = clock.t.Add(time.Minute)
	before, _ := e.mainHead()
	rep := run()
	after, _ := e.mainHead()
	if len(rep.Waited) != 0 || after != before {
		l, _ := e.Load()
		w, _ := l.State.WaitOf(ship.Path)
		t.Fatalf("a rerun with nothing new wrote %d wait entries; the wait at %s started at %s and now at %s", len(rep.Waited), ship.Path, since, w.Since)
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "waiting pull/9: its own wait is not recorded: "+ship.Path+" waits since") {
		t.Fatalf("the report does not say pull/9 waits behind the recorded wait: %q", rep.Notes)
	}
	// The recorded wait keeps its start, so it times out three days on.
	clock.t = clock.t.Add(72 * time.Hour)
	rep = run()
	var timedOut bool
	for _, a := range rep.Applied {
		timedOut = timedOut || (a.Gate.Entry.Kind == core.KindTimeout && a.Gate.Pending.Path == ship.Path)
	}
	if !timedOut {
		t.Fatalf("three days after the wait started, no timeout entry: applied %d, waited %d, notes %q", len(rep.Applied), len(rep.Waited), rep.Notes)
	}
	if _, ok := func() (core.Wait, bool) { l, _ := e.Load(); return l.State.WaitOf(ship.Path) }(); ok && len(rep.Waited) == 0 {
		t.Fatal("a wait is still recorded after the timeout ended it")
	}
	mustReplay(t, e, ReplayOptions{})
}
