package replay

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/signing"
)

// Walking main's first-parent chain is serial (each commit names the
// next), and the fold cannot start before it ends: it runs oldest first.
// While the walk runs, the other cores would idle. earlySigs puts them to
// work: each commit the walk passes is verified against a guess at the
// rules in force (those of the newest rules replay already knows), and the
// fold's workers reuse the result when the rules in force at that entry
// are the guessed ones — the same key ring gives the same answer. Work
// not finished when the walk ends is left to the workers, as before.
type earlySigs struct {
	read    *gitstore.FastReader
	ring    *ringRef
	queue   chan plumbing.Hash
	done    atomic.Bool
	workers sync.WaitGroup
	results sync.Map // plumbing.Hash → earlySig
}

// earlySig is one entry signature verified during the walk.
type earlySig struct {
	ring   *ringRef
	signer signing.Verified
	err    error
}

// startEarlySigs starts verifying against ring on all cores but one (the
// walk's); nil when there is only one core or no usable ring.
func startEarlySigs(read *gitstore.FastReader, ring *ringRef) *earlySigs {
	n := runtime.GOMAXPROCS(0) - 1
	if n < 1 || ring == nil || ring.err != nil {
		return nil
	}
	es := &earlySigs{read: read, ring: ring, queue: make(chan plumbing.Hash, 4096)}
	for range n {
		es.workers.Add(1)
		go func() {
			defer es.workers.Done()
			for h := range es.queue {
				if es.done.Load() {
					continue // the walk ended: leave the rest to the fold
				}
				c, err := read.Commit(h)
				if err != nil {
					continue // the fold reads it again and reports
				}
				signer, err := verify(c, ring.ring, time.Time{})
				es.results.Store(h, earlySig{ring: ring, signer: signer, err: err})
			}
		}()
	}
	return es
}

// offer queues a commit the walk passed, unless the queue is full.
func (es *earlySigs) offer(h plumbing.Hash) {
	if es == nil {
		return
	}
	select {
	case es.queue <- h:
	default:
	}
}

// stop ends the early verification once the walk is over and waits for
// the commits being verified.
func (es *earlySigs) stop() {
	if es == nil {
		return
	}
	es.done.Store(true)
	close(es.queue)
	es.workers.Wait()
}

// take returns, and forgets, the early result for commit h verified
// against ring.
func (es *earlySigs) take(h plumbing.Hash, ring *ringRef) (earlySig, bool) {
	if es == nil {
		return earlySig{}, false
	}
	v, ok := es.results.LoadAndDelete(h)
	if !ok {
		return earlySig{}, false
	}
	sig := v.(earlySig)
	return sig, sig.ring == ring
}
