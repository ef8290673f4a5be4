package reconciler

import (
	"bytes"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// changedFiles lists the files a checkpoint commit changed against its
// parent checkpoint.
func changedFiles(t *testing.T, e *Engine, cp plumbing.Hash) []string {
	t.Helper()
	c, err := e.Store.Commit(cp)
	if err != nil || len(c.ParentHashes) != 1 {
		t.Fatalf("checkpoint %s: %v", cp, err)
	}
	files, err := e.Store.ChangedFiles(c.ParentHashes[0], cp)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// A reconcile rewrites only the snapshot files its entries changed: the
// head and the bucket of the instance it moved, however many others exist.
func TestCheckpointRewritesOnlyChangedBuckets(t *testing.T) {
	e, _ := newRepo(t)
	for _, id := range []string{"a-1", "b-2", "c-3", "d-4", "e-5"} {
		if _, err := e.Propose(ProposeRequest{As: "deploy-agent", Proposal: schemas.Proposal{
			Instance: id, Workflow: "release", Transition: "create"}}); err != nil {
			t.Fatal(err)
		}
	}
	reconcile(t, e, 5)
	propose(t, e, "deploy-agent", "create", nil) // web-1
	reconcile(t, e, 1)
	cp, err := e.Store.ReadCheckpoint()
	if err != nil {
		t.Fatal(err)
	}
	got := changedFiles(t, e, cp.Commit)
	want := []string{core.BucketPath(core.BucketOf("web-1")), gitstore.CheckpointHead}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("checkpoint changed %q, want %q", got, want)
	}
	all, err := e.Store.ListFiles(cp.Commit, "")
	if err != nil || len(all) < 4 {
		t.Fatalf("checkpoint holds %q (%v), want a head and several buckets", all, err)
	}
	// The state restored from the checkpoint, with every bucket, is the
	// replayed one.
	full := mustReplay(t, e, ReplayOptions{})
	fromCP := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	loaded, err := e.RestoreBuckets(fromCP.State, fromCP.Checkpoint, fromCP.State.Unrestored())
	if err != nil || loaded.Hash() != full.State.Hash() || loaded.Len() != full.State.Len() {
		t.Fatalf("checkpoint state %s (%d instances, %v), replay %s (%d)", loaded.Hash(), loaded.Len(), err, full.State.Hash(), full.State.Len())
	}
}

// A state restored from a checkpoint holds only the snapshot's head: gating
// a proposal on an instance whose bucket was not restored is an error that
// names the instance and the bucket file, not a panic; restoring the
// bucket the proposal needs (intake.Pending.Needs, RestoreBuckets) makes it gate.
func TestGateNeedsRestoredBucket(t *testing.T) {
	e, _ := newRepo(t)
	propose(t, e, "deploy-agent", "create", nil)
	reconcile(t, e, 1)
	propose(t, e, "deploy-agent", "verify", nil)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	if res.Checkpoint.IsZero() {
		t.Fatal("no checkpoint to restore from")
	}
	p := onlyPending(t, e, res)
	path := core.BucketPath(core.BucketOf("web-1"))
	if need := p.Needs(res.State); len(need) != 1 || core.BucketPath(need[0]) != path {
		t.Fatalf("Needs = %v, want web-1's bucket %s", need, path)
	}
	_, err := intake.Gate(res.State, p, core.NextHLC(res.State.Clock().HLC, 1<<50))
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `"web-1"`) {
		t.Fatalf("gate without the bucket: %v, want an error naming web-1 and %s", err, path)
	}
	state, err := e.RestoreBuckets(res.State, res.Checkpoint, p.Needs(res.State))
	if err != nil {
		t.Fatal(err)
	}
	if g := mustGate(t, state, p, core.NextHLC(state.Clock().HLC, 1<<50)); g.Verdict != intake.VerdictReady {
		t.Fatalf("gate after restoring: %s %s", g.Verdict, g.Reason)
	}
	if _, err := e.RestoreBuckets(res.State, plumbing.ZeroHash, p.Needs(res.State)); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("restore without a checkpoint: %v", err)
	}
}

// onlyPending returns the one proposal not merged yet.
func onlyPending(t *testing.T, e *Engine, res *ReplayResult) intake.Pending {
	t.Helper()
	all, err := e.ListPending(res.State.Rules(), res.Head)
	if err != nil {
		t.Fatal(err)
	}
	var open []intake.Pending
	for _, p := range all {
		if !p.Merged {
			open = append(open, p)
		}
	}
	if len(open) != 1 {
		t.Fatalf("%d open proposals, want 1", len(open))
	}
	return open[0]
}

// A checkpoint whose bucket does not match the hash its head records is
// refused, naming the checkpoint, when an entry needs that bucket.
func TestCorruptCheckpointBucketIsRefused(t *testing.T) {
	e, keys := newRepo(t)
	propose(t, e, "deploy-agent", "create", nil)
	reconcile(t, e, 1)
	cp, err := e.Store.ReadCheckpoint()
	if err != nil {
		t.Fatal(err)
	}
	path := core.BucketPath(core.BucketOf("web-1"))
	old, err := e.Store.ReadCheckpointFile(cp, path)
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(old, []byte(`"state":"draft"`), []byte(`"state":"approved"`), 1)
	if bytes.Equal(bad, old) {
		t.Fatalf("did not tamper %s", old)
	}
	propose(t, e, "deploy-agent", "verify", nil) // waits for the next reconcile
	st := mustReplay(t, e, ReplayOptions{FromCheckpoint: true}).State
	id := st.Rules().Config.Reconciler.Identity
	signer, err := keys.Signer(id)
	if err != nil {
		t.Fatal(err)
	}
	sig := e.signature(st.Rules(), id)
	forgedCP, err := e.Store.WriteCheckpoint(cp.Commit, cp.At, map[string][]byte{gitstore.CheckpointHead: cp.Head, path: bad}, nil, signer, sig)
	if err != nil {
		t.Fatal(err)
	}
	// Restoring reads only the head, which is intact.
	res, err := e.Replay(ReplayOptions{FromCheckpoint: true})
	if err != nil {
		t.Fatalf("restore of a checkpoint with an intact head: %v", err)
	}
	if _, err := e.RestoreBuckets(res.State, res.Checkpoint, res.State.Missing("web-1")); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("restoring a tampered bucket: %v, want an error naming %s", err, path)
	}
	// The next entry on web-1 needs the bucket.
	if _, err := e.Reconcile(); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("reconcile on a tampered checkpoint: %v, want an error naming %s", err, path)
	}
	if err := e.Store.CompareAndSwap(gitstore.CheckpointRef, forgedCP, cp.Commit); err != nil {
		t.Fatal(err)
	}
	reconcile(t, e, 1)
	// An entry after the forged checkpoint makes replay from it read the
	// bucket: a TamperError naming the checkpoint.
	head, _ := e.Store.Ref(gitstore.MainRef)
	forgedCP2, err := e.Store.WriteCheckpoint(cp.Commit, cp.At, map[string][]byte{gitstore.CheckpointHead: cp.Head, path: bad}, nil, signer, sig)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Replay(ReplayOptions{FromCheckpoint: true})
	te := wantTamper(t, err, "checkpoint")
	if te.Commit != forgedCP2 {
		t.Fatalf("tamper error names %s, want the checkpoint %s (main %s)", te.Commit, forgedCP2, head)
	}
}

// A checkpoint in an older format (a tree holding only state.json), or one
// whose head has another version, is not used: replay starts from the
// first entry, and the next reconcile replaces it with a whole snapshot.
func TestOlderCheckpointFormatIsReplaced(t *testing.T) {
	tests := []struct {
		name  string
		files map[string][]byte
	}{
		{"single state.json", map[string][]byte{"state.json": []byte(`{"version":1}`)}},
		{"head of another version", map[string][]byte{gitstore.CheckpointHead: []byte(`{"version":99,"anything":true}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, keys := newRepo(t)
			propose(t, e, "deploy-agent", "create", nil)
			reconcile(t, e, 1)
			cp, err := e.Store.ReadCheckpoint()
			if err != nil {
				t.Fatal(err)
			}
			st := mustReplay(t, e, ReplayOptions{}).State
			id := st.Rules().Config.Reconciler.Identity
			signer, err := keys.Signer(id)
			if err != nil {
				t.Fatal(err)
			}
			sig := e.signature(st.Rules(), id)
			msg, err := wal.CheckpointMessage(cp.At.String())
			if err != nil {
				t.Fatal(err)
			}
			old, err := e.Store.WriteCommit(gitstore.CommitRequest{Files: tt.files, BaseTree: plumbing.ZeroHash,
				Message: msg, Author: sig, Committer: sig, Signer: signer})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Store.CompareAndSwap(gitstore.CheckpointRef, cp.Commit, old); err != nil {
				t.Fatal(err)
			}
			fresh := &Engine{Store: e.Store, Keys: e.Keys, Now: e.Now} // knows no checkpoint
			full := mustReplay(t, fresh, ReplayOptions{})
			res := mustReplay(t, fresh, ReplayOptions{FromCheckpoint: true})
			if res.Replayed != full.Replayed || res.State.Hash() != full.State.Hash() || !res.Checkpoint.IsZero() {
				t.Fatalf("from an old checkpoint: replayed %d of %d, checkpoint %s", res.Replayed, full.Replayed, res.Checkpoint)
			}
			propose(t, fresh, "deploy-agent", "verify", nil)
			reconcile(t, fresh, 1)
			files, err := e.Store.ListFiles(mustRef(t, e, gitstore.CheckpointRef), "")
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if f != gitstore.CheckpointHead && !strings.HasPrefix(f, "buckets/") {
					t.Fatalf("the new checkpoint kept %s from the old one: %q", f, files)
				}
			}
			if got := mustReplay(t, fresh, ReplayOptions{FromCheckpoint: true}); got.Replayed != 0 || got.Checkpoint.IsZero() {
				t.Fatalf("after the reconcile: replayed %d from checkpoint %s", got.Replayed, got.Checkpoint)
			}
		})
	}
}

func mustRef(t *testing.T, e *Engine, name string) plumbing.Hash {
	t.Helper()
	h, err := e.Store.Ref(name)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// gitstore requires the head file the reconciler's snapshot writes.
func TestCheckpointHeadIsTheSnapshotHead(t *testing.T) {
	if gitstore.CheckpointHead != core.SnapshotHead {
		t.Fatalf("gitstore wants %s, the snapshot's head is %s", gitstore.CheckpointHead, core.SnapshotHead)
	}
}
