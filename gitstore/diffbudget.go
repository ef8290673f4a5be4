package gitstore

import (
	"fmt"
	"strings"

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
}

// newDiffBudget returns the budget of one bounded diff.
func newDiffBudget() *diffBudget { return &diffBudget{} }

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
		return "", &DiffLimitError{Limit: "MaxDiffEntries", Max: MaxDiffEntries, Path: prefix + name}
	case len(prefix)+len(name) > MaxDiffPathBytes:
		p := prefix + name[:min(len(name), MaxDiffPathBytes)]
		return "", &DiffLimitError{Limit: "MaxDiffPathBytes", Max: MaxDiffPathBytes, Path: p[:MaxDiffPathBytes]}
	case strings.Count(prefix, "/") >= MaxDiffDepth:
		return "", &DiffLimitError{Limit: "MaxDiffDepth", Max: MaxDiffDepth, Path: prefix + name}
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
		return &DiffLimitError{Limit: "MaxDiffTreeBytes", Max: MaxDiffTreeBytes, Path: strings.TrimSuffix(dir, "/")}
	}
	return nil
}
