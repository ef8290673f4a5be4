package schemas

import (
	"errors"
	"io/fs"
)

// ReadRules reads the rules files of a working tree: writ.yaml and every
// file under RulesDirs (workflows/, policies/, goals/, trust/, recursively), keyed by
// slash-separated path. These are exactly the paths IsRulesPath accepts, so
// a rules change proposed from a working tree carries everything validation
// reads. Only regular, non-executable files inside fsys are read: a symlink
// (the file or a directory above it), an executable file or a file over
// MaxFileSize is reported in the returned Problems, naming its path, and
// nothing is returned. A missing writ.yaml or directory is just absent.
func ReadRules(fsys fs.FS) (map[string][]byte, error) {
	fsys = regularFS{fsys}
	out := map[string][]byte{}
	problems := walkFiles(fsys, RulesRoots(), func(p string, _ fs.DirEntry) *Problem {
		data, pr, ok := readFile(fsys, p)
		if !ok {
			return &pr
		}
		out[p] = data
		return nil
	})
	if len(problems) > 0 {
		return nil, finish(problems)
	}
	return out, nil
}

// walkFiles walks every root (a file or a directory; a missing one is just
// absent) and calls visit for each entry that is not a directory, collecting
// the problems visit returns and those of reading the tree itself.
func walkFiles(fsys fs.FS, roots []string, visit func(p string, d fs.DirEntry) *Problem) Problems {
	var problems Problems
	for _, root := range roots {
		err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil && errors.Is(err, fs.ErrNotExist):
				return nil
			case err != nil:
				problems = append(problems, openProblem(p, err, "cannot read"))
				return nil
			case d.IsDir():
				return nil
			}
			if pr := visit(p, d); pr != nil {
				problems = append(problems, *pr)
			}
			return nil
		})
		if err != nil { // the callbacks return none; kept for safety
			problems = append(problems, fileProblem(root, "cannot walk: %v", err))
		}
	}
	return problems
}
