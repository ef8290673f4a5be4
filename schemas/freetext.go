package schemas

import "unicode"

// FirstUnprintable returns the first control (Unicode category Cc: C0,
// DEL, C1) or format (Cf: bidi overrides, zero-width characters) character
// of s and its position in characters, counted from 1; ok is false when s
// has none. Such characters in a field writ prints can redraw a terminal
// or CI log line (ESC sequences) or reorder what a reader sees (U+202E),
// for example into a fake cost line.
func FirstUnprintable(s string) (r rune, at int, ok bool) {
	i := 0
	for _, r := range s {
		i++
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			return r, i, true
		}
	}
	return 0, 0, false
}

// checkFreeText refuses control and format characters in the proposal's
// free-text fields that writ prints: owner (writ state's table and cost
// lines), trigger.ref and trigger.url. The proposal schema cannot say so
// itself: replay loads every proposal already on main with it, and an
// owner admitted before this check (a tab, say) must still replay; the
// check runs where proposals are admitted (CheckProposal).
func (c *checker) checkFreeText(p *Proposal) {
	c.printableField(At("owner"), p.Owner)
	if p.Trigger != nil {
		c.printableField(At("trigger", "ref"), p.Trigger.Ref)
		c.printableField(At("trigger", "url"), p.Trigger.URL)
	}
}

// printableField reports value at path when it holds a control or format
// character.
func (c *checker) printableField(path Path, value string) {
	if r, at, ok := FirstUnprintable(value); ok {
		c.at(path, "holds the control or format character %U at character %d: writ prints %s, and such a character can rewrite what a terminal shows; remove it (printable text on one line)", r, at, path.Field())
	}
}
