// Package enginetest builds control repos through the reconcile loop for
// the tests of the packages below it (replay's external tests): a fresh
// repo from the release example, proposals, approvals and reconciles, and
// tampered heads. The root package's own tests cannot import it (it
// imports the root) and keep their copies of these few helpers.
package enginetest

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/schemas"
)

// FakeClock ticks one second per reading, so tests never depend on the
// machine's clock.
type FakeClock struct{ T time.Time }

// Now advances the clock by one second and reads it.
func (c *FakeClock) Now() time.Time {
	c.T = c.T.Add(time.Second)
	return c.T
}

// NewRepo makes a fresh control repo from the release example.
func NewRepo(t *testing.T) (*reconciler.Engine, local.KeyDir) {
	t.Helper()
	e, keys, _ := newRepo(t, fixtures.Release())
	return e, keys
}

// ShipRepoWith makes a fresh control repo from the release example whose
// ship transition has lines (YAML indented as its keys) added, with the
// clock the engine reads, for the test to move.
func ShipRepoWith(t *testing.T, lines string) (*reconciler.Engine, *FakeClock) {
	t.Helper()
	const path, ship = "workflows/release.yaml", "    policy: release-approval\n    materiality: high\n"
	tmpl := fstest.MapFS{}
	err := fs.WalkDir(fixtures.Release(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fixtures.Release(), p)
		tmpl[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	wf := string(tmpl[path].Data)
	if !strings.Contains(wf, ship) {
		t.Fatal("the release example's ship transition changed: update ShipRepoWith")
	}
	tmpl[path] = &fstest.MapFile{Data: []byte(strings.Replace(wf, ship, ship+lines, 1))}
	e, _, clock := newRepo(t, tmpl)
	return e, clock
}

func newRepo(t *testing.T, tmpl fs.FS) (*reconciler.Engine, local.KeyDir, *FakeClock) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "control")
	store, err := gitstore.Init(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys := local.KeyDir{Dir: filepath.Join(t.TempDir(), "keys")}
	clock := &FakeClock{T: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	e := &reconciler.Engine{Store: store, Keys: keys, Now: clock.Now}
	if _, err := e.Init(tmpl, keys); err != nil {
		t.Fatal(err)
	}
	return e, keys, clock
}

// Propose proposes a transition of instance web-1 as who.
func Propose(t *testing.T, e *reconciler.Engine, who, transition string, inputs map[string]any) *reconciler.Proposed {
	t.Helper()
	p, err := e.Propose(reconciler.ProposeRequest{As: who, Proposal: schemas.Proposal{
		Instance: "web-1", Workflow: "release", Transition: transition, Inputs: inputs}})
	if err != nil {
		t.Fatalf("propose %s as %s: %v", transition, who, err)
	}
	return p
}

// Reconcile runs a reconcile and fails unless it applied exactly want.
func Reconcile(t *testing.T, e *reconciler.Engine, want int) *reconciler.ReconcileReport {
	t.Helper()
	rep, err := e.Reconcile()
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if len(rep.Applied) != want {
		var why []string
		for _, g := range rep.Skipped {
			why = append(why, g.Pending.Branch+": "+g.Reason)
		}
		t.Fatalf("reconcile applied %d, want %d; skipped: %s", len(rep.Applied), want, strings.Join(why, "; "))
	}
	return rep
}

// ToShippable walks web-1 to "approved" and proposes ship.
func ToShippable(t *testing.T, e *reconciler.Engine) *reconciler.Proposed {
	t.Helper()
	for _, tr := range []string{"create", "verify", "tests-pass", "security-clear", "approve-release"} {
		Propose(t, e, "deploy-agent", tr, nil)
		Reconcile(t, e, 1)
	}
	return Propose(t, e, "deploy-agent", "ship", map[string]any{"change_ticket": "CHG-1", "environment": "staging"})
}

// ApproveAs approves proposal ("<instance>/<name>") as who.
func ApproveAs(t *testing.T, e *reconciler.Engine, who, proposal string) plumbing.Hash {
	t.Helper()
	h, err := e.Approve(reconciler.ApproveRequest{As: who, Proposal: proposal})
	if err != nil {
		t.Fatalf("approve as %s: %v", who, err)
	}
	return h
}

// Shipped returns a repo whose last entry is the approved ship.
func Shipped(t *testing.T) (*reconciler.Engine, *object.Commit) {
	t.Helper()
	e, _ := NewRepo(t)
	ship := ToShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	ApproveAs(t, e, "alice", name)
	ApproveAs(t, e, "bob", name)
	rep := Reconcile(t, e, 1)
	c, err := e.Store.Commit(rep.Head)
	if err != nil {
		t.Fatal(err)
	}
	return e, c
}

// RewriteHead replaces main's head with a commit derived from it, signed by
// who (empty: unsigned), and drops the checkpoint.
func RewriteHead(t *testing.T, e *reconciler.Engine, head *object.Commit, message string, files map[string][]byte, who string) plumbing.Hash {
	t.Helper()
	req := gitstore.CommitRequest{Parents: head.ParentHashes, Message: message, Files: files,
		Author: head.Author, Committer: head.Committer}
	if files == nil {
		req.BaseTree = head.TreeHash
	}
	if who != "" {
		s, err := e.Keys.Signer(who)
		if err != nil {
			t.Fatal(err)
		}
		req.Signer = s
	}
	h, err := e.Store.WriteCommit(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CompareAndSwap(gitstore.MainRef, head.Hash, h); err != nil {
		t.Fatal(err)
	}
	if err := e.Store.DeleteRef(gitstore.CheckpointRef); err != nil {
		t.Fatal(err)
	}
	return h
}
