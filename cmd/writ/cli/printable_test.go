package cli

import (
	"strings"
	"testing"
)

func TestPrintableSpellsOutControlCharacters(t *testing.T) {
	tests := []struct{ in, want string }{
		{"gate x: READY\n\tok", "gate x: READY\n\tok"},
		{"bob\x1b[2K\rgate: READY", `bob\x1b[2K\x0dgate: READY`},
		{"a\x00b\x7fc", `a\x00b\x7fc`},
		{"csi \u009b2K", `csi \u009b2K`},
		{"café → ✓", "café → ✓"},
	}
	for _, tt := range tests {
		var b strings.Builder
		n, err := printable{&b}.Write([]byte(tt.in))
		if err != nil || n != len(tt.in) {
			t.Fatalf("Write(%q) = %d, %v; want %d, nil", tt.in, n, err, len(tt.in))
		}
		if b.String() != tt.want {
			t.Errorf("Write(%q) wrote %q, want %q", tt.in, b.String(), tt.want)
		}
	}
}

func TestPrintableTextSpellsOutWhatIsNotPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"web-team", "web-team"},
		{"équipe web ✓ 😀", "équipe web ✓ 😀"},
		{"evil\x1b[1A\x1b[2Kcost of web-team: 0 USD", `evil\x1b[1A\x1b[2Kcost of web-team: 0 USD`},
		{"web\tteam\nx\r", `web\x09team\x0ax\x0d`},
		{"csi \u009b2K", `csi \u009b2K`},
		{"team\u202eevil", `team\u202eevil`},
		{"zero\u200bwidth\ufeff", `zero\u200bwidth\ufeff`},
		{"tag \U000E0041", `tag \U000e0041`},
		{"bad \xff utf-8", `bad \xff utf-8`},
	}
	for _, tt := range tests {
		if got := printableText(tt.in); got != tt.want {
			t.Errorf("printableText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
