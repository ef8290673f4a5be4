package reconciler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/remotetest"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// remoteSetup is a control repo published on a git server: the seed repo
// that wrote genesis (and proposes), and the keys.
type remoteSetup struct {
	srv  *remotetest.Server
	seed *Engine
	keys local.KeyDir
}

// addOrigin points a Store's "origin" remote at url.
func addOrigin(t *testing.T, s *gitstore.Store, url string) {
	t.Helper()
	if err := s.AddRemote(&config.RemoteConfig{Name: "origin", URLs: []string{url},
		Fetch: []config.RefSpec{"+refs/heads/*:refs/remotes/origin/*"}}); err != nil {
		t.Fatal(err)
	}
}

// newRemote seeds a git server with a fresh control repo's main and
// checkpoint.
func newRemote(t *testing.T) *remoteSetup {
	t.Helper()
	seed, keys := newRepo(t)
	srv := remotetest.New(t)
	addOrigin(t, seed.Store, srv.URL)
	head, err := seed.mainHead()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := seed.Store.PushCAS(ctx, "origin", gitstore.MainRef, plumbing.ZeroHash, head); err != nil {
		t.Fatal(err)
	}
	if err := seed.Store.PushCheckpoint(ctx, "origin"); err != nil {
		t.Fatal(err)
	}
	return &remoteSetup{srv: srv, seed: seed, keys: keys}
}

// clone is a reconciler's own clone: an empty repository whose origin is
// the server; its first reconcile fetches everything.
func (r *remoteSetup) clone(t *testing.T) *Engine {
	t.Helper()
	store, err := gitstore.Init(filepath.Join(t.TempDir(), "clone"))
	if err != nil {
		t.Fatal(err)
	}
	addOrigin(t, store, r.srv.URL)
	clock := &fakeClock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	return &Engine{Store: store, Keys: r.keys, Now: clock.Now}
}

// propose makes create proposals for instances and pushes their branches.
func (r *remoteSetup) propose(t *testing.T, instances ...string) []*Proposed {
	t.Helper()
	var out []*Proposed
	for _, in := range instances {
		p, err := r.seed.Propose(ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
			Instance: in, Workflow: "release", Transition: "create", Owner: "web-team"}})
		if err != nil {
			t.Fatalf("propose %s: %v", in, err)
		}
		if err := r.seed.Store.PushCAS(context.Background(), "origin", "refs/heads/"+p.Branch, plumbing.ZeroHash, p.Commit); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// remoteMain reads the server's main.
func (r *remoteSetup) remoteMain(t *testing.T) plumbing.Hash {
	t.Helper()
	refs, err := r.seed.Store.RemoteRefs(context.Background(), "origin")
	if err != nil {
		t.Fatal(err)
	}
	return refs[gitstore.MainRef]
}

// verifyRemote checks the server's log from a fresh clone: it replays,
// holds want entries after genesis, and adds every proposal file once.
func (r *remoteSetup) verifyRemote(t *testing.T, want int) *ReplayResult {
	t.Helper()
	c := r.clone(t)
	rep, err := c.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin", Batch: 1})
	if err != nil {
		t.Fatalf("fresh clone: %v", err)
	}
	if len(rep.Applied) != 0 {
		t.Fatalf("fresh clone of a settled remote applied %d", len(rep.Applied))
	}
	res, err := c.Replay(ReplayOptions{Collect: true})
	if err != nil {
		t.Fatalf("replay of the remote's main: %v", err)
	}
	if len(res.Entries) != want+1 {
		t.Fatalf("remote main holds %d entries after genesis, want %d", len(res.Entries)-1, want)
	}
	paths, keys := map[string]int{}, map[string]int{}
	for _, v := range res.Entries[1:] {
		paths[v.Record.ProposalPath]++
		keys[v.Record.Entry.Proposal.Instance+"/"+v.Record.Entry.IdemKey]++
	}
	for p, n := range paths {
		if n != 1 {
			t.Errorf("%s applied %d times", p, n)
		}
	}
	for k, n := range keys {
		if n != 1 {
			t.Errorf("idem_key %s applied %d times", k, n)
		}
	}
	return res
}

func TestRemoteReconcile(t *testing.T) {
	r := newRemote(t)
	r.propose(t, "web-1", "web-2", "web-3")
	a := r.clone(t)
	rep, err := a.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Applied) != 3 || rep.Pushes != 1 || rep.Races != 0 {
		t.Fatalf("applied %d in %d pushes, %d races; notes %v", len(rep.Applied), rep.Pushes, rep.Races, rep.Notes)
	}
	// The applied proposals' branches are pruned on the server.
	if len(rep.Pruned) != 3 || rep.Pruned[0].Remote != "origin" {
		t.Fatalf("pruned %+v, want the 3 applied branches on origin; notes %v", rep.Pruned, rep.Notes)
	}
	if left := remoteProposalRefs(t, r); len(left) != 0 {
		t.Fatalf("after the run the server still holds %v", left)
	}
	if got := r.remoteMain(t); got != rep.Head {
		t.Fatalf("remote main %s, reconciler head %s", got, rep.Head)
	}
	// The checkpoint went along, and a fresh clone starts from it.
	refs, _ := r.seed.Store.RemoteRefs(context.Background(), "origin")
	cp, _ := a.Store.ReadCheckpoint()
	if refs[gitstore.CheckpointRef] != cp.Commit || cp.At != rep.Head {
		t.Fatalf("remote checkpoint %s, local %s at %s", refs[gitstore.CheckpointRef], cp.Commit, cp.At)
	}
	b := r.clone(t)
	if _, err := b.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin"}); err != nil {
		t.Fatal(err)
	}
	if res := mustReplay(t, b, ReplayOptions{FromCheckpoint: true}); res.Replayed != 0 || res.State.Hash() != rep.State.Hash() {
		t.Fatalf("fresh clone: replayed %d after the checkpoint, state %s want %s", res.Replayed, res.State.Hash(), rep.State.Hash())
	}
	// Again: nothing to do, and no branch left to read.
	rep, err = a.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin"})
	if err != nil || len(rep.Applied) != 0 || len(rep.Merged) != 0 || len(rep.Pruned) != 0 {
		t.Fatalf("second run: %v, applied %d, merged %d, pruned %d", err, len(rep.Applied), len(rep.Merged), len(rep.Pruned))
	}
	if b, _ := a.Store.RemoteBranches("origin", schemas.ProposalBranchPrefix); len(b) != 0 {
		t.Fatalf("tracking refs of pruned branches left: %v", b)
	}
	r.verifyRemote(t, 3)
}

func TestRemoteReconcileBatches(t *testing.T) {
	r := newRemote(t)
	r.propose(t, "web-1", "web-2", "web-3", "web-4", "web-5", "web-6")
	a := r.clone(t)
	// One round of two, then stop: more is ready.
	rep, err := a.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin", Batch: 2, Rounds: 1})
	if err != nil || len(rep.Applied) != 2 || rep.Pushes != 1 || !rep.More {
		t.Fatalf("one round: %v, applied %d in %d pushes, more %v", err, len(rep.Applied), rep.Pushes, rep.More)
	}
	// Then rounds of two until nothing is ready.
	rep, err = a.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin", Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Applied) != 4 || rep.Pushes != 2 || rep.More {
		t.Fatalf("applied %d in %d pushes (more %v), want 4 in 2", len(rep.Applied), rep.Pushes, rep.More)
	}
	r.verifyRemote(t, 6)
}

// TestRemoteLostRace: while a pushes its batch, b publishes first. a's
// push loses the compare-and-swap, a fetches, finds b's entries merged,
// and applies only what is left.
func TestRemoteLostRace(t *testing.T) {
	r := newRemote(t)
	r.propose(t, "web-1", "web-2", "web-3")
	a, b := r.clone(t), r.clone(t)
	interfered := false
	var brep *ReconcileReport
	rep, err := a.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin", Batch: 2,
		Crash: func(p CrashPoint) error {
			if p == CrashAfterCommitBeforePush && !interfered {
				interfered = true
				r.propose(t, "web-4")
				var err error
				brep, err = b.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin", Batch: 1})
				if err != nil {
					t.Errorf("b: %v", err)
				}
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Races != 1 || len(brep.Applied) != 4 || len(rep.Applied) != 0 {
		t.Fatalf("a: %d races, applied %d; b applied %d", rep.Races, len(rep.Applied), len(brep.Applied))
	}
	r.verifyRemote(t, 4)
}

// errStop is what test crash hooks return.
var errStop = errors.New("test stops here")

func TestRemoteRaceRetriesAreBounded(t *testing.T) {
	r := newRemote(t)
	r.propose(t, "web-1")
	a, b := r.clone(t), r.clone(t)
	n := 0
	var waits []time.Duration
	_, err := a.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin", Retries: 2,
		Backoff: func(retry int) time.Duration {
			waits = append(waits, time.Duration(retry)*time.Millisecond)
			return time.Millisecond
		},
		Crash: func(p CrashPoint) error {
			if p == CrashAfterCommitBeforePush {
				// Someone else always gets there first: b publishes one
				// entry (other-n sorts before web-1) and stops.
				n++
				r.propose(t, fmt.Sprintf("other-%d", n))
				_, err := b.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin", Batch: 1,
					Crash: func(p CrashPoint) error {
						if p == CrashAfterPushBeforeCheckpoint {
							return errStop
						}
						return nil
					}})
				if !errors.Is(err, errStop) {
					t.Errorf("b: %v", err)
				}
			}
			return nil
		}})
	if !errors.Is(err, gitstore.ErrRefMoved) || !strings.Contains(err.Error(), "gave up after 3 lost races") {
		t.Fatalf("want a bounded give-up wrapping ErrRefMoved, got %v", err)
	}
	if len(waits) != 2 {
		t.Fatalf("backoff called %d times, want 2", len(waits))
	}
	// The next run, unhindered, applies web-1.
	if rep, err := a.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin"}); err != nil || len(rep.Applied) != 1 {
		t.Fatalf("next run: %v", err)
	}
	r.verifyRemote(t, 4)
}

func TestRemoteRewrittenMainIsRefused(t *testing.T) {
	r := newRemote(t)
	r.propose(t, "web-1", "web-2")
	a := r.clone(t)
	// The branches stay, so that the entry the rewrite drops can apply
	// again once a human accepts it.
	opts := ReconcileOptions{Remote: "origin", KeepBranches: true}
	if _, err := a.ReconcileWith(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	// Someone with force-push rights moves the remote main back one entry.
	head := r.remoteMain(t)
	c, _ := a.Store.Commit(head)
	forced := filepath.Join(r.srv.Dir, "refs", "heads", "main")
	if err := os.WriteFile(forced, []byte(c.ParentHashes[0].String()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // and it stays refused
		_, err := a.ReconcileWith(context.Background(), opts)
		if !errors.Is(err, ErrRewritten) || !strings.Contains(err.Error(), "update-ref -d refs/remotes/origin/main") {
			t.Fatalf("run %d on a rewritten remote main: %v", i, err)
		}
	}
	// A human accepts the rewrite: the dropped proposal is applied again.
	if err := a.Store.DeleteRef("refs/remotes/origin/main"); err != nil {
		t.Fatal(err)
	}
	rep, err := a.ReconcileWith(context.Background(), opts)
	if err != nil || len(rep.Applied) != 1 {
		t.Fatalf("after accepting: %v, applied %d", err, len(rep.Applied))
	}
	r.verifyRemote(t, 2)
}

// TestRemoteStaleLocalCheckpoint: a local-only reconcile in the clone
// wrote an entry and a checkpoint the remote never saw. Remote mode resets
// main, finds the checkpoint off main, replays from scratch, rewrites it.
func TestRemoteStaleLocalCheckpoint(t *testing.T) {
	r := newRemote(t)
	r.propose(t, "web-1")
	a := r.clone(t)
	if _, err := a.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin"}); err != nil {
		t.Fatal(err)
	}
	// A local proposal, reconciled locally only.
	if _, err := a.Propose(ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
		Instance: "local-1", Workflow: "release", Transition: "create", Owner: "web-team"}}); err != nil {
		t.Fatal(err)
	}
	reconcile(t, a, 1)
	// Without a remote checkpoint to adopt, the stale local one is what
	// the remote mode meets.
	if err := os.Remove(filepath.Join(r.srv.Dir, filepath.FromSlash(gitstore.CheckpointRef))); err != nil {
		t.Fatal(err)
	}
	r.propose(t, "web-2")
	rep, err := a.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Applied) != 1 || !strings.HasPrefix(rep.Applied[0].Gate.Pending.Branch, "proposals/web-2/") {
		t.Fatalf("applied %+v", rep.Applied)
	}
	notes := strings.Join(rep.Notes, "\n")
	if !strings.Contains(notes, "never pushed") || !strings.Contains(notes, "replayed main from the start") {
		t.Fatalf("notes do not tell the repair:\n%s", notes)
	}
	res := mustReplay(t, a, ReplayOptions{})
	if res.CheckpointAt != rep.Head {
		t.Fatalf("checkpoint at %s, head %s", res.CheckpointAt, rep.Head)
	}
	if _, ok := instanceOf(t, res.State, "local-1"); ok {
		t.Fatalf("the unpublished local entry survived the reset")
	}
	r.verifyRemote(t, 2)
}

// TestRemoteForgedCheckpointIgnored: a checkpoint pushed by someone who is
// not the reconciler is not adopted.
func TestRemoteForgedCheckpointIgnored(t *testing.T) {
	r := newRemote(t)
	r.propose(t, "web-1")
	a := r.clone(t)
	if _, err := a.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin"}); err != nil {
		t.Fatal(err)
	}
	// deploy-agent signs a checkpoint that claims web-1 is gone.
	res := mustReplay(t, a, ReplayOptions{FromCheckpoint: true})
	prev := mustReplay(t, r.seed, ReplayOptions{FromCheckpoint: true})
	full, err := r.seed.RestoreBuckets(prev.State, prev.Checkpoint, prev.State.Unrestored())
	if err != nil {
		t.Fatal(err)
	}
	snap, err := full.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := r.keys.Signer("deploy-agent")
	forged, err := a.Store.WriteCheckpoint(plumbing.ZeroHash, res.Head, snap, nil, signer, a.signature(nil, "deploy-agent"))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.PushCheckpoint(context.Background(), "origin"); err != nil {
		t.Fatal(err)
	}
	b := r.clone(t)
	rep, err := b.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "remote checkpoint not used") {
		t.Fatalf("forged checkpoint %s adopted; notes %v", forged, rep.Notes)
	}
	if _, ok := instanceOf(t, rep.State, "web-1"); !ok || rep.State.Hash() != res.State.Hash() {
		t.Fatalf("state after ignoring the forged checkpoint: %s, want %s", rep.State.Hash(), res.State.Hash())
	}
}

// TestRemoteClosedProposalNotApplied: a proposal branch deleted on the
// remote (a closed pull request) is pruned, never applied from a stale
// local copy.
func TestRemoteClosedProposalNotApplied(t *testing.T) {
	r := newRemote(t)
	ps := r.propose(t, "web-1")
	a := r.clone(t)
	// a saw the proposal in an earlier fetch; then it is closed.
	if err := a.Store.Fetch(context.Background(), "origin", remoteRefspecs("origin")...); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(r.srv.Dir, "refs", "heads", filepath.FromSlash(ps[0].Branch))); err != nil {
		t.Fatal(err)
	}
	rep, err := a.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin"})
	if err != nil || len(rep.Applied) != 0 {
		t.Fatalf("closed proposal: %v, applied %d", err, len(rep.Applied))
	}
}

// A reconciler-signed remote checkpoint whose head is sound but one of
// whose buckets does not match it is not adopted: adoption reads all of it.
func TestRemoteCheckpointWithBadBucketIgnored(t *testing.T) {
	r := newRemote(t)
	r.propose(t, "web-1")
	a := r.clone(t)
	if _, err := a.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin"}); err != nil {
		t.Fatal(err)
	}
	res := mustReplay(t, a, ReplayOptions{FromCheckpoint: true})
	cp, err := a.Store.ReadCheckpoint()
	if err != nil {
		t.Fatal(err)
	}
	path := core.BucketPath(core.BucketOf("web-1"))
	old, err := a.Store.ReadCheckpointFile(cp, path)
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(old, []byte(`"state":"draft"`), []byte(`"state":"approved"`), 1)
	if bytes.Equal(bad, old) {
		t.Fatalf("did not tamper %s", old)
	}
	id := res.State.Rules().Config.Reconciler.Identity
	signer, err := r.keys.Signer(id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.WriteCheckpoint(cp.Commit, cp.At, map[string][]byte{gitstore.CheckpointHead: cp.Head, path: bad}, nil,
		signer, a.signature(res.State.Rules(), id)); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.PushCheckpoint(context.Background(), "origin"); err != nil {
		t.Fatal(err)
	}
	b := r.clone(t)
	rep, err := b.ReconcileWith(context.Background(), ReconcileOptions{Remote: "origin"})
	if err != nil {
		t.Fatal(err)
	}
	if notes := strings.Join(rep.Notes, "\n"); !strings.Contains(notes, "remote checkpoint not used") || !strings.Contains(notes, path) {
		t.Fatalf("checkpoint with a bad bucket adopted; notes %v", rep.Notes)
	}
	if rep.State.Hash() != res.State.Hash() {
		t.Fatalf("state %s, want %s", rep.State.Hash(), res.State.Hash())
	}
}

// remoteProposalRefs lists the server's proposal branches and decision
// refs.
func remoteProposalRefs(t *testing.T, r *remoteSetup) []string {
	t.Helper()
	refs, err := r.seed.Store.RemoteRefs(context.Background(), "origin")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for name := range refs {
		if strings.HasPrefix(name, "refs/heads/"+schemas.ProposalBranchPrefix) || strings.HasPrefix(name, wal.DecisionRefPrefix) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
