package reconciler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/gitstore"
)

// crashAt returns a crash hook that stops the reconcile the first time it
// reaches point.
func crashAt(point CrashPoint) func(CrashPoint) error {
	done := false
	return func(p CrashPoint) error {
		if p == point && !done {
			done = true
			return errStop
		}
		return nil
	}
}

// TestCrashRemote kills a remote reconcile at every crash point and shows
// that the next run, in the same clone, finishes the job: every proposal
// applied exactly once, the log replays, the checkpoint is repaired and
// published.
func TestCrashRemote(t *testing.T) {
	for _, tt := range []struct {
		point CrashPoint
		// entries on the remote's main right after the crash
		published int
		// the crashed run's local main is ahead of the remote
		localAhead bool
	}{
		{CrashAfterCommitBeforeCAS, 0, false},
		{CrashAfterCommitBeforePush, 0, true},
		{CrashAfterPushBeforeCheckpoint, 2, false},
		{CrashAfterApplyBeforeReport, 3, false},
	} {
		t.Run(string(tt.point), func(t *testing.T) {
			ctx := context.Background()
			r := newRemote(t)
			r.propose(t, "web-1", "web-2", "web-3")
			genesis := r.remoteMain(t)
			a := r.clone(t)
			_, err := a.ReconcileWith(ctx, ReconcileOptions{Remote: "origin", Batch: 2, Crash: crashAt(tt.point)})
			if !errors.Is(err, errStop) {
				t.Fatalf("want the injected crash, got %v", err)
			}
			remote := replayRemote(t, r)
			if got := remote.Replayed - 1; got != tt.published {
				t.Fatalf("after the crash the remote holds %d entries, want %d", got, tt.published)
			}
			local, _ := a.mainHead()
			if ahead := local != r.remoteMain(t); ahead != tt.localAhead {
				t.Fatalf("local main ahead of the remote: %v, want %v", ahead, tt.localAhead)
			}
			if tt.point == CrashAfterPushBeforeCheckpoint {
				refs, _ := a.Store.RemoteRefs(ctx, "origin")
				cp, _ := a.Store.ReadCheckpointCommit(refs[gitstore.CheckpointRef])
				if cp.At != genesis {
					t.Fatalf("the remote checkpoint moved before the checkpoint step")
				}
			}

			rep, err := a.ReconcileWith(ctx, ReconcileOptions{Remote: "origin", Batch: 2})
			if err != nil {
				t.Fatalf("next run: %v", err)
			}
			if got := len(rep.Applied) + tt.published; got != 3 {
				t.Fatalf("next run applied %d after %d published, want 3 in all", len(rep.Applied), tt.published)
			}
			// It pruned every branch on the server, also those the crashed
			// run published (merged), so the one after it has nothing to read.
			if left := remoteProposalRefs(t, r); len(left) != 0 {
				t.Fatalf("after the next run the server still holds %v", left)
			}
			if rep, err := a.ReconcileWith(ctx, ReconcileOptions{Remote: "origin"}); err != nil || len(rep.Applied) != 0 || len(rep.Merged) != 0 {
				t.Fatalf("third run: %v, applied %d, merged %d", err, len(rep.Applied), len(rep.Merged))
			}
			r.verifyRemote(t, 3)
			refs, _ := a.Store.RemoteRefs(ctx, "origin")
			cp, err := a.Store.ReadCheckpoint()
			if err != nil || cp.At != refs[gitstore.MainRef] || refs[gitstore.CheckpointRef] != cp.Commit {
				t.Fatalf("checkpoint not repaired: local %s at %s, remote %s, main %s (%v)",
					cp.Commit, cp.At, refs[gitstore.CheckpointRef], refs[gitstore.MainRef], err)
			}
			mustReplay(t, a, ReplayOptions{})
		})
	}
}

// TestCrashLocal does the same without a remote: the local main is the log.
func TestCrashLocal(t *testing.T) {
	for _, point := range []CrashPoint{CrashAfterCommitBeforeCAS, CrashAfterPushBeforeCheckpoint, CrashAfterApplyBeforeReport} {
		t.Run(string(point), func(t *testing.T) {
			e, _ := newRepo(t)
			propose(t, e, "deploy-agent", "create", nil)
			_, err := e.ReconcileWith(context.Background(), ReconcileOptions{Crash: crashAt(point)})
			if !errors.Is(err, errStop) {
				t.Fatalf("want the injected crash, got %v", err)
			}
			// The log verifies after the crash, whatever the checkpoint.
			mustReplay(t, e, ReplayOptions{})
			rep, err := e.Reconcile()
			if err != nil {
				t.Fatal(err)
			}
			res := mustReplay(t, e, ReplayOptions{Collect: true})
			if len(res.Entries) != 2 || res.CheckpointAt != res.Head {
				t.Fatalf("after the next run: %d entries, checkpoint at %s, head %s (applied %d)", len(res.Entries), res.CheckpointAt, res.Head, len(rep.Applied))
			}
		})
	}
}

// replayRemote replays the remote's main in a fresh clone, without
// reconciling.
func replayRemote(t *testing.T, r *remoteSetup) *ReplayResult {
	t.Helper()
	c := r.clone(t)
	if _, err := c.fetchRemote(context.Background(), "origin", &ReconcileReport{}); err != nil {
		t.Fatal(err)
	}
	res, err := c.replayIgnoringCheckpoint(r.remoteMain(t))
	if err != nil {
		t.Fatalf("replay of the remote's main: %v", err)
	}
	return res
}

func TestParseCrashPoint(t *testing.T) {
	for _, p := range CrashPoints {
		if got, err := ParseCrashPoint(string(p)); err != nil || got != p {
			t.Errorf("ParseCrashPoint(%q) = %q, %v", p, got, err)
		}
	}
	_, err := ParseCrashPoint("after-lunch")
	if err == nil || !strings.Contains(err.Error(), "allowed: after-commit-before-cas, after-commit-before-push") {
		t.Errorf("unknown point: %v", err)
	}
}

func TestExpBackoff(t *testing.T) {
	half := func(d time.Duration) time.Duration { return d / 2 }
	for _, tt := range []struct {
		name   string
		jitter func(time.Duration) time.Duration
		want   []time.Duration
	}{
		{"no jitter", nil, []time.Duration{10, 20, 40, 80, 100, 100}},
		{"half", half, []time.Duration{5, 10, 20, 40, 50, 50}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := ExpBackoff(10, 100, tt.jitter)
			for i, w := range tt.want {
				if got := b(i + 1); got != w {
					t.Errorf("retry %d: %v, want %v", i+1, got, w)
				}
			}
		})
	}
}
