package intake

import (
	"time"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/wal"
)

// Reader reads proposals and their decisions from a control repo's
// branches and verifies them against the rules in force. It never writes.
// Time enters only through Now: commits not yet in the WAL are judged at
// the reconciler's clock.
type Reader struct {
	Store *gitstore.Store
	// Now reads the clock; it defaults to time.Now.
	Now func() time.Time
	// DecisionRef names the ref that keeps the decisions of the proposal
	// on branch; nil means wal.DecisionRef, the local one. A run against
	// a remote reads the remote's, as fetched.
	DecisionRef func(branch string) string
}

// decisionRef is the ref keptDecisions reads for branch.
func (e *Reader) decisionRef(branch string) string {
	if e.DecisionRef != nil {
		return e.DecisionRef(branch)
	}
	return wal.DecisionRef(branch)
}

func (e *Reader) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func shortHash(h string) string {
	if len(h) > 7 {
		return h[:7]
	}
	return h
}
