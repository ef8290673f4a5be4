package plan

import (
	"fmt"
	"strings"
	"unicode"
)

// Clean makes untrusted text safe to print on one terminal line: every
// control character (C0 including newline, CR and tab, DEL, C1) and every
// invisible formatting character (Unicode category Cf: bidirectional
// overrides, zero-width characters) is spelled out as \xNN or \uNNNN, so
// no ANSI escape can redraw the screen and no line break can forge a line.
// Invalid UTF-8 bytes become U+FFFD. It is pure.
func Clean(s string) string { return clean(s, false) }

// CleanKeepTabs is Clean that keeps tabs (a line of a source file or of
// a diff).
func CleanKeepTabs(s string) string { return clean(s, true) }

func clean(s string, keepTabs bool) string {
	if printableASCII(s) {
		return s // the common case, without decoding a rune
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	safe := true
	for _, r := range s {
		if unsafeRune(r, keepTabs) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !unsafeRune(r, keepTabs):
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == unicode.ReplacementChar:
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// printableASCII reports whether every byte of s is printable ASCII
// (0x20 to 0x7e): no rune of such a string is unsafe.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

func unsafeRune(r rune, keepTabs bool) bool {
	switch {
	case r == '\t':
		return !keepTabs
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == unicode.ReplacementChar:
		return false
	}
	return unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// cleanLines splits untrusted multi-line text into lines, each Clean (CR
// and the Unicode line separators count as breaks too), without a
// trailing empty line.
func cleanLines(s string) []string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n").Replace(s)
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = Clean(l)
	}
	return lines
}
