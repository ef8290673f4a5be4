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
