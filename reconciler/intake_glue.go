package reconciler

import (
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// reader is the intake side of the engine: the same store and clock.
func (e *Engine) reader() *intake.Reader { return &intake.Reader{Store: e.Store, Now: e.Now} }

// ListPending is intake.Reader.ListPending at the engine's store and clock.
func (e *Engine) ListPending(rules *schemas.Bundle, main plumbing.Hash) ([]intake.Pending, error) {
	return e.reader().ListPending(rules, main)
}

// intake.Pending is intake.Reader.Pending at the engine's store and clock.
func (e *Engine) Pending(rules *schemas.Bundle, main plumbing.Hash, name string) (intake.Pending, error) {
	return e.reader().Pending(rules, main, name)
}

// PendingFromCommits is intake.Reader.PendingFromCommits at the engine's
// store and clock.
func (e *Engine) PendingFromCommits(rules *schemas.Bundle, main plumbing.Hash, name string, head plumbing.Hash) (intake.Pending, error) {
	return e.reader().PendingFromCommits(rules, main, name, head)
}

// ContentAt is intake.Reader.ContentAt at the engine's store.
func (e *Engine) ContentAt(main, commit plumbing.Hash, path string) (string, error) {
	return e.reader().ContentAt(main, commit, path)
}

// ProposalRef is intake.Reader.ProposalRef at the engine's store: where a
// proposal named on the command line is read (its local branch, or in a
// clone the remote's).
func (e *Engine) ProposalRef(name string) (intake.ProposalRef, error) {
	return e.reader().ProposalRef(name)
}
