package replay

import (
	"fmt"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// restore rebuilds the checkpoint's state and checks that the reconciler
// signed it, as restoreCheckpoint does. Only the snapshot's head is read
// here (core.RestoreHead): the buckets of instances are read from the
// checkpoint commit and restored by whoever needs them next
// (RestoreBuckets), so restoring costs the same at any length of history.
func (e *Replayer) restore(cp gitstore.Checkpoint, read *gitstore.FastReader) (core.State, error) {
	s, err := core.RestoreHead(cp.Head)
	if err != nil {
		return s, fmt.Errorf("checkpoint %s: %w", shortHash(cp.Commit.String()), err)
	}
	rules := s.Rules()
	if rules == nil {
		return s, fmt.Errorf("checkpoint %s: snapshot has no rules", shortHash(cp.Commit.String()))
	}
	ring, err := intake.RingOf(rules)
	if err != nil {
		return s, fmt.Errorf("checkpoint key ring: %w", err)
	}
	c, err := read.Commit(cp.Commit)
	if err != nil {
		return s, fmt.Errorf("checkpoint commit: %w", err)
	}
	v, err := verify(c, ring, time.Time{})
	if err != nil {
		return s, &TamperError{Commit: cp.Commit, Reason: "checkpoint signature: " + err.Error()}
	}
	if v.Identity != rules.Config.Reconciler.Identity {
		return s, &TamperError{Commit: cp.Commit, Reason: fmt.Sprintf("checkpoint signed by %s, not the reconciler %s", v.Identity, rules.Config.Reconciler.Identity)}
	}
	e.setVerified(cp)
	return s, nil
}

// loadRules loads the rules in commit c's tree. Its errors do not name
// the commit: the entry's TamperError does.
func (r *replayer) loadRules(c *gitstore.CommitView) (*schemas.Bundle, error) {
	return intake.LoadRulesAs(r.engine.Store, c.Hash, "rules")
}

// checkGenesisFiles fails unless every governed file of the genesis commit
// c (the rules and ordinary files such as README.md or .github/) is a
// regular, non-executable file, as writ init writes them. It reads the
// tree once, at the first entry only.
func (r *replayer) checkGenesisFiles(c *gitstore.CommitView) error {
	entries, err := intake.ChangedGovernedTrusted(r.engine.Store, plumbing.ZeroHash, c.Hash)
	if err != nil {
		return fmt.Errorf("genesis files: %w", err)
	}
	for _, en := range entries {
		if err := gitstore.RegularFile(en.Path, en.Mode); err != nil {
			return fmt.Errorf("genesis holds %w; main holds only regular files", err)
		}
	}
	return nil
}
