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
	// "MaxDiffPathBytes", "MaxDiffTreeBytes" or, over a proposal's
	// diffs together, "MaxProposalTreeBytes".
	Limit string
	// Max is its value.
	Max int64
	// Path is where the diff was when it stopped (for MaxDiffPathBytes,
	// the first MaxDiffPathBytes bytes of the path); "" for the root.
	Path string
	// Diffs is how many diffs shared the budget that ran out (see
	// DiffBudget), this one included, when they reached the limit only
	// together; 0: this diff alone is over it.
	Diffs int
}

func (e *DiffLimitError) Error() string {
	what := map[string]string{
		"MaxDiffEntries":       "changed tree entries",
		"MaxDiffDepth":         "directory levels",
		"MaxDiffPathBytes":     "bytes in one path",
		"MaxDiffTreeBytes":     "bytes of trees read",
		"MaxProposalTreeBytes": "bytes of trees read",
	}[e.Limit]
	at := e.Path
	if at == "" {
		at = "the root"
	}
	if e.Diffs > 1 {
		return fmt.Sprintf("the changes are too large to read: at %s, this commit and what was read of the proposal's other commits and update merges (%d diffs in all) together have more than %d %s (gitstore.%s, counted over all of a proposal's commits); a proposal adds one file and a rule change a few: squash the proposal's commits and drop what else they add",
			quoteLong(at), e.Diffs, e.Max, what, e.Limit)
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
	entries   int64 // over every diff sharing it
	treeBytes int64 // this diff's
	// Shared budgets (DiffBudget) only:
	shared         bool
	diffs          int   // the diffs made against it
	entriesAtStart int64 // entries when this diff started
	totalTree      int64 // tree bytes over every diff
}

// newDiffBudget returns the budget of one bounded diff.
func newDiffBudget() *diffBudget { return &diffBudget{} }

// DiffBudget is one budget shared by several bounded diffs and lookups
// (ChangedFilesWithin, EntryAtWithin), the commits of one proposal: each
// diff keeps its own Max* limits, and together they visit at most
// MaxDiffEntries changed entries and read at most MaxProposalTreeBytes of
// trees, so splitting a change into many commits each under the limits
// gains nothing. The zero value is a fresh budget. Not safe for concurrent
// use.
type DiffBudget struct{ b diffBudget }

// ChangedFilesWithin is ChangedFiles counting against budget, which the
// diffs made against it before share. A budget that ran out stops every
// later diff against it; the *DiffLimitError says whether this diff alone
// was over a limit or only with the others (Diffs).
func (s *Store) ChangedFilesWithin(budget *DiffBudget, from, to plumbing.Hash) ([]string, error) {
	budget.b.startDiff()
	return s.changedFiles(&budget.b, from, to)
}

// EntryAtWithin is EntryAt counting every tree it reads against budget,
// as part of the last diff made against it: a lookup in a commit others
// push reads trees as a diff does, and a path looked up many times reads
// them each time.
func (s *Store) EntryAtWithin(budget *DiffBudget, commit plumbing.Hash, path string) (Entry, error) {
	return s.entryAt(&budget.b, commit, path)
}

// startDiff begins a new diff counted against a shared budget.
func (b *diffBudget) startDiff() {
	b.shared = true
	b.diffs++
	b.entriesAtStart, b.treeBytes = b.entries, 0
}

// limitErr is the error of limit max reached at path: this diff's alone,
// or the shared total (alone false), with how many diffs shared it.
func (b *diffBudget) limitErr(limit string, max int64, path string, alone bool) *DiffLimitError {
	e := &DiffLimitError{Limit: limit, Max: max, Path: path}
	if b.shared && !alone {
		e.Diffs = b.diffs
	}
	return e
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
		return "", b.limitErr("MaxDiffEntries", MaxDiffEntries, prefix+name, b.entries-b.entriesAtStart > MaxDiffEntries)
	case len(prefix)+len(name) > MaxDiffPathBytes:
		p := prefix + name[:min(len(name), MaxDiffPathBytes)]
		return "", b.limitErr("MaxDiffPathBytes", MaxDiffPathBytes, p[:MaxDiffPathBytes], true)
	case strings.Count(prefix, "/") >= MaxDiffDepth:
		return "", b.limitErr("MaxDiffDepth", MaxDiffDepth, prefix+name, true)
	}
	return prefix + name, nil
}

// tree counts tree t, read at dir (a directory path ending in "/", or ""
// for the root).
func (b *diffBudget) tree(dir string, t *gitobj.Tree) error {
	if b == nil {
		return nil
	}
	n := int64(len(t.Raw()))
	b.treeBytes += n
	b.totalTree += n
	switch {
	case b.treeBytes > MaxDiffTreeBytes:
		return b.limitErr("MaxDiffTreeBytes", MaxDiffTreeBytes, strings.TrimSuffix(dir, "/"), true)
	case b.shared && b.totalTree > MaxProposalTreeBytes:
		return b.limitErr("MaxProposalTreeBytes", MaxProposalTreeBytes, strings.TrimSuffix(dir, "/"), false)
	}
	return nil
}
