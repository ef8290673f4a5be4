// Package outcome is what one reconcile did, as the loop hands it to every
// Reporter: the entries it wrote, the verdict on every other proposal it
// judged, the races it lost and the notes worth telling a human. It sits
// below the loop, so reporters (the CLI, adapters) read it without
// importing the loop.
package outcome

import (
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/replay"
)

// Applied is one WAL entry a reconcile wrote and published.
type Applied struct {
	Commit plumbing.Hash
	// Gate is the verdict the entry was written from, with the Outcome
	// of applying it. Its Pending.Head is the commit the entry merges:
	// the branch head, or the keep commit that holds decisions read from
	// the decision ref as well (see BranchHead).
	Gate intake.GateResult
	// BranchHead is the proposal branch's head as the run read it.
	BranchHead plumbing.Hash
}

// Held is a proposal that was ready (or rejected) but that its source
// holds back: a fork's pull request, a draft, a run that may not push.
type Held struct {
	Gate   intake.GateResult
	Reason string
}

// Pruned is a proposal branch a reconcile deleted, and why.
type Pruned struct {
	Branch string
	Head   plumbing.Hash
	// Decisions is the tip of the proposal's decision ref
	// (wal.DecisionRef), deleted with the branch; zero when there was
	// none.
	Decisions plumbing.Hash
	// Remote names the remote the refs were deleted on; empty: the local
	// repository.
	Remote string
	Reason string
}

// Report says what a reconcile did and why the rest waits.
type Report struct {
	// Applied are the entries this reconcile published (on a remote: that
	// it pushed), in log order.
	Applied []Applied
	// Waited are the wait entries this reconcile published (on a remote:
	// that it pushed), in log order: each records that a proposal began
	// to wait for a human (core.KindWait). Their proposals are in Skipped
	// too, with the gate's explanation.
	Waited []Applied
	// Skipped are proposals left alone, with the gate's explanation.
	Skipped []intake.GateResult
	// Merged are open proposals whose proposal is already on main
	// (applied by this or an earlier run): their status can be reported
	// again, idempotently.
	Merged []intake.GateResult
	// Held are proposals ready or rejected that their source holds back.
	Held []Held
	// Races counts lost compare-and-swap races (a push, or a fetch whose
	// refs moved under it), each of which forced a re-read.
	Races int
	// Pushes counts pushes of main that won (remote mode).
	Pushes int
	// More is true when the reconcile stopped at its round cap while
	// more proposals may be ready.
	More bool
	// Deferred are the proposals the last round did not read, being over
	// the cap of proposals per round; the next round or run reads them
	// first.
	Deferred []string
	// Pruned are the proposal branches (local, or on the remote of a run
	// against one) the run deleted, with their decision refs, because
	// their proposal is closed: applied or rejected on main, or refused
	// for good (stale, duplicate); each with the head it pointed at, so
	// `git branch NAME HEAD` brings it back.
	Pruned []Pruned
	// Notes are repairs and non-fatal trouble worth telling a human: a
	// local main reset to the remote's, a checkpoint rebuilt, a checkpoint
	// not pushed, a pull request not judged.
	Notes []string
	// State is the verified state at Head, main after the run.
	State core.State
	Head  plumbing.Hash
	// Err is why the run stopped early (nil: it ran to the end). Entries
	// in Applied are published even then.
	Err error
	// Foreign, when not nil, says that main holds commits writ did not
	// write after Head, its last verified entry: each commit with its
	// author and subject. The run applied nothing but their recovery, and
	// Err is Foreign (errors.Is(Err, replay.ErrForeign)).
	Foreign *replay.ForeignError
}

// Note records a note.
func (r *Report) Note(s string) { r.Notes = append(r.Notes, s) }
