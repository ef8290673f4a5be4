package gitstore

import (
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// DiffLimitError is a diff of two trees stopped at one of its limits (see
// MaxDiffEntries): the change is larger than any proposal's, and reading
// it whole could cost time and memory out of proportion to its objects.
// It wraps ErrDiffTooLarge. The caller names the commits (and the branch
// or pull request); the caller of a proposal refuses that proposal only.
type DiffLimitError struct {
	// Limit names the limit: "MaxDiffEntries", "MaxDiffDepth",
	// "MaxDiffPathBytes" or "MaxDiffTreeBytes".
	Limit string
	// Max is its value.
	Max int64
	// Path is where the diff was when it stopped (for MaxDiffPathBytes,
	// the first MaxDiffPathBytes bytes of the path); "" for the root.
	Path string
	// Diffs is how many diffs shared the budget that ran out (see
	// DiffBudget), this one included; 0 or 1: this diff alone.
	Diffs int
}

func (e *DiffLimitError) Error() string {
	what := map[string]string{
		"MaxDiffEntries":   "changed tree entries",
		"MaxDiffDepth":     "directory levels",
		"MaxDiffPathBytes": "bytes in one path",
		"MaxDiffTreeBytes": "bytes of trees read",
	}[e.Limit]
	at := e.Path
	if at == "" {
		at = "the root"
	}
	if e.Diffs > 1 {
		return fmt.Sprintf("the changes are too large to read: at %s, this commit and the %d before it in the proposal together have more than %d %s (gitstore.%s, counted over all of a proposal's commits); a proposal adds one file and a rule change a few: squash the proposal's commits and drop what else they add",
			quoteLong(at), e.Diffs-1, e.Max, what, e.Limit)
	}
	return fmt.Sprintf("the change is too large to read: at %s it has more than %d %s (gitstore.%s); a proposal adds one file and a rule change a few: drop what else the commit adds",
		quoteLong(at), e.Max, what, e.Limit)
}

func (e *DiffLimitError) Unwrap() error { return ErrDiffTooLarge }

// quoteLong quotes a path for an error, cut to 200 bytes.
func quoteLong(p string) string {
	if len(p) > 200 {
		return fmt.Sprintf("%q...", p[:200])
	}
	return fmt.Sprintf("%q", p)
}

// diffBudget counts the work of one diff against the Max* diff limits. A
// nil *diffBudget counts nothing: the diff is not bounded (trees writ
// wrote or verified). Not safe for concurrent use; a diff holds the
// Store's mutex.
type diffBudget struct {
	entries   int64
	treeBytes int64
	diffs     int // the diffs sharing it (DiffBudget), for errors
}

// newDiffBudget returns the budget of one bounded diff.
func newDiffBudget() *diffBudget { return &diffBudget{} }

// DiffBudget is one set of the Max* diff limits shared by several bounded
// diffs (ChangedFilesWithin): what they visit and read counts against the
// same limits, so the commits of one proposal together cost no more than
// one commit may. The zero value is a fresh budget. Not safe for
// concurrent use.
type DiffBudget struct{ b diffBudget }

// ChangedFilesWithin is ChangedFiles counting against budget, which the
// diffs made against it before share: the first limit the diffs reach
// together stops this one with a *DiffLimitError whose Diffs says how many
// shared it. A budget that ran out stops every later diff against it.
func (s *Store) ChangedFilesWithin(budget *DiffBudget, from, to plumbing.Hash) ([]string, error) {
	budget.b.diffs++
	return s.changedFiles(&budget.b, from, to)
}

// entry counts one visited entry, name below prefix (a directory path
// ending in "/", or ""), and returns its path. The path's length is
// checked before the path is built, so a huge name costs nothing.
func (b *diffBudget) entry(prefix, name string) (string, error) {
	if b == nil {
		return prefix + name, nil
	}
	b.entries++
	switch {
	case b.entries > MaxDiffEntries:
		return "", &DiffLimitError{Limit: "MaxDiffEntries", Max: MaxDiffEntries, Path: prefix + name, Diffs: b.diffs}
	case len(prefix)+len(name) > MaxDiffPathBytes:
		p := prefix + name[:min(len(name), MaxDiffPathBytes)]
		return "", &DiffLimitError{Limit: "MaxDiffPathBytes", Max: MaxDiffPathBytes, Path: p[:MaxDiffPathBytes], Diffs: b.diffs}
	case strings.Count(prefix, "/") >= MaxDiffDepth:
		return "", &DiffLimitError{Limit: "MaxDiffDepth", Max: MaxDiffDepth, Path: prefix + name, Diffs: b.diffs}
	}
	return prefix + name, nil
}

// tree counts tree t, read at dir (a directory path ending in "/", or ""
// for the root).
func (b *diffBudget) tree(dir string, t *gitobj.Tree) error {
	if b == nil {
		return nil
	}
	b.treeBytes += int64(len(t.Raw()))
	if b.treeBytes > MaxDiffTreeBytes {
		return &DiffLimitError{Limit: "MaxDiffTreeBytes", Max: MaxDiffTreeBytes, Path: strings.TrimSuffix(dir, "/"), Diffs: b.diffs}
	}
	return nil
}
