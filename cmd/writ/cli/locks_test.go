package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReconcileAfterLeftoverLocks: a reconciler killed while holding a ref
// lock leaves "<ref>.lock" behind, empty or holding the value it was about
// to write. The next reconcile in that clone, started right away, local or
// against the remote, succeeds: listing refs skips the lock file and the
// abandoned lock is recovered, never removed by hand.
func TestReconcileAfterLeftoverLocks(t *testing.T) {
	writBinary(t)
	for _, tt := range []struct {
		name, ref string
		withID    bool
		remote    bool
	}{
		{"main empty local", "refs/heads/main", false, false},
		{"main with id local", "refs/heads/main", true, false},
		{"checkpoint local", "refs/writ/checkpoint", true, false},
		{"proposal empty local", "refs/heads/PROPOSAL", false, false},
		{"main empty remote", "refs/heads/main", false, true},
		{"main with id remote", "refs/heads/main", true, true},
		{"checkpoint empty remote", "refs/writ/checkpoint", false, true},
		{"tracking main empty remote", "refs/remotes/origin/main", false, true},
		{"tracking main with id remote", "refs/remotes/origin/main", true, true},
		{"tracking proposal remote", "refs/remotes/origin/PROPOSAL", false, true},
		{"tracking checkpoint remote", "refs/writ/remotes/origin/checkpoint", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newRemoteFixture(t, 1)
			clone := f.clone("reconciler")
			// The refs a remote reconcile has after its first fetch.
			f.g.run(clone, "fetch", "-q", "origin", "+refs/writ/*:refs/writ/remotes/origin/*")
			f.g.run(clone, "update-ref", "refs/writ/checkpoint", "refs/writ/remotes/origin/checkpoint")
			branch := strings.TrimSpace(f.g.run(clone, "for-each-ref", "--format=%(refname:lstrip=3)", "refs/remotes/origin/proposals/"))
			f.g.run(clone, "branch", "-q", branch, "origin/"+branch)
			ref := strings.ReplaceAll(tt.ref, "PROPOSAL", branch)
			data := ""
			if tt.withID {
				data = strings.TrimSpace(f.g.run(clone, "rev-parse", "refs/heads/"+branch)) + "\n"
			}
			lock := filepath.Join(clone, ".git", filepath.FromSlash(ref)+".lock")
			if err := os.MkdirAll(filepath.Dir(lock), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(lock, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			var r procResult
			if tt.remote {
				r = f.reconcile(context.Background(), clone, nil)
			} else {
				r = f.run(context.Background(), nil, "--repo", clone, "--keys", f.keys, "reconcile")
			}
			if r.code != ExitOK || !strings.Contains(r.out, "applied "+branch) {
				t.Fatalf("reconcile with %s left behind: %s", ref+".lock", r)
			}
			writWant(t, ExitOK, "--repo", clone, "replay")
			if tt.remote {
				f.verifyRemote()
			}
			f.g.run(clone, "fsck", "--strict", "--no-dangling")
		})
	}
}
