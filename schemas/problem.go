package schemas

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with a control-repo file, positioned so an
// editor can jump to it. Line and Column are 1-based; both are 0 only for a
// problem with the whole file (it is missing, empty or unreadable).
type Problem struct {
	// File is the slash-separated path of the file, relative to the repo
	// root when the file came from LoadBundle or ValidateRepo.
	File string
	// Line and Column locate the offending key or value.
	Line, Column int
	// Field is a path such as "transitions[2].to", "(root)" for the
	// document as a whole, or "(file)" when the file itself is at fault.
	Field string
	// Message says what is wrong, in English, naming allowed values where
	// there is a fixed set.
	Message string
}

// Field names used when a problem has no path inside the document.
const (
	FieldRoot = "(root)"
	FieldFile = "(file)"
)

// String formats the problem as "path:line:col: field: message", the form
// compilers use, so editors and CI annotations can parse it. A problem with
// the whole file (no line) is "path: field: message", never a made-up
// position such as 0:0.
func (p Problem) String() string {
	if p.Line == 0 {
		return fmt.Sprintf("%s: %s: %s", p.File, p.Field, p.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", p.File, p.Line, p.Column, p.Field, p.Message)
}

// Problems is a list of problems. A nil or empty list means "no problems";
// a non-empty list is an error.
type Problems []Problem

// Error joins the problems, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Err returns ps as an error, or nil when there are no problems. Use it to
// avoid the typed-nil trap of returning a nil Problems as an error.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// Sort orders problems by file, line, column, field and message, and drops
// exact duplicates, so output is the same on every run.
func (ps Problems) Sort() Problems {
	slices.SortFunc(ps, compareProblems)
	return slices.Compact(ps)
}

func compareProblems(a, b Problem) int {
	return cmp.Or(
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
		cmp.Compare(a.Field, b.Field),
		cmp.Compare(a.Message, b.Message),
	)
}

// MaxProblemsPerFile caps how many problems are reported for one file; a
// final problem says how many more were dropped.
const MaxProblemsPerFile = 100

// finish sorts ps and caps each file's problems at MaxProblemsPerFile.
func finish(ps Problems) Problems {
	ps = ps.Sort()
	out := ps[:0:0]
	for i := 0; i < len(ps); {
		j := i
		for j < len(ps) && ps[j].File == ps[i].File {
			j++
		}
		if n := j - i; n > MaxProblemsPerFile {
			last := ps[i+MaxProblemsPerFile-1]
			out = append(out, ps[i:i+MaxProblemsPerFile]...)
			out = append(out, Problem{File: last.File, Line: last.Line, Column: last.Column, Field: FieldFile,
				Message: fmt.Sprintf("%d more problems not shown", n-MaxProblemsPerFile)})
		} else {
			out = append(out, ps[i:j]...)
		}
		i = j
	}
	return out
}

// fileProblem is a problem with a whole file.
func fileProblem(file, format string, args ...any) Problem {
	return Problem{File: file, Field: FieldFile, Message: fmt.Sprintf(format, args...)}
}
