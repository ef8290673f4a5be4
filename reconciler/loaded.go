package reconciler

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// Loaded is what a command loads before it acts: the verified state at
// main (the checkpoint plus the entries after it), the rules in force and
// their key ring. A command loads once (Engine.Load) and hands the value to
// every step it takes (ProposeWith, ProposeRulesWith, ApproveWith,
// PendingWith, then the gate), so it replays once and builds the key ring
// once. It describes main as it was when loaded: writing a proposal branch
// or a decision does not move main, so the value stays true for the gate
// that follows; a command that moves main loads again.
type Loaded struct {
	// State is the verified state at Head. Only the snapshot buckets used
	// so far are restored (see Engine.RestoreLoaded).
	State core.State
	// Head is main's head, zero when main has no commits.
	Head plumbing.Hash
	// Checkpoint is the checkpoint commit State was restored from (zero:
	// none): the buckets State has not restored are read from it.
	Checkpoint plumbing.Hash
	// Rules are the rules in force (State.Rules()); Ring their key ring.
	Rules *schemas.Bundle
	Ring  *signing.KeyRing
	// Foreign, when not nil, says that main holds commits writ did not
	// write after Head, the last verified entry: State is Head's, every
	// step works against it, and only a recovery entry moves main on.
	Foreign *ForeignError
}

// Load loads the verified state at main from the checkpoint plus newer
// entries, and builds the key ring of the rules in force. Its error is
// Replay's, or the key ring's wrapped with "key ring". Foreign commits at
// main's head are no error: the result is then the last verified entry's,
// with Foreign saying what follows it.
func (e *Engine) Load() (*Loaded, error) {
	res, err := e.Replay(ReplayOptions{FromCheckpoint: true})
	var foreign *ForeignError
	if errors.As(err, &foreign) && res != nil {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	l := &Loaded{State: res.State, Head: res.Head, Checkpoint: res.Checkpoint, Rules: res.State.Rules(), Foreign: foreign}
	if l.Rules == nil {
		// No rules yet (an empty main): nothing to verify against.
		return l, nil
	}
	if l.Ring, err = intake.RingOf(l.Rules); err != nil {
		return nil, fmt.Errorf("key ring: %w", err)
	}
	return l, nil
}

// RestoreLoaded restores into l.State the snapshot buckets given (read
// from l.Checkpoint), so the steps after this one find them restored too,
// and returns the state. Restoring changes no hash and no answer of the
// state: only what it holds in memory.
func (e *Engine) RestoreLoaded(l *Loaded, buckets []byte) (core.State, error) {
	if len(buckets) == 0 {
		return l.State, nil
	}
	s, err := e.RestoreBuckets(l.State, l.Checkpoint, buckets)
	if err != nil {
		return l.State, err
	}
	l.State = s
	return s, nil
}

// PendingWith reads one proposal branch by name ("<instance>/<name>" or
// "proposals/<instance>/<name>") against the loaded main, rules and key
// ring (intake.Reader.PendingWithRing).
func (e *Engine) PendingWith(l *Loaded, name string) (intake.Pending, error) {
	if l.Ring == nil {
		// Before genesis: intake.Pending reports the missing rules as it did.
		return e.Pending(l.Rules, l.Head, name)
	}
	return e.reader().PendingWithRing(l.Rules, l.Ring, l.Head, name)
}
