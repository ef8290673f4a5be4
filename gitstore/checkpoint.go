package gitstore

import (
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/reconciler/wal"
)

// CheckpointHead is the one file a checkpoint's tree of snapshot files
// must hold. The commit message's format (one trailer naming the main
// commit) is wal.CheckpointMessage's.
const CheckpointHead = "head.json"

// Checkpoint is a state snapshot taken at one WAL entry.
type Checkpoint struct {
	// Commit is the checkpoint commit CheckpointRef points to.
	Commit plumbing.Hash
	// At is the main commit (WAL entry) the snapshot reflects: restart =
	// snapshot + replay of the entries after At.
	At plumbing.Hash
	// Head is the snapshot's CheckpointHead file; the other files are
	// read with ReadCheckpointFile when needed.
	Head []byte
}

// WriteCheckpoint records a snapshot as the state at the main commit `at`.
// The snapshot is given as the files that differ from the checkpoint
// commit base (zero: from nothing): the new commit's tree is base's tree
// with files written and deleted removed, so a checkpoint after a few
// entries rewrites only what they changed. files must hold CheckpointHead.
// The message carries the trailer "Writ-Checkpoint-At: <at>"; the commit's
// only parent is the current checkpoint (if any); it is signed with signer
// (nil = unsigned), and CheckpointRef moves to it by compare-and-swap. The
// chain of checkpoints is separate from main: no checkpoint is ever an
// ancestor of main. Two concurrent writers cannot both win: the loser gets
// ErrRefMoved.
func (s *Store) WriteCheckpoint(base, at plumbing.Hash, files map[string][]byte, deleted []string, signer git.Signer, sig object.Signature) (plumbing.Hash, error) {
	if _, ok := files[CheckpointHead]; !ok {
		return plumbing.ZeroHash, fmt.Errorf("write checkpoint: no %s", CheckpointHead)
	}
	if _, err := s.Commit(at); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write checkpoint: at: %w", err)
	}
	prev, err := s.Ref(CheckpointRef)
	if err != nil && !errors.Is(err, ErrNoRef) {
		return plumbing.ZeroHash, fmt.Errorf("write checkpoint: %w", err)
	}
	msg, err := wal.CheckpointMessage(at.String())
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write checkpoint: %w", err)
	}
	req := CommitRequest{
		Files:     files,
		Delete:    deleted,
		Message:   msg,
		Author:    sig,
		Committer: sig,
		Signer:    signer,
	}
	if !prev.IsZero() {
		req.Parents = []plumbing.Hash{prev}
	}
	switch {
	case !base.IsZero():
		c, err := s.Commit(base)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("write checkpoint: base: %w", err)
		}
		req.BaseTree = c.TreeHash
	case !prev.IsZero():
		// A whole snapshot replaces the previous checkpoint's tree.
		req.BaseTree, req.Delete = emptyTreeHash, nil
	}
	h, err := s.WriteCommit(req)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write checkpoint: %w", err)
	}
	if err := s.CompareAndSwap(CheckpointRef, prev, h); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write checkpoint: %w", err)
	}
	return h, nil
}

// ReadCheckpoint returns the checkpoint CheckpointRef points to, ErrNoRef
// if there is none, or ErrBadCheckpoint if the commit lacks exactly one
// valid Writ-Checkpoint-At trailer or the CheckpointHead file. It does not
// verify the commit's signature (see the signing package) nor that At is
// still on main (walk main's first-parent chain with At as stop).
func (s *Store) ReadCheckpoint() (Checkpoint, error) {
	h, err := s.Ref(CheckpointRef)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("read checkpoint: %w", err)
	}
	return s.ReadCheckpointCommit(h)
}

// ReadCheckpointCommit reads checkpoint commit h, as ReadCheckpoint does,
// whether or not CheckpointRef points to it (a checkpoint fetched from a
// remote, say).
func (s *Store) ReadCheckpointCommit(h plumbing.Hash) (Checkpoint, error) {
	c, err := s.Commit(h)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("read checkpoint: %w", err)
	}
	at, err := wal.CheckpointAt(c.Message)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("read checkpoint %s: %w: %w", short(h), ErrBadCheckpoint, err)
	}
	head, err := s.readFile(h, CheckpointHead, 0)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("read checkpoint %s: %w: %w", short(h), ErrBadCheckpoint, err)
	}
	return Checkpoint{Commit: h, At: plumbing.NewHash(at), Head: head}, nil
}

// ReadCheckpointFile reads one file of checkpoint cp's snapshot, of any
// size (a snapshot file grows with the state; MaxFileSize does not apply).
func (s *Store) ReadCheckpointFile(cp Checkpoint, path string) ([]byte, error) {
	data, err := s.readFile(cp.Commit, path, 0)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint %s: %w", short(cp.Commit), err)
	}
	return data, nil
}

// parseHash parses a full lowercase hex object name.
func parseHash(s string) (plumbing.Hash, bool) {
	if len(s) != 40 {
		return plumbing.ZeroHash, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return plumbing.ZeroHash, false
		}
	}
	h := plumbing.NewHash(s)
	return h, !h.IsZero()
}
