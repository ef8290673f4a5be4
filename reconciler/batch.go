package reconciler

import (
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
)

// EntryRecord returns the WAL record Reconcile writes for a gate result
// whose entry applied with outcome out, taking pre to post. Tools that write
// many entries without a reconcile per entry (the bench builder) use it so
// their entries carry exactly the trailers Reconcile writes.
func EntryRecord(g intake.GateResult, out core.Outcome, pre, post core.State) wal.Record {
	return record(g, out, pre, post)
}
