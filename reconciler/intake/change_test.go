package intake

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/schemas"
)

// ChangeHash is part of the WAL format (Writ-Content of rules entries): its
// bytes are pinned here against a value computed outside Go.
func TestChangeHash(t *testing.T) {
	blob := plumbing.NewHash("abababababababababababababababababababab")
	file := gitstore.Entry{Path: "policies/a.yaml", Mode: gitstore.ModeFile, Hash: blob}
	gone := gitstore.Entry{Path: "writ.yaml"}
	const pinned = "sha256:f9973e53b0b2024b72a082845a176111875ca1870dfa2d42643e0100d4c53faf"
	tests := []struct {
		name    string
		entries []gitstore.Entry
		same    bool // hashes to pinned
	}{
		{name: "pinned", entries: []gitstore.Entry{file, gone}, same: true},
		{name: "order does not matter", entries: []gitstore.Entry{gone, file}, same: true},
		{name: "a deletion is not a file", entries: []gitstore.Entry{file, {Path: "writ.yaml", Mode: gitstore.ModeFile, Hash: blob}}},
		{name: "the mode counts", entries: []gitstore.Entry{{Path: "policies/a.yaml", Mode: "100755", Hash: blob}, gone}},
		{name: "another path", entries: []gitstore.Entry{{Path: "policies/b.yaml", Mode: gitstore.ModeFile, Hash: blob}, gone}},
		{name: "one entry fewer", entries: []gitstore.Entry{file}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ChangeHash(tt.entries); (got == pinned) != tt.same {
				t.Fatalf("ChangeHash = %s; pinned %s; want equal: %v", got, pinned, tt.same)
			}
		})
	}
	// Never the hash of a file's bytes: the two kinds of content cannot
	// be confused.
	if ChangeHash(nil) == schemas.HashBytes(nil) {
		t.Fatal("the empty change hashes like an empty file")
	}
}
