package schemas

import (
	"fmt"
	"strings"
)

// checker collects semantic problems for one file.
type checker struct {
	pos      *Positions
	problems Problems
}

func (c *checker) at(path Path, format string, args ...any) {
	c.problems = append(c.problems, c.pos.Problemf(path, format, args...))
}

// where describes a position for "first at ..." notes: the line within
// the same file, or file:line:col in another.
func where(pos *Positions, path Path, from *Positions) string {
	line, col := pos.Lookup(path)
	if from != nil && from.File() == pos.File() {
		return fmt.Sprintf("line %d", line)
	}
	return fmt.Sprintf("%s:%d:%d", pos.File(), line, col)
}

// has reports whether a value was written at exactly path.
func (ps *Positions) has(path Path) bool {
	_, ok := ps.find(path)
	return ok
}

// uniqueNames reports every repeated name in a list. name returns the
// name of item i and the path of the value to blame.
func (c *checker) uniqueNames(what string, n int, name func(i int) (string, Path)) map[string]int {
	seen := make(map[string]int, n)
	for i := range n {
		v, path := name(i)
		if j, dup := seen[v]; dup {
			_, first := name(j)
			c.at(path, "duplicate %s %q (first at %s)", what, v, where(c.pos, first, c.pos))
			continue
		}
		seen[v] = i
	}
	return seen
}

// known formats the allowed names for an "unknown X" message.
func knownList(what string, names []string) string {
	if len(names) == 0 {
		return fmt.Sprintf("no %s are declared", what)
	}
	const limit = 12
	if len(names) > limit {
		return fmt.Sprintf("%s: %s, ... (%d more)", what, strings.Join(names[:limit], ", "), len(names)-limit)
	}
	return fmt.Sprintf("%s: %s", what, strings.Join(names, ", "))
}
