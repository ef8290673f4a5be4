package cli

import (
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"
)

// printable is a writer that spells out control characters instead of
// writing them: every C0 control byte but newline and tab, DEL, and the C1
// controls U+0080..U+009F (UTF-8 0xC2 0x80..0x9F) become \xNN (C1: \u00NN).
// writ prints text it read from commits and files (paths, identities,
// reasons) that anyone who can push a branch chose; a raw ESC or CR there
// could redraw a terminal or CI log line, for example into a fake "READY".
type printable struct{ w io.Writer }

// Write writes p with its control characters spelled out and reports
// len(p) on success, as io.Writer requires.
func (pw printable) Write(p []byte) (int, error) {
	clean := true
	for i, b := range p {
		if isControl(p, i, b) {
			clean = false
			break
		}
	}
	if clean {
		return pw.w.Write(p)
	}
	out := make([]byte, 0, len(p)+16)
	for i := 0; i < len(p); i++ {
		b := p[i]
		switch {
		case b == 0xc2 && i+1 < len(p) && p[i+1] >= 0x80 && p[i+1] <= 0x9f:
			out = fmt.Appendf(out, `\u%04x`, p[i+1])
			i++
		case isControl(p, i, b):
			out = fmt.Appendf(out, `\x%02x`, b)
		default:
			out = append(out, b)
		}
	}
	if _, err := pw.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// isControl reports whether p[i] (b) starts a control character that
// printable spells out.
func isControl(p []byte, i int, b byte) bool {
	switch {
	case b == '\n' || b == '\t':
		return false
	case b < 0x20 || b == 0x7f:
		return true
	case b == 0xc2 && i+1 < len(p) && p[i+1] >= 0x80 && p[i+1] <= 0x9f:
		return true
	}
	return false
}

// printableText returns s with every character that is not printable
// spelled out: what unicode.IsPrint refuses (controls, tab and newline
// included, format characters such as U+202E or U+200B, unassigned code
// points) becomes \xNN below U+0080 and \uNNNN or \UNNNNNNNN above, as
// printable spells controls; an invalid UTF-8 byte becomes \xNN. Use it
// for one field of a line (a table cell, a name in a sentence), where the
// printable writer's pass over the whole output still lets a tab move a
// column and a bidi override reorder the line.
func printableText(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	out := make([]byte, 0, len(s)+16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			out = fmt.Appendf(out, `\x%02x`, s[i])
		case r < 0x80 && !unicode.IsPrint(r):
			out = fmt.Appendf(out, `\x%02x`, r)
		case r <= 0xffff && !unicode.IsPrint(r):
			out = fmt.Appendf(out, `\u%04x`, r)
		case !unicode.IsPrint(r):
			out = fmt.Appendf(out, `\U%08x`, r)
		default:
			out = append(out, s[i:i+size]...)
		}
		i += size
	}
	return string(out)
}
