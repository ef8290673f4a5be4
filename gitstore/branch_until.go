package gitstore

import (
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// maxBranchWalk bounds how many commits BranchCommitsUntil reads from head
// before it gives up its shortcut for BranchCommits' full walk.
const maxBranchWalk = 1000

// maxBranchBytes bounds the bytes of the commits a limited walk
// (BranchCommitsUntil with a limit) decodes and holds: each commit may
// hold MaxCommitSize, and a message of one repeated byte compresses a
// thousandfold, so a few megabytes pushed could otherwise be gigabytes
// held before any signature is checked.
const maxBranchBytes = 16 << 20

// commitBytes is about what commit c holds in memory.
func commitBytes(c *object.Commit) int {
	return len(c.Message) + len(c.PGPSignature) + len(c.Author.Name) + len(c.Author.Email) +
		len(c.Committer.Name) + len(c.Committer.Email) + 20*len(c.ParentHashes) + 128
}

// BranchCommitsUntil is BranchCommits for a branch off a log such as the
// WAL, whose commits the caller can recognise one by one: onMain reports
// whether a commit is in base's history (for the WAL: an entry signed by
// the reconciler). The walk reads head's ancestry only, down to base and
// to the commits onMain accepts, which it takes, with their ancestors, as
// reachable from base. It never reads base's side, so its cost grows with
// the branch, not with how far base has moved since the branch forked
// (BranchCommits reads every commit of base's side newer than the fork).
// onMain runs without the Store's lock and may use the Store.
//
// The result is BranchCommits' unless onMain accepts a commit that is not
// in fact reachable from base, or the branch reaches base's history other
// than through a commit onMain accepts (for example through the commits of
// another branch that base has merged): such commits are then reported as
// the branch's. When the walk meets a root commit or reads more than
// maxBranchWalk commits without closing, it falls back to BranchCommits.
//
// limit bounds the work for a branch others push (0: none): once either
// walk has read more than limit commits of the branch it stops with
// ErrTooManyCommits, so a branch of a million commits costs about limit
// commits to refuse. (Commits dated out of order may make a few of
// base's count as the branch's.)
func (s *Store) BranchCommitsUntil(head, base plumbing.Hash, onMain func(*object.Commit) bool, limit int) ([]*object.Commit, error) {
	if head.IsZero() || head == base {
		return nil, nil
	}
	in := map[plumbing.Hash]*object.Commit{}
	seen := map[plumbing.Hash]bool{head: true}
	stack := []plumbing.Hash{head}
	held := 0
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		c, err := s.Commit(h)
		if err != nil {
			return nil, fmt.Errorf("branch commits %s ^%s: %w", short(head), describe(base), err)
		}
		if held += commitBytes(c); limit > 0 && held > maxBranchBytes {
			return nil, fmt.Errorf("branch commits %s ^%s: %w: they hold more than %d bytes", short(head), describe(base), ErrTooManyCommits, maxBranchBytes)
		}
		if onMain(c) {
			continue
		}
		if len(c.ParentHashes) == 0 || len(in) >= maxBranchWalk {
			return s.branchCommits(head, base, limit)
		}
		in[h] = c
		for _, p := range c.ParentHashes {
			if p != base && !seen[p] {
				seen[p] = true
				stack = append(stack, p)
			}
		}
	}
	out := topoOrder(head, in)
	if limit > 0 && len(out) > limit {
		return nil, fmt.Errorf("%w: more than %d", ErrTooManyCommits, limit)
	}
	return out, nil
}
