package schemas

import (
	"errors"
	"io/fs"
)

// ReadRules reads the rules files of a working tree: writ.yaml and every
// file under RulesDirs (workflows/, policies/, trust/, recursively), keyed by
// slash-separated path. These are exactly the paths IsRulesPath accepts, so
// a rules change proposed from a working tree carries everything validation
// reads. Only regular, non-executable files inside fsys are read: a symlink
// (the file or a directory above it), an executable file or a file over
// MaxFileSize is reported in the returned Problems, naming its path, and
// nothing is returned. A missing writ.yaml or directory is just absent.
func ReadRules(fsys fs.FS) (map[string][]byte, error) {
	fsys = regularFS{fsys}
	out := map[string][]byte{}
	var problems Problems
	for _, root := range append([]string{ConfigFile}, RulesDirs()...) {
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
			data, pr, ok := readFile(fsys, p)
			if !ok {
				problems = append(problems, pr)
				return nil
			}
			out[p] = data
			return nil
		})
		if err != nil {
			problems = append(problems, fileProblem(root, "cannot walk: %v", err))
		}
	}
	if len(problems) > 0 {
		return nil, finish(problems)
	}
	return out, nil
}
