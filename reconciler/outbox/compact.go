package outbox

import (
	"sort"
	"time"
)

// Compaction bounds the done records an outbox keeps. The zero value
// means the defaults.
type Compaction struct {
	// KeepDone is how long a closed thread's records are kept after its
	// last delivery; default 14 days.
	KeepDone time.Duration
	// MaxDone caps the done records kept; beyond it, closed threads go
	// first, oldest first; default 5,000.
	MaxDone int
}

// DefaultKeepDone and DefaultMaxDone are Compaction's defaults.
const (
	DefaultKeepDone = 14 * 24 * time.Hour
	DefaultMaxDone  = 5000
)

// Compact removes the records of finished threads and returns how many
// it removed. A thread (one proposal at one target) is finished when all
// its records are done and one of them closed it (applied, rejected,
// withdrawn, timed out); it is removed once its last delivery is older
// than KeepDone before now, or, while more than MaxDone records are done,
// oldest first. A thread that is open, or has a pending record, is kept
// whole, so later effects still find the receipts they update. It is
// deterministic: it depends on the records and now only.
func (b *Book) Compact(now time.Time, c Compaction) int {
	if c.KeepDone <= 0 {
		c.KeepDone = DefaultKeepDone
	}
	if c.MaxDone <= 0 {
		c.MaxDone = DefaultMaxDone
	}
	type thread struct {
		key     [2]string
		records []*Record
		last    time.Time
		closed  bool
		pending bool
	}
	threads := map[[2]string]*thread{}
	done := 0
	for _, r := range b.records {
		k := [2]string{r.Target, r.Thread}
		t := threads[k]
		if t == nil {
			t = &thread{key: k}
			threads[k] = t
		}
		t.records = append(t.records, r)
		if r.State == StatePending {
			t.pending = true
			continue
		}
		done++
		if r.Done.After(t.last) {
			t.last = r.Done
		}
		switch r.Event {
		case EventApplied, EventRejected, EventWithdrawn, EventTimedOut:
			t.closed = true
		}
	}
	var finished []*thread
	for _, t := range threads {
		if t.closed && !t.pending {
			finished = append(finished, t)
		}
	}
	sort.Slice(finished, func(i, j int) bool {
		if !finished[i].last.Equal(finished[j].last) {
			return finished[i].last.Before(finished[j].last)
		}
		if finished[i].key[0] != finished[j].key[0] {
			return finished[i].key[0] < finished[j].key[0]
		}
		return finished[i].key[1] < finished[j].key[1]
	})
	removed := 0
	for _, t := range finished {
		if now.Sub(t.last) < c.KeepDone && done <= c.MaxDone {
			continue
		}
		for _, r := range t.records {
			b.remove(r)
		}
		done -= len(t.records)
		removed += len(t.records)
	}
	return removed
}
