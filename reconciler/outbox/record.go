package outbox

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// State says whether an effect still has to be delivered.
type State string

// The states of a record.
const (
	// StatePending: recorded, not yet delivered (or delivered but not yet
	// marked done, which the next attempt finds by the key).
	StatePending State = "pending"
	// StateDone: delivered; Receipt says what the target made of it.
	StateDone State = "done"
)

// Record is one effect in the outbox with its delivery state. It is what
// the outbox ref stores, one JSON object per effect.
type Record struct {
	Effect
	State State `json:"state"`
	// Seq orders records as they were recorded: effects of one thread
	// are delivered in this order.
	Seq uint64 `json:"seq"`
	// Recorded is when the effect was recorded; Done when it was marked
	// done (zero while pending).
	Recorded time.Time `json:"recorded"`
	Done     time.Time `json:"done,omitzero"`
	// Attempts counts the deliveries that failed (or whose outcome was
	// lost); LastError is the last failure, with secrets redacted.
	Attempts int `json:"attempts,omitempty"`
	// Started counts the delivery attempts begun and recorded as begun
	// before the notifier was called (Deliverer.Begin); it exceeds
	// Attempts by the deliveries that succeeded or whose outcome a crash
	// lost.
	Started   int    `json:"started,omitempty"`
	LastError string `json:"last_error,omitempty"`
	// NextAttempt is the earliest time the next delivery may be tried.
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	// Receipt is what the target returned, once done.
	Receipt *Receipt `json:"receipt,omitempty"`
}

// merge returns the record to keep when two copies of one key meet (a
// lost compare-and-swap, a remote's outbox): done beats pending, then the
// later done (or the copy with more attempts), so a delivery marked done
// anywhere stays done and a failure count never goes back.
func merge(a, b *Record) *Record {
	switch {
	case a.State != b.State:
		if a.State == StateDone {
			return a
		}
		return b
	case a.State == StateDone:
		if b.Done.After(a.Done) {
			return b
		}
		return a
	case b.Attempts > a.Attempts || b.Attempts == a.Attempts && b.Started > a.Started:
		return b
	}
	return a
}

// sortRecords orders records by Seq, then key.
func sortRecords(rs []*Record) {
	slices.SortFunc(rs, func(a, b *Record) int {
		if c := cmp.Compare(a.Seq, b.Seq); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
}
