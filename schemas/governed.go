package schemas

import (
	"io/fs"
	"sort"
	"strings"
)

// A control repo's main holds two kinds of paths. Everything under
// ProposalsDir is the proposals the log merged, one file per entry. Every
// other path is governed: the rules (IsRulesPath: writ.yaml, workflows/,
// policies/, goals/, trust/) and ordinary files such as README.md, CODEOWNERS,
// docs/ or .github/workflows/. Genesis may hold governed paths of both
// kinds, and a governed path changes only through a rule change (a
// proposal at proposals/rules/<name>.yaml, judged by the governance policy
// of the rules in force), so main stays written by the reconciler alone.
// Only the rules are validated and put in force; ordinary files are kept
// as regular files and nothing more.

// gitDir is the name git gives its own directory in a working tree. It is
// never a path of a commit's tree (git refuses it), so a working tree's
// .git is never governed content.
const gitDir = ".git"

// IsGovernedRoot reports whether a top-level name of a control repo's tree
// is governed: every name but ProposalsDir (and .git, which no tree
// holds). It selects what gitstore.Store.ChangedEntriesWhere compares for
// a rule change.
func IsGovernedRoot(name string) bool {
	return name != "" && name != ProposalsDir && name != gitDir
}

// IsGovernedPath reports whether a slash-separated path is governed: any
// path whose top-level name IsGovernedRoot accepts. Every rules path is
// governed; so are ordinary files (README.md, .github/workflows/x.yml).
func IsGovernedPath(p string) bool {
	top, _, _ := strings.Cut(p, "/")
	return IsGovernedRoot(top)
}

// ReadGoverned reads every governed file of a working tree or template:
// every regular file outside proposals/ and .git, keyed by slash-separated
// path (the rules among them, as ReadRules reads them). Only regular,
// non-executable files inside fsys are read: a symlink, an executable file
// or a file over MaxFileSize is reported in the returned Problems, naming
// its path, and nothing is returned.
func ReadGoverned(fsys fs.FS) (map[string][]byte, error) {
	return ReadGovernedExcept(fsys, nil)
}

// ReadGovernedExcept is ReadGoverned leaving out every path skip accepts
// (isDir: a directory, left out with everything below it), unread and
// unjudged. A nil skip leaves out nothing.
func ReadGovernedExcept(fsys fs.FS, skip func(path string, isDir bool) bool) (map[string][]byte, error) {
	roots, err := governedRoots(fsys)
	if err != nil {
		return nil, err
	}
	fsys = regularFS{fsys}
	out := map[string][]byte{}
	var problems Problems
	for _, root := range roots {
		err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
			switch {
			case skip != nil && skip(p, d != nil && d.IsDir()):
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			case err != nil:
				problems = append(problems, openProblem(p, err, "cannot read"))
				return nil
			case d.IsDir():
				return nil
			}
			data, pr, ok := readFile(fsys, p)
			if !ok {
				problems = append(problems, pr)
				return nil
			}
			out[p] = data
			return nil
		})
		if err != nil { // the callbacks return none but SkipDir; kept for safety
			problems = append(problems, fileProblem(root, "cannot walk: %v", err))
		}
	}
	if len(problems) > 0 {
		return nil, finish(problems)
	}
	return out, nil
}

// governedRoots lists fsys's top-level names that IsGovernedRoot accepts,
// in order.
func governedRoots(fsys fs.FS) ([]string, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, finish(Problems{fileProblem(".", "cannot list: %v", err)})
	}
	var roots []string
	for _, e := range entries {
		if IsGovernedRoot(e.Name()) {
			roots = append(roots, e.Name())
		}
	}
	sort.Strings(roots)
	return roots, nil
}
