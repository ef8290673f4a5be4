package gitstore

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
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

// TestTreeCheckAddsOnly: TreeCheck recognises an entry's tree as its
// parent's plus exactly the proposal file, flat
// (proposals/<instance>/<file>) or sharded
// (proposals/<lineage>/<shard>/<file>), and nothing else: a second file
// or a change elsewhere is "not shown".
func TestTreeCheckAddsOnly(t *testing.T) {
	s := newStore(t)
	head := mustCommit(t, s, 0, nil, map[string]string{"writ.yaml": "x"})
	tc := s.FastReader().NewTreeCheck()
	for i, tt := range []struct {
		name  string
		files map[string]string
		path  string
		want  bool
	}{
		{"a sharded file, new lineage", map[string]string{"proposals/l-1/ab/x.yaml": "1"}, "proposals/l-1/ab/x.yaml", true},
		{"a second file in the shard", map[string]string{"proposals/l-1/ab/y.yaml": "2"}, "proposals/l-1/ab/y.yaml", true},
		{"a new shard", map[string]string{"proposals/l-1/cd/z.yaml": "3"}, "proposals/l-1/cd/z.yaml", true},
		{"a flat file", map[string]string{"proposals/d-1/open.yaml": "4"}, "proposals/d-1/open.yaml", true},
		{"a flat file beside the shards", map[string]string{"proposals/l-1/old.yaml": "5"}, "proposals/l-1/old.yaml", true},
		{"two files in one shard", map[string]string{"proposals/l-1/ab/w.yaml": "6", "proposals/l-1/ab/v.yaml": "7"}, "proposals/l-1/ab/w.yaml", false},
		// As a tree diff sees it, one changed path (whether main may hold
		// the file already is replay's question, not the tree check's).
		{"a changed file", map[string]string{"proposals/l-1/ab/x.yaml": "changed"}, "proposals/l-1/ab/x.yaml", true},
		{"a changed file and a new one", map[string]string{"proposals/l-1/ab/x.yaml": "again", "proposals/l-1/ab/o.yaml": "o"}, "proposals/l-1/ab/o.yaml", false},
		{"a file and a change elsewhere", map[string]string{"proposals/l-1/ef/u.yaml": "8", "README.md": "r"}, "proposals/l-1/ef/u.yaml", false},
		{"a file and one in another shard", map[string]string{"proposals/l-1/ab/t.yaml": "9", "proposals/l-1/cd/t2.yaml": "10"}, "proposals/l-1/ab/t.yaml", false},
		{"a file and one flat in the lineage", map[string]string{"proposals/l-1/ab/s.yaml": "11", "proposals/l-1/s2.yaml": "12"}, "proposals/l-1/ab/s.yaml", false},
		{"a file and one in another lineage", map[string]string{"proposals/l-1/ab/r.yaml": "13", "proposals/l-2/ab/r.yaml": "14"}, "proposals/l-1/ab/r.yaml", false},
		{"again after refusals", map[string]string{"proposals/l-1/ab/q.yaml": "15"}, "proposals/l-1/ab/q.yaml", true},
		{"too deep", map[string]string{"proposals/l-1/ab/cd/p.yaml": "16"}, "proposals/l-1/ab/cd/p.yaml", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			next := mustCommit(t, s, i+1, []plumbing.Hash{head}, tt.files)
			parent, err := s.Commit(head)
			if err != nil {
				t.Fatal(err)
			}
			c, err := s.Commit(next)
			if err != nil {
				t.Fatal(err)
			}
			f := tc.Read(c.TreeHash, tt.path)
			if got := tc.AddsOnly(&f, parent.TreeHash, c.TreeHash); got != tt.want {
				t.Fatalf("AddsOnly(%s) = %v, want %v (read: %v)", tt.path, got, tt.want, f.OK())
			}
			if tt.want {
				if want := plumbing.ComputeHash(plumbing.BlobObject, []byte(tt.files[tt.path])); f.Blob() != want {
					t.Fatalf("Blob() = %s, want %s", f.Blob(), want)
				}
			}
			head = next
		})
	}
}
