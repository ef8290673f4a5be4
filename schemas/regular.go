package schemas

import (
	"errors"
	"fmt"
	"io/fs"
)

// Only regular files. A control-repo file is a regular, non-executable file
// (git mode 100644). The loader never follows a symlink, whether the file
// or a directory above it is the link, and never reads a file it refuses:
// a symlink could point outside the repository (a secret would then be
// quoted in problems), and in git a symlink's "content" is its target
// text, which must never pass for YAML. Executable files (git mode 100755)
// and anything else that is not a regular file are refused too.

// irregularError is the error regularFS returns for a path it refuses.
type irregularError struct{ p Problem }

func (e *irregularError) Error() string { return e.p.File + " is " + e.p.Message }

// irregular returns the problem with the entry at path of the given mode
// (as fs.Lstat reports it), or false when it is a directory or a regular,
// non-executable file.
func irregular(path string, mode fs.FileMode) (Problem, bool) {
	var msg string
	switch {
	case mode.IsDir():
		return Problem{}, false
	case mode&fs.ModeSymlink != 0:
		msg = "a symlink; writ reads only regular files and never follows links: put the file itself here"
	case !mode.IsRegular():
		msg = fmt.Sprintf("not a regular file (%s); writ reads only regular files", mode.Type())
	case mode.Perm()&0o111 != 0:
		msg = "an executable file; writ reads only regular, non-executable files (git mode 100644): chmod -x it"
	default:
		return Problem{}, false
	}
	return fileProblem(path, "%s", msg), true
}

// regularFS serves only what the loader may read from a working tree:
// opening a path fails with an *irregularError when the path or any
// directory above it is a symlink, or when the path is a file that is not
// regular and non-executable. It relies on fs.Lstat, so over a file system
// without fs.ReadLinkFS it checks file types only.
type regularFS struct{ fsys fs.FS }

// Open checks name component by component, then opens it.
func (r regularFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name != "." {
		for i := 0; i <= len(name); i++ {
			if i < len(name) && name[i] != '/' {
				continue
			}
			fi, err := fs.Lstat(r.fsys, name[:i])
			if err != nil {
				break // Open says what is wrong
			}
			if p, bad := irregular(name[:i], fi.Mode()); bad {
				return nil, &fs.PathError{Op: "open", Path: name, Err: &irregularError{p}}
			}
		}
	}
	return r.fsys.Open(name)
}

// openProblem is the problem an error opening or reading file gives:
// the refusal itself when regularFS refused the path, otherwise what
// generic says, followed by the error.
func openProblem(file string, err error, generic string) Problem {
	var irr *irregularError
	if errors.As(err, &irr) {
		return irr.p
	}
	return fileProblem(file, "%s: %v", generic, err)
}

// irregularEntries reports every entry at writ.yaml, under the rules
// directories and under proposals/ that is not a directory or a regular,
// non-executable file, including those the loader would not read (a
// symlink named workflows/lib): git trees are held to the same rule.
func irregularEntries(fsys fs.FS) Problems {
	return walkFiles(fsys, append([]string{ConfigFile, ProposalsDir}, RulesDirs()...), func(p string, d fs.DirEntry) *Problem {
		mode := d.Type()
		if mode.IsRegular() {
			fi, err := d.Info()
			if err != nil {
				pr := openProblem(p, err, "cannot read")
				return &pr
			}
			mode = fi.Mode()
		}
		if pr, bad := irregular(p, mode); bad {
			return &pr
		}
		return nil
	})
}
