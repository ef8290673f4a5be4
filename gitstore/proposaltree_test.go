package gitstore

import (
	"strings"
	"testing"
)

func TestEntryHints(t *testing.T) {
	entry := func(name string) string { return "40000 " + name + "\x00" + strings.Repeat("h", 20) }
	key := func(name string) []byte { return []byte("40000 " + name + "\x00") }
	tree := entry("a") + entry("b") + entry("c")
	grown := entry("a") + entry("a2") + entry("b") + entry("c")
	var h entryHints
	tests := []struct {
		name, raw, instance string
		want                int
	}{
		{"first search", tree, "b", len(entry("a"))},
		{"from the hint", tree, "b", len(entry("a"))},
		{"moved by an added instance", grown, "b", len(entry("a") + entry("a2"))},
		{"back again", tree, "b", len(entry("a"))},
		{"last", tree, "c", 2 * len(entry("a"))},
		{"hint past the end", entry("c"), "c", 0},
		{"absent", tree, "d", -1},
		{"not a prefix of a longer name", entry("bb"), "b", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.find([]byte(tt.raw), tt.instance, key(tt.instance)); got != tt.want {
				t.Fatalf("find(%q) = %d, want %d", tt.instance, got, tt.want)
			}
		})
	}
}
