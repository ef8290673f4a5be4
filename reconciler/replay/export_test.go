package replay

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// The checks below need replay's internals and a history only the loop
// writes: the external tests (replay_test) build the history with
// enginetest and call them.

// finish waits until every offered commit is verified (tests only: a
// replay stops early verification when its walk ends).
func (es *earlySigs) finish() {
	close(es.queue)
	es.workers.Wait()
}

// CheckEarlySignatures checks, on the repo store whose main's head a
// human signed, that an entry signature verified during the walk is used
// only for the key ring it was verified with, and gives exactly what
// verifying it then gives.
func CheckEarlySignatures(t *testing.T, store *gitstore.Store) {
	read := store.FastReader()
	tip, err := store.Ref(gitstore.MainRef)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := read.FirstParents(tip, plumbing.ZeroHash)
	if err != nil {
		t.Fatal(err)
	}
	early := newReplayer(&Replayer{Store: store}, read)
	ring := early.guessRing(core.NewState(), tip) // the rules in the head tree
	if ring == nil {
		t.Skip("one core: no early verification")
	}
	early.early = startEarlySigs(read, ring)
	if early.early == nil {
		t.Skip("one core: no early verification")
	}
	for _, h := range chain {
		early.early.offer(h)
	}
	early.early.finish()
	if n := count(&early.early.results); n != len(chain) {
		t.Fatalf("%d early results for %d entries", n, len(chain))
	}
	late := newReplayer(&Replayer{Store: store}, read)
	for i, h := range chain {
		a, b := early.prepare(h, i, ring), late.prepare(h, i, ring)
		if a.signer != b.signer || errText(a.sigErr) != errText(b.sigErr) || errText(a.laterErr) != errText(b.laterErr) {
			t.Fatalf("entry %d: early %v %v, late %v %v", i, a.signer, a.sigErr, b.signer, b.sigErr)
		}
	}
	if n := count(&early.early.results); n != 0 {
		t.Fatalf("%d early results not used", n)
	}
	if last := chain[len(chain)-1]; early.prepare(last, len(chain)-1, ring).signer.Identity != "alice" {
		t.Fatal("the rewritten head is not alice's")
	}
	// A result for another key ring is not used.
	es := startEarlySigs(read, ring)
	es.offer(chain[1])
	es.finish()
	other := &ringRef{hash: "other", ring: ring.ring}
	if _, ok := es.take(chain[1], other); ok {
		t.Fatal("an early result was used for another key ring")
	}
	if _, ok := es.take(chain[1], ring); ok {
		t.Fatal("an early result was used twice")
	}
}

// CheckRawVerify checks that replay's verification of commits from their
// raw bytes gives signing.VerifyCommit's result, error text included, for
// every commit of store, with the identities of rules and with none.
func CheckRawVerify(t *testing.T, store *gitstore.Store, rules *schemas.Bundle) {
	read := store.FastReader()
	rings := map[string]*signing.KeyRing{}
	full, err := signing.NewKeyRing(rules.Config.Identities)
	if err != nil {
		t.Fatal(err)
	}
	rings["full"], rings["empty"] = full, &signing.KeyRing{}
	n := 0
	err = store.ForEachCommit(func(c *object.Commit) error {
		v, err := read.Commit(c.Hash)
		if err != nil || !v.IsRaw() {
			t.Fatalf("commit %s: not read raw: %v", c.Hash, err)
		}
		for name, ring := range rings {
			want, werr := signing.VerifyCommit(c, ring)
			got, gerr := verify(v, ring, time.Time{})
			if want != got || fmt.Sprint(werr) != fmt.Sprint(gerr) {
				t.Fatalf("commit %s, %s ring: raw %+v %v, VerifyCommit %+v %v", c.Hash, name, got, gerr, want, werr)
			}
			seen := c.Committer.When.Add(time.Hour)
			want, werr = signing.VerifyCommitSeen(c, ring, seen)
			got, gerr = verify(v, ring, seen)
			if want != got || fmt.Sprint(werr) != fmt.Sprint(gerr) {
				t.Fatalf("commit %s, %s ring, seen: raw %+v %v, VerifyCommitSeen %+v %v", c.Hash, name, got, gerr, want, werr)
			}
		}
		n++
		return nil
	})
	if err != nil || n < 10 {
		t.Fatalf("%d commits: %v", n, err)
	}
}

func count(m *sync.Map) int {
	n := 0
	m.Range(func(any, any) bool { n++; return true })
	return n
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
