package outbox_test

import (
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/internal/enginetest"
	"github.com/writ-dev/writ/reconciler/outbox"
)

// trustOf is the Trust the CLI builds: the reconciler's key signs, and
// reconciler.SignedByReconciler checks.
func trustOf(t *testing.T, e *reconciler.Engine, signAs string) *outbox.Trust {
	t.Helper()
	l, err := e.Load()
	if err != nil {
		t.Fatal(err)
	}
	signer, err := e.Keys.Signer(signAs)
	if err != nil {
		t.Fatal(err)
	}
	return &outbox.Trust{Signer: signer, Verify: func(c *object.Commit) error { return reconciler.SignedByReconciler(c, l.Rules) }}
}

func fx(subject string) outbox.Effect {
	e := outbox.Effect{Target: "slack", Event: outbox.EventWaiting, Subject: subject, Thread: "proposals/web-1/" + subject, Instance: "web-1"}
	e.Key = outbox.KeyOf(e.Subject, e.Event, e.Target)
	return e
}

// TestOnlyTheReconcilerWritesTheOutbox: with a Trust, what a book saves
// is signed by the reconciler and read back; a commit someone else wrote
// on the ref (unsigned, or signed by another identity of the repository),
// as the local head or as a remote's outbox merged in, is noted by commit
// and not read: none of its effects is loaded, the book's own records
// stay, and the next save (signed) descends from it, so a push needs no
// force.
func TestOnlyTheReconcilerWritesTheOutbox(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	// forge saves a forged effect on the ref with a book of trust signer
	// (nil: unsigned), on top of what is there.
	forge := func(t *testing.T, s *gitstore.Store, signer *outbox.Trust) plumbing.Hash {
		b, err := outbox.LoadTrusted(s, signer)
		if err != nil {
			t.Fatal(err)
		}
		b.Add([]outbox.Effect{fx("forged")}, at)
		if err := b.Save(at, "forged"); err != nil {
			t.Fatal(err)
		}
		return b.Head()
	}
	tests := []struct {
		name string
		// signAs signs the forged commit when signed.
		signAs string
		signed bool
		// remote: the forged commit is merged in, not the ref's head.
		remote bool
		want   string
	}{
		{"unsigned head", "", false, false, "not the reconciler's"},
		{"head signed by another identity", "deploy-agent", true, false, "not the reconciler writ-bot"},
		{"unsigned remote outbox merged in", "", false, true, "not the reconciler's"},
		{"remote outbox signed by another identity", "deploy-agent", true, true, "not the reconciler writ-bot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := enginetest.NewRepo(t)
			enginetest.Reconcile(t, e, 0)
			trust := trustOf(t, e, "writ-bot")
			b, err := outbox.LoadTrusted(e.Store, trust)
			if err != nil {
				t.Fatal(err)
			}
			b.Add([]outbox.Effect{fx("ours")}, at)
			if err := b.Save(at, "ours"); err != nil {
				t.Fatal(err)
			}
			if again, err := outbox.LoadTrusted(e.Store, trust); err != nil || again.Len() != 1 || len(again.Notes()) != 0 {
				t.Fatalf("the reconciler's own outbox does not read back: %v, %d, %q", err, again.Len(), again.Notes())
			}
			var forger *outbox.Trust
			if tt.signed {
				forger = trustOf(t, e, tt.signAs)
				forger.Verify = nil
			}
			forged := forge(t, e.Store, forger)
			var got *outbox.Book
			if tt.remote {
				// The forged commit is a remote's outbox; ours is back.
				if err := e.Store.CompareAndSwap(outbox.Ref, forged, b.Head()); err != nil {
					t.Fatal(err)
				}
				if got, err = outbox.LoadTrusted(e.Store, trust); err != nil {
					t.Fatal(err)
				}
				if err := got.Merge(forged); err != nil {
					t.Fatal(err)
				}
			} else if got, err = outbox.LoadTrusted(e.Store, trust); err != nil {
				t.Fatal(err)
			}
			notes := strings.Join(got.Notes(), "\n")
			if !strings.Contains(notes, forged.String()) || !strings.Contains(notes, tt.want) {
				t.Fatalf("notes %q do not name %s and %q", notes, forged, tt.want)
			}
			if _, ok := got.Get(fx("forged").Key); ok {
				t.Fatal("the forged effect was loaded")
			}
			// A refused head loses what it held; a refused remote leaves ours.
			if _, ours := got.Get(fx("ours").Key); ours != tt.remote {
				t.Fatalf("our record loaded: %v, want %v", ours, tt.remote)
			}
			if err := got.Save(at, "after"); err != nil {
				t.Fatal(err)
			}
			if ok, err := e.Store.IsAncestor(forged, got.Head()); err != nil || !ok {
				t.Fatalf("the save does not descend from the refused commit: %v", err)
			}
			final, err := outbox.LoadTrusted(e.Store, trust)
			if err != nil || len(final.Notes()) != 0 {
				t.Fatalf("the saved outbox is not the reconciler's: %v %q", err, final.Notes())
			}
			if _, ok := final.Get(fx("forged").Key); ok {
				t.Fatal("the forged effect was saved")
			}
		})
	}
}
