package intake

import (
	"time"

	"github.com/writ-dev/writ/gitstore"
)

// Reader reads proposals and their decisions from a control repo's
// branches and verifies them against the rules in force. It never writes.
// Time enters only through Now: commits not yet in the WAL are judged at
// the reconciler's clock.
type Reader struct {
	Store *gitstore.Store
	// Now reads the clock; it defaults to time.Now.
	Now func() time.Time
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
