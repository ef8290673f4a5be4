package core

import "testing"

// FuzzParseHLC: parsing never panics, and whatever parses round-trips to
// the same text (one spelling per timestamp).
func FuzzParseHLC(f *testing.F) {
	for _, s := range []string{"0.0", "1795408711325.0", "1.4294967295", "01.0", "-1.0", "9223372036854775807.1", "", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHLC(s)
		if err != nil {
			return
		}
		if h.String() != s {
			t.Fatalf("ParseHLC(%q) = %v, which prints as %q", s, h, h.String())
		}
		if n := NextHLC(h, 0); n.Compare(h) <= 0 {
			t.Fatalf("NextHLC(%v) = %v is not after it", h, n)
		}
	})
}
