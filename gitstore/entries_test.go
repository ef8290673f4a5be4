package gitstore

import (
	"errors"
	"reflect"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestChangedEntries(t *testing.T) {
	s := newStore(t)
	base := mustCommit(t, s, 0, nil, map[string]string{
		"writ.yaml": "v1", "policies/a.yaml": "a", "policies/b.yaml": "b", "proposals/x/p.yaml": "p", "other.txt": "o", "trust": "file",
	})
	mid := mustCommit(t, s, 1, []plumbing.Hash{base}, map[string]string{
		"writ.yaml": "v2", "policies/c.yaml": "c", "proposals/x/q.yaml": "q", "other.txt": "o2",
	}, "policies/b.yaml", "trust")
	next := mustCommit(t, s, 2, []plumbing.Hash{mid}, map[string]string{"trust/root.pem": "pem"})
	blob := func(s string) plumbing.Hash { return plumbing.ComputeHash(plumbing.BlobObject, []byte(s)) }
	tests := []struct {
		name     string
		from, to plumbing.Hash
		roots    []string
		want     []Entry
	}{
		{name: "rules roots", from: base, to: next, roots: []string{"writ.yaml", "policies", "trust"}, want: []Entry{
			{Path: "policies/b.yaml"},
			{Path: "policies/c.yaml", Mode: ModeFile, Hash: blob("c")},
			{Path: "trust"},
			{Path: "trust/root.pem", Mode: ModeFile, Hash: blob("pem")},
			{Path: "writ.yaml", Mode: ModeFile, Hash: blob("v2")},
		}},
		{name: "one root", from: base, to: next, roots: []string{"proposals"}, want: []Entry{
			{Path: "proposals/x/q.yaml", Mode: ModeFile, Hash: blob("q")},
		}},
		{name: "from the empty tree", from: plumbing.ZeroHash, to: base, roots: []string{"policies"}, want: []Entry{
			{Path: "policies/a.yaml", Mode: ModeFile, Hash: blob("a")},
			{Path: "policies/b.yaml", Mode: ModeFile, Hash: blob("b")},
		}},
		{name: "no change", from: next, to: next, roots: []string{"writ.yaml", "policies"}},
		{name: "root not present", from: base, to: next, roots: []string{"workflows"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ChangedEntries(tt.from, tt.to, tt.roots...)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 0 || len(tt.want) != 0 {
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("got %+v\nwant %+v", got, tt.want)
				}
			}
		})
	}
	e, err := s.EntryAt(next, "writ.yaml")
	if err != nil || e != (Entry{Path: "writ.yaml", Mode: ModeFile, Hash: blob("v2")}) {
		t.Fatalf("EntryAt writ.yaml: %+v, %v", e, err)
	}
	if _, err := s.EntryAt(next, "policies"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("EntryAt of a directory: %v", err)
	}
}

// ChangedEntriesWhere selects top-level names by a predicate: every name
// but proposals/ here, as a rule change compares governed paths.
func TestChangedEntriesWhere(t *testing.T) {
	s := newStore(t)
	base := mustCommit(t, s, 0, nil, map[string]string{
		"writ.yaml": "v1", "proposals/x/p.yaml": "p", "README.md": "r1", ".github/workflows/w.yml": "w1",
	})
	next := mustCommit(t, s, 1, []plumbing.Hash{base}, map[string]string{
		"writ.yaml": "v2", "proposals/x/q.yaml": "q", ".github/workflows/w.yml": "w2", "docs/x.md": "x",
	}, "README.md")
	blob := func(s string) plumbing.Hash { return plumbing.ComputeHash(plumbing.BlobObject, []byte(s)) }
	got, err := s.ChangedEntriesWhere(base, next, func(name string) bool { return name != "proposals" })
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Path: ".github/workflows/w.yml", Mode: ModeFile, Hash: blob("w2")},
		{Path: "README.md"},
		{Path: "docs/x.md", Mode: ModeFile, Hash: blob("x")},
		{Path: "writ.yaml", Mode: ModeFile, Hash: blob("v2")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}
