package plan

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/writ-dev/writ/reconciler/intake"
)

// DefaultMaxDiffLines caps the lines of one file's diff.
const DefaultMaxDiffLines = 400

// How a rules change touches a file.
const (
	ChangeAdded    = "added"
	ChangeModified = "modified"
	ChangeDeleted  = "deleted"
)

// FileDiff is one changed governed file of a rules change: a unified diff
// (three lines of context) against main, or a note for a binary file.
// Truncated says the diff was cut at the cap; Lines is its full length.
type FileDiff struct {
	Path      string `json:"path"`
	Change    string `json:"change"`
	Binary    bool   `json:"binary,omitempty"`
	OldSize   int    `json:"old_size"`
	NewSize   int    `json:"new_size"`
	Diff      string `json:"diff,omitempty"`
	Lines     int    `json:"lines"`
	Truncated bool   `json:"truncated,omitempty"`
}

// diffs returns the diff of every governed file p changes or deletes (not
// the proposal file itself), in path order.
func diffs(p intake.Pending, old map[string][]byte, max int) []FileDiff {
	if max <= 0 {
		max = DefaultMaxDiffLines
	}
	var out []FileDiff
	for _, path := range p.ChangedFiles() {
		if path == p.Path {
			continue
		}
		before, existed := old[path]
		after, kept := p.Files[path]
		d := FileDiff{Path: path, Change: ChangeModified, OldSize: len(before), NewSize: len(after)}
		switch {
		case !kept:
			d.Change = ChangeDeleted
		case !existed:
			d.Change = ChangeAdded
		}
		if binary(before) || binary(after) {
			d.Binary = true
			out = append(out, d)
			continue
		}
		d.Diff, d.Lines, d.Truncated = unified(path, d.Change, before, after, max)
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// binary reports whether b is not text: invalid UTF-8 or a NUL byte.
func binary(b []byte) bool { return !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 }

// unified is the unified diff of one file, cut at max lines.
func unified(path, change string, before, after []byte, max int) (string, int, bool) {
	from, to := "a/"+path, "b/"+path
	switch change {
	case ChangeAdded:
		from = "/dev/null"
	case ChangeDeleted:
		to = "/dev/null"
	}
	text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: splitLines(before), B: splitLines(after), FromFile: from, ToFile: to, Context: 3})
	if err != nil {
		return fmt.Sprintf("(no diff: %v)", err), 0, false
	}
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) <= max {
		return text, len(lines), false
	}
	return strings.Join(lines[:max], ""), len(lines), true
}

// splitLines splits b into lines that each end in a newline (the last
// one gets one, marked, when the file lacks it).
func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += "\n\\ No newline at end of file\n"
	}
	return lines
}
