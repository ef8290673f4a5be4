package intake

import (
	"errors"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
)

// RegularFiles checks that every path present in commit's tree is a
// regular, non-executable file (mode 100644), first first, then the others
// in path order. A path the tree does not hold (a deletion) passes. The
// error wraps gitstore.ErrNotRegular and names the path and what it is
// (symlink, executable, submodule): writ never takes a symlink's target
// text, an executable or a submodule for a control-repo file, whether in a
// proposal branch, a rules change or a WAL entry.
func RegularFiles(store *gitstore.Store, commit plumbing.Hash, first string, others []string) error {
	return regularFiles(store, nil, commit, first, others)
}

// RegularFilesWithin is RegularFiles for a commit others push: every tree
// its lookups read counts against budget, the proposal's (a rule change
// can name thousands of paths, and each lookup reads the trees on its
// path again).
func RegularFilesWithin(store *gitstore.Store, budget *gitstore.DiffBudget, commit plumbing.Hash, first string, others []string) error {
	return regularFiles(store, budget, commit, first, others)
}

func regularFiles(store *gitstore.Store, budget *gitstore.DiffBudget, commit plumbing.Hash, first string, others []string) error {
	rest := append([]string(nil), others...)
	sort.Strings(rest)
	for _, p := range append([]string{first}, rest...) {
		if p == "" {
			continue
		}
		mode, err := fileMode(store, budget, commit, p)
		switch {
		case errors.Is(err, gitstore.ErrNotFound):
			continue
		case err != nil:
			return err
		}
		if err := gitstore.RegularFile(p, mode); err != nil {
			return err
		}
	}
	return nil
}

// pathsOf returns a set's members, in no particular order.
func pathsOf(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	return out
}

// fileMode is store.FileMode, within budget when it is not nil.
func fileMode(store *gitstore.Store, budget *gitstore.DiffBudget, commit plumbing.Hash, path string) (string, error) {
	if budget == nil {
		return store.FileMode(commit, path)
	}
	return store.FileModeWithin(budget, commit, path)
}
