package intake

import (
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// Candidate is an open proposal as a source names it, before it is read
// and verified: where its commits are, and whether the source lets the
// loop apply it.
type Candidate struct {
	// Name labels the proposal in reports: a proposal branch
	// ("proposals/web-1/ship") or the source's own name ("pull/7").
	Name string
	// Head is the proposal's last commit, in the local repository.
	Head plumbing.Hash
	// FromCommits says how the proposal file is found: false, Name is a
	// proposal branch and names its file (schemas' layout); true, it is
	// the one file under proposals/ that the commits between main and
	// Head add (a pull request's head).
	FromCommits bool
	// Waiting, when set, says why the proposal cannot be judged in this
	// run (its head is not fetched yet, it moved while read); the loop
	// reports it as waiting with this reason, reading nothing.
	Waiting string
	// Hold, when set, says why the loop must not apply the proposal even
	// when ready (a fork's pull request, a draft, a read-only run): it is
	// judged and reported, never written.
	Hold string
}

// View is what a source sees of the run: the verified state at main.
type View struct {
	State core.State
	Main  plumbing.Hash
	// Remote is the git remote the run fetches from and pushes to; ""
	// for a run on the local repository.
	Remote string
}

// Outside is what a source records about a proposal outside git, all on
// the reconciler's word: decisions (pull request reviews, each bound to the
// content at the commit it was made on), roles granted outside writ.yaml
// (team membership; Apply honours a grant only as far as the rules map
// it), co-authors (a pull request's opener when another identity than
// the proposer), whom the policy treats as authors, and the trigger (the
// pull request itself), which a proposal that names no trigger: records
// through its entry (core.Entry's Trigger). The loop refuses a Trigger
// that schemas.CheckSourceTrigger refuses: the proposal waits, with the
// reason.
type Outside struct {
	Decisions []policies.Decision
	Grants    []core.RoleGrant
	CoAuthors []string
	Trigger   *schemas.Trigger
}
