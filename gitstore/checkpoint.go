package gitstore

import (
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Checkpoint layout: one file in the checkpoint commit's tree and one
// trailer in its message.
const (
	CheckpointFile    = "state.json"
	CheckpointTrailer = "Writ-Checkpoint-At"
)

// Checkpoint is a state snapshot taken at one WAL entry.
type Checkpoint struct {
	// Commit is the checkpoint commit CheckpointRef points to.
	Commit plumbing.Hash
	// At is the main commit (WAL entry) the snapshot reflects: restart =
	// Snapshot + replay of the entries after At.
	At plumbing.Hash
	// Snapshot is the canonical state, as written.
	Snapshot []byte
}

// WriteCheckpoint records snapshot as the state at the main commit `at`: it
// writes a commit whose tree holds only state.json and whose message carries
// the trailer "Writ-Checkpoint-At: <at>", with the previous checkpoint (if
// any) as its only parent, signs it with signer (nil = unsigned), and moves
// CheckpointRef to it by compare-and-swap. The chain of checkpoints is
// separate from main: no checkpoint is ever an ancestor of main. Two
// concurrent writers cannot both win: the loser gets ErrRefMoved.
func (s *Store) WriteCheckpoint(at plumbing.Hash, snapshot []byte, signer git.Signer, sig object.Signature) (plumbing.Hash, error) {
	if _, err := s.Commit(at); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write checkpoint: at: %w", err)
	}
	prev, err := s.Ref(CheckpointRef)
	if err != nil && !errors.Is(err, ErrNoRef) {
		return plumbing.ZeroHash, fmt.Errorf("write checkpoint: %w", err)
	}
	msg, err := FormatMessage("writ checkpoint at "+short(at), "",
		[]Trailer{{Key: CheckpointTrailer, Value: at.String()}})
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write checkpoint: %w", err)
	}
	req := CommitRequest{
		Files:     map[string][]byte{CheckpointFile: snapshot},
		Message:   msg,
		Author:    sig,
		Committer: sig,
		Signer:    signer,
	}
	if !prev.IsZero() {
		req.Parents = []plumbing.Hash{prev}
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
// valid Writ-Checkpoint-At trailer or the state.json file. It does not
// verify the commit's signature (see the signing package) nor that At is
// still on main (walk main's first-parent chain with At as stop).
func (s *Store) ReadCheckpoint() (Checkpoint, error) {
	h, err := s.Ref(CheckpointRef)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("read checkpoint: %w", err)
	}
	c, err := s.Commit(h)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("read checkpoint: %w", err)
	}
	_, _, trailers, err := ParseMessage(c.Message)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("read checkpoint %s: %w: %w", short(h), ErrBadCheckpoint, err)
	}
	vals := trailers.Get(CheckpointTrailer)
	if len(vals) != 1 {
		return Checkpoint{}, fmt.Errorf("read checkpoint %s: %w: want one %s trailer, found %d", short(h), ErrBadCheckpoint, CheckpointTrailer, len(vals))
	}
	at, ok := parseHash(vals[0])
	if !ok {
		return Checkpoint{}, fmt.Errorf("read checkpoint %s: %w: %s %q is not a commit hash", short(h), ErrBadCheckpoint, CheckpointTrailer, vals[0])
	}
	snap, err := s.ReadFile(h, CheckpointFile)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("read checkpoint %s: %w: %w", short(h), ErrBadCheckpoint, err)
	}
	return Checkpoint{Commit: h, At: at, Snapshot: snap}, nil
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
