package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRemoteRace: several reconcilers, each a separate process in its own
// clone, apply a few hundred proposals against one git server (git
// http-backend) at the same time. Each loops `writ reconcile --remote
// origin` until a run finds nothing left, or the deadline passes. No
// proposal is applied twice, none is lost, main is one valid log, and
// races really happened. The deadline only bounds a run that would
// otherwise hang: a busy 2-core machine needs more than 90 s. WRIT_LONG=1 runs the larger variant (1,000
// proposals, 6 reconcilers, batches of 20, 20-minute deadline; give go
// test -timeout 30m).
func TestRemoteRace(t *testing.T) {
	proposals, reconcilers, batch, deadline := 200, 3, 4, 4*time.Minute
	if os.Getenv("WRIT_LONG") == "1" {
		proposals, reconcilers, batch, deadline = 1000, 6, 20, 20*time.Minute
	} else if testing.Short() {
		t.Skip("-short: skipping the multi-process race")
	}
	start := time.Now()
	f := newRemoteFixture(t, proposals)
	writBinary(t)
	t.Logf("setup: %d proposals pushed in %v", proposals, time.Since(start).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	type tally struct {
		runs, failed, entries, pushes, races int
		done                                 bool
		last                                 procResult
	}
	tallies := make([]tally, reconcilers)
	clones := make([]string, reconcilers)
	for i := range clones {
		clones[i] = f.clone(fmt.Sprintf("reconciler-%d", i))
	}
	raceStart := time.Now()
	var wg sync.WaitGroup
	for i := range clones {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ta := &tallies[i]
			for ctx.Err() == nil {
				// One round per run, as a reconciler started per event
				// would do: every run loads its state from scratch.
				r := f.reconcile(ctx, clones[i], nil, "--batch", fmt.Sprint(batch), "--rounds", "1", "--retries", "4")
				ta.runs++
				ta.last = r
				if e, p, n, ok := summary(r.out); ok {
					ta.entries, ta.pushes, ta.races = ta.entries+e, ta.pushes+p, ta.races+n
				}
				if r.code == ExitOK && !strings.Contains(r.out, "more proposals may be ready") {
					ta.done = true // its last fetch found nothing ready
					return
				}
				if r.code == ExitOK {
					continue
				}
				ta.failed++
				if !strings.Contains(r.err, "lost races in a row") {
					t.Errorf("reconciler %d failed for another reason than races: %s", i, r)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	took := time.Since(raceStart)
	total := tally{}
	for i, ta := range tallies {
		t.Logf("reconciler %d: %d runs (%d gave up), %d entries in %d pushes, %d lost races, done=%v",
			i, ta.runs, ta.failed, ta.entries, ta.pushes, ta.races, ta.done)
		if !ta.done {
			t.Errorf("reconciler %d did not finish before the deadline; last run: %s", i, ta.last)
		}
		total.entries += ta.entries
		total.pushes += ta.pushes
		total.races += ta.races
	}
	refused := strings.Count(f.srv.Stderr(), "but expected")
	t.Logf("race: %d reconcilers applied %d proposals in %v: %d pushes won, %d lost races (%d refused by receive-pack under its ref lock, the rest seen in the advertisement), %d receive-pack requests, %d upload-pack requests",
		reconcilers, total.entries, took.Round(time.Millisecond), total.pushes, total.races, refused, f.srv.Pushes(), f.srv.Fetches())
	if total.entries != proposals {
		t.Errorf("reconcilers report %d entries pushed, want %d", total.entries, proposals)
	}
	if total.races == 0 {
		t.Errorf("no race was lost: the test did not exercise compare-and-swap")
	}
	f.verifyRemote()
}
