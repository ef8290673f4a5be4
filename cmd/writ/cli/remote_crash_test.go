package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/writ-dev/writ/reconciler"
)

// TestRemoteCrash kills `writ reconcile --remote origin` (a separate
// process) at every crash point, checks it died there and left what a
// crash there leaves, then runs a normal reconcile in the same clone and
// proves that nothing was lost or applied twice, the log replays, and the
// checkpoint is repaired and published.
func TestRemoteCrash(t *testing.T) {
	writBinary(t)
	for _, tt := range []struct {
		point reconciler.CrashPoint
		// entries on the server's main right after the crash (batch 2)
		published int
		// the crashed clone's main holds entries the server does not
		localAhead bool
	}{
		{reconciler.CrashAfterCommitBeforeCAS, 0, false},
		{reconciler.CrashAfterCommitBeforePush, 0, true},
		{reconciler.CrashAfterPushBeforeCheckpoint, 2, false},
		{reconciler.CrashAfterApplyBeforeReport, 3, false},
	} {
		t.Run(string(tt.point), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newRemoteFixture(t, 3)
			clone := f.clone("reconciler")
			serverCP := strings.TrimSpace(f.g.run(f.srv.Dir, "rev-parse", "refs/writ/checkpoint"))

			r := f.reconcile(ctx, clone, []string{CrashEnv + "=" + string(tt.point)}, "--batch", "2")
			if r.code != ExitCrash || !strings.Contains(r.err, "crash injected at "+string(tt.point)) {
				t.Fatalf("want exit %d at %s, got %s", ExitCrash, tt.point, r)
			}
			serverMain := strings.TrimSpace(f.g.run(f.srv.Dir, "rev-parse", "main"))
			if n := len(strings.Fields(f.g.run(f.srv.Dir, "rev-list", "--first-parent", "main"))) - 1; n != tt.published {
				t.Fatalf("after the crash the server holds %d entries, want %d", n, tt.published)
			}
			localMain := strings.TrimSpace(f.g.run(clone, "rev-parse", "main"))
			if ahead := localMain != serverMain; ahead != tt.localAhead {
				t.Fatalf("clone's main ahead of the server: %v, want %v", ahead, tt.localAhead)
			}
			if tt.point == reconciler.CrashAfterPushBeforeCheckpoint {
				if cp := strings.TrimSpace(f.g.run(f.srv.Dir, "rev-parse", "refs/writ/checkpoint")); cp != serverCP {
					t.Fatalf("the server's checkpoint moved before the checkpoint step")
				}
			}
			if tt.point == reconciler.CrashAfterCommitBeforeCAS {
				// The entry commit exists but nothing reaches it: an
				// unreachable object, which git fsck reports and gc
				// would prune; the repository is otherwise sound.
				out := f.g.run(clone, "fsck", "--unreachable", "--no-reflogs")
				var orphan string
				for _, l := range strings.Split(out, "\n") {
					if strings.HasPrefix(l, "unreachable commit ") {
						orphan = strings.TrimPrefix(l, "unreachable commit ")
					}
				}
				if orphan == "" {
					t.Fatalf("no unreachable commit after a crash between writing and the CAS:\n%s", out)
				}
				if msg := f.g.run(clone, "cat-file", "-p", orphan); !strings.Contains(msg, "Writ-Kind: transition") {
					t.Fatalf("the unreachable commit is not a WAL entry:\n%s", msg)
				}
				f.g.run(clone, "fsck", "--strict", "--no-dangling")
				writWant(t, ExitOK, "--repo", clone, "replay")
			}

			// The next run repairs or resumes.
			r = f.reconcile(ctx, clone, nil, "--batch", "2")
			if r.code != ExitOK {
				t.Fatalf("next run: %s", r)
			}
			if e, _, _, _ := summary(r.out); e+tt.published != 3 {
				t.Fatalf("next run applied %d after %d published, want 3 in all:\n%s", e, tt.published, r)
			}
			if tt.localAhead && !strings.Contains(r.err, "never pushed") {
				t.Errorf("next run does not say it dropped the unpushed entries:\n%s", r)
			}
			// It pruned the three closed proposals on the server (also those
			// the crashed run published), so the one after has nothing to read.
			if n := strings.Count(r.out, "pruned proposals/"); n != 3 || !strings.Contains(r.out, " on origin (was ") {
				t.Fatalf("next run pruned %d proposals on origin, want 3:\n%s", n, r)
			}
			r = f.reconcile(ctx, clone, nil)
			if e, _, _, _ := summary(r.out); r.code != ExitOK || e != 0 || !strings.Contains(r.out, "nothing to do: no open proposals") {
				t.Fatalf("third run: %s", r)
			}
			writWant(t, ExitOK, "--repo", clone, "replay")
			f.verifyRemote()
		})
	}
}

func TestCrashEnvRejectsUnknownPoint(t *testing.T) {
	t.Setenv(CrashEnv, "after-lunch")
	dir := newControlRepo(t)
	r := runWrit("--repo", dir, "reconcile")
	if r.code != ExitFailure || !strings.Contains(r.err, "unknown crash point \"after-lunch\" (allowed: after-commit-before-cas") {
		t.Fatalf("unknown crash point: %s", r)
	}
}

func TestReconcileFlagErrors(t *testing.T) {
	dir := newControlRepo(t)
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"negative batch", []string{"--batch", "-1"}, "batch -1, rounds 0: want 0 (no cap) or more"},
		{"unknown remote", []string{"--remote", "nope"}, "fetch nope: remote not found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runWrit(append([]string{"--repo", dir, "reconcile"}, tt.args...)...)
			if r.code != ExitFailure || !strings.Contains(r.err, tt.want) {
				t.Fatalf("want exit 1 saying %q, got %s", tt.want, r)
			}
		})
	}
}
