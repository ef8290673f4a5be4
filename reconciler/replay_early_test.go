package reconciler

import (
	"sync"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
)

// finish waits until every offered commit is verified (tests only: a
// replay stops early verification when its walk ends).
func (es *earlySigs) finish() {
	close(es.queue)
	es.workers.Wait()
}

// An entry signature verified during the walk is used only for the key
// ring it was verified with, and gives exactly what verifying it then
// gives, a signature by someone else than the reconciler included.
func TestEarlySignaturesMatchLateOnes(t *testing.T) {
	e, head := shipped(t)
	rewriteHead(t, e, head, head.Message, nil, "alice") // signed by a human
	read := openReader(e.Store)
	tip, err := e.Store.Ref(gitstore.MainRef)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := read.firstParents(tip, plumbing.ZeroHash)
	if err != nil {
		t.Fatal(err)
	}
	early := newReplayer(e, read)
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
	late := newReplayer(e, read)
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
