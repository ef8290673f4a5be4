package outbox

import (
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Trust says who may write the outbox. Ref is a ref anyone with push
// access to the repository can move, and every effect on it is delivered
// as writ (its Slack bot, its Jira account); so a book loaded with a Trust
// signs every commit it saves with the reconciler's key, and reads no
// commit it did not write in this process (the ref's head when loaded or
// when a save finds it moved, a remote's outbox merged in) unless Verify
// accepts it: the reconciler's signature on a commit vouches for the whole
// tree, which is all a book reads of it.
type Trust struct {
	// Signer signs every commit the book saves: the reconciler's.
	Signer git.Signer
	// Verify returns nil when c is signed by the reconciler the control
	// repository's rules name, else why not.
	Verify func(c *object.Commit) error
}

// admit checks outbox commit h before anything of it is read: its tree
// has the outbox's layout and, with a Trust, the reconciler signed it.
func (b *Book) admit(h plumbing.Hash) error {
	if _, err := b.layoutAt(h); err != nil {
		return err
	}
	if b.trust == nil || b.trust.Verify == nil {
		return nil
	}
	c, err := b.store.Commit(h)
	if err != nil {
		return fmt.Errorf("outbox: %s at %s: %w", Ref, h, err)
	}
	if err := b.trust.Verify(c); err != nil {
		return fmt.Errorf("outbox: %s at %s is not the reconciler's: %w", Ref, h, err)
	}
	return nil
}

// refuse notes that commit h was refused (admit's err): nothing of it is
// read or delivered.
func (b *Book) refuse(h plumbing.Hash, err error) {
	b.notes = append(b.notes, fmt.Sprintf("%v: its effects are neither read nor delivered, and the next save replaces it "+
		"(a reconcile derives again what it still owes; delete the ref %s to drop it at once)", err, Ref))
	b.refusedParents = append(b.refusedParents, h)
}

// Notes are what the book refused while reading: commits (refuse) and
// state lines (parseLines) not read, each with why. A caller shows them
// (the reconcile report's notes, writ outbox's stderr).
func (b *Book) Notes() []string { return b.notes }
