package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/outcome"
)

// Reporter is the outbox as a reporter of the reconcile loop (it
// satisfies reconciler.Reporter): at the end of every run it derives the
// run's effects (Derive), records the new ones durably on Ref before
// anything is sent, delivers what is due within the Deliverer's budget,
// and records the outcome. It holds no rules, and it never fails or
// blocks a run: trouble (a target down, the outbox ref not written or not
// pushed) becomes a note on the report and the effects stay pending.
type Reporter struct {
	Store      *gitstore.Store
	Derivation Derivation
	Deliverer  *Deliverer
	Compaction Compaction
	// Remote, when set, is the git remote of the run: the remote's outbox
	// (fetched by the run as refs/writ/remotes/<remote>/outbox) is merged
	// in before anything is recorded, and the result is pushed back by
	// compare-and-swap, so the next run anywhere sees it.
	Remote string
	// Trust signs the outbox's commits and checks those it reads
	// (LoadTrusted); nil: nothing signed nor checked, for a store whose
	// refs only the caller writes.
	Trust *Trust
	// Last is what the last Report delivered.
	Last Result
}

// TrackingRef is where a run against remote finds the remote's outbox
// (fetched with the other refs/writ/* refs).
func TrackingRef(remote string) string { return "refs/writ/remotes/" + remote + "/outbox" }

// Report records and delivers the effects of r. It always returns nil.
func (o *Reporter) Report(ctx context.Context, r *outcome.Report) error {
	if err := o.run(ctx, r); err != nil {
		r.Note("outbox: " + o.Deliverer.redact(err.Error()) + " (the effects are derived again by the next reconcile)")
	}
	return nil
}

func (o *Reporter) run(ctx context.Context, r *outcome.Report) error {
	now := o.Deliverer.Now()
	b, err := LoadTrusted(o.Store, o.Trust)
	if err != nil {
		return err
	}
	defer func() {
		for _, n := range b.Notes() {
			r.Note(o.Deliverer.redact(n))
		}
	}()
	var theirs plumbing.Hash
	if o.Remote != "" {
		if theirs, err = o.Store.Ref(TrackingRef(o.Remote)); err != nil && !errors.Is(err, gitstore.ErrNoRef) {
			return err
		}
		if err := b.Merge(theirs); err != nil {
			return err
		}
	}
	added := b.Add(Derive(r, o.Derivation), now)
	o.Deliverer.Begin(b)
	// Durable before delivery, with the attempts about to begin: a crash
	// from here on loses nothing, and a repeated attempt is known to be one.
	if err := b.Save(now, fmt.Sprintf("outbox: record %d effects", len(added))); err != nil {
		return err
	}
	res, derr := o.Deliverer.Deliver(ctx, b)
	o.Last = res
	if derr != nil {
		return derr // a crash: nothing more is written
	}
	b.Compact(o.Deliverer.Now(), o.Compaction)
	if err := b.Save(o.Deliverer.Now(), fmt.Sprintf("outbox: %d delivered, %d failed, %d pending", res.Delivered, res.Failed, res.Pending)); err != nil {
		return err
	}
	if res.Failed > 0 {
		r.Note(fmt.Sprintf("outbox: %d of %d deliveries failed, %d effects pending (writ outbox lists them): %s",
			res.Failed, res.Failed+res.Delivered, res.Pending, res.Errors[0]))
	}
	if o.Remote != "" {
		if err := Push(ctx, o.Store, o.Remote, theirs, b.Head()); err != nil {
			r.Note("outbox not pushed (the next reconcile merges and pushes it): " + o.Deliverer.redact(err.Error()))
		}
	}
	return nil
}

// Fetch brings remote's outbox to TrackingRef(remote) and returns it
// (zero when the remote has none yet). A reconcile fetches it with the
// other refs/writ/* refs; `writ outbox retry --remote` calls this.
func Fetch(ctx context.Context, s *gitstore.Store, remote string) (plumbing.Hash, error) {
	err := s.Fetch(ctx, remote, "+"+Ref+":"+TrackingRef(remote))
	if errors.Is(err, gitstore.ErrNoRef) {
		return plumbing.ZeroHash, nil
	} else if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("outbox: fetch %s from %s: %w", Ref, remote, err)
	}
	h, err := s.Ref(TrackingRef(remote))
	if errors.Is(err, gitstore.ErrNoRef) {
		return plumbing.ZeroHash, nil
	}
	return h, err
}

// Push moves remote's Ref from theirs (as fetched; zero: absent) to ours,
// which must descend from it (Book.Merge makes it so), by compare-and-swap,
// and records it as TrackingRef. Another writer's push in between makes it
// fail with gitstore.ErrRefMoved: the next run merges both.
func Push(ctx context.Context, s *gitstore.Store, remote string, theirs, ours plumbing.Hash) error {
	if ours.IsZero() || ours == theirs {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.PushRefs(ctx, remote, []gitstore.RefUpdate{{Name: Ref, Old: theirs, New: ours}}); err != nil {
		return err
	}
	if err := s.CompareAndSwap(TrackingRef(remote), theirs, ours); err != nil && !errors.Is(err, gitstore.ErrRefMoved) {
		return err
	}
	return nil
}
