package schemas

import (
	"fmt"
	"strconv"
	"strings"
)

// Path addresses a value inside a document: string tokens are mapping keys
// and int tokens are list indexes. The empty Path is the document root.
type Path []any

// At builds a Path from keys (string) and indexes (int).
func At(tokens ...any) Path { return Path(tokens) }

// pointer returns the path as a JSON pointer (RFC 6901).
func (p Path) pointer() string {
	var sb strings.Builder
	for _, t := range p {
		sb.WriteByte('/')
		switch t := t.(type) {
		case int:
			sb.WriteString(strconv.Itoa(t))
		default:
			s := fmt.Sprint(t)
			s = strings.ReplaceAll(s, "~", "~0")
			sb.WriteString(strings.ReplaceAll(s, "/", "~1"))
		}
	}
	return sb.String()
}

// plainKey reports whether a key can be printed without quotes: a letter
// or '_' followed by letters, digits, '_' and '-'.
func plainKey(s string) bool {
	for i, r := range s {
		switch {
		case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case i > 0 && (r == '-' || '0' <= r && r <= '9'):
		default:
			return false
		}
	}
	return s != ""
}

// Field formats the path the way problems name fields, for example
// "transitions[2].from[0]" or `inputs["build.id"]`; the root is "(root)".
func (p Path) Field() string {
	var sb strings.Builder
	for _, t := range p {
		switch t := t.(type) {
		case int:
			fmt.Fprintf(&sb, "[%d]", t)
		default:
			s := fmt.Sprint(t)
			if !plainKey(s) {
				fmt.Fprintf(&sb, "[%s]", strconv.Quote(s))
				continue
			}
			if sb.Len() > 0 {
				sb.WriteByte('.')
			}
			sb.WriteString(s)
		}
	}
	if sb.Len() == 0 {
		return FieldRoot
	}
	return sb.String()
}

// loc is where one value, and the key that names it, were written.
type loc struct {
	line, col       int // the value
	keyLine, keyCol int // the mapping key, or the value again for list items and the root
	field           string
}

// Positions records where each key and value of one loaded file was
// written, so checks that run after decoding can still name a line. A
// Positions is read-only once loading returns and safe for concurrent use.
type Positions struct {
	file string
	locs map[string]loc // by JSON pointer
}

func newPositions(file string) *Positions {
	return &Positions{file: file, locs: map[string]loc{}}
}

// File returns the name of the file the positions belong to.
func (ps *Positions) File() string {
	if ps == nil {
		return ""
	}
	return ps.file
}

// find returns the location of path, or of its nearest recorded ancestor
// when path itself was not written (an omitted optional field).
func (ps *Positions) find(path Path) (loc, bool) {
	if ps == nil {
		return loc{}, false
	}
	for n := len(path); n >= 0; n-- {
		if l, ok := ps.locs[path[:n].pointer()]; ok {
			return l, n == len(path)
		}
	}
	return loc{}, false
}

// Lookup returns the 1-based line and column of the value at path. When
// the path was not written, it returns the position of the nearest written
// ancestor; when nothing is known, 0, 0.
func (ps *Positions) Lookup(path Path) (line, col int) {
	l, _ := ps.find(path)
	return l.line, l.col
}

// Problemf makes a problem positioned at the value at path (or its nearest
// written ancestor) and named by the path's field.
func (ps *Positions) Problemf(path Path, format string, args ...any) Problem {
	l, _ := ps.find(path)
	return Problem{
		File: ps.File(), Line: l.line, Column: l.col,
		Field: path.Field(), Message: fmt.Sprintf(format, args...),
	}
}

// keyProblemf is Problemf positioned at the mapping key that names the
// value rather than at the value.
func (ps *Positions) keyProblemf(path Path, format string, args ...any) Problem {
	p := ps.Problemf(path, format, args...)
	if l, ok := ps.find(path); ok {
		p.Line, p.Column = l.keyLine, l.keyCol
	}
	return p
}

// problemAtPointer positions a problem by a JSON pointer given as tokens, as
// schema validation reports it. It uses the field recorded while loading,
// so list indexes print as [i].
func (ps *Positions) problemAtPointer(tokens []string, atKey bool, msg string) Problem {
	path := make(Path, len(tokens))
	for i, t := range tokens {
		path[i] = t
	}
	l, exact := ps.find(path)
	p := Problem{File: ps.File(), Line: l.line, Column: l.col, Field: path.Field(), Message: msg}
	if exact {
		p.Field = l.field
		if atKey {
			p.Line, p.Column = l.keyLine, l.keyCol
		}
	}
	return p
}
