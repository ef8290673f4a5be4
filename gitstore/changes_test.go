package gitstore

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// treeEntry is one entry of a raw tree a test writes.
type treeEntry struct {
	mode, name string
	h          plumbing.Hash
}

// rawTree writes a tree of entries, given in git's order.
func rawTree(t *testing.T, s *Store, entries ...treeEntry) plumbing.Hash {
	t.Helper()
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(e.mode + " " + e.name + "\x00" + string(e.h[:]))
	}
	h, err := s.storeLocked(plumbing.TreeObject, []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// fanTree writes a tree that holds h under n names n00000, n00001, ...
// (a directory when mode is "40000").
func fanTree(t *testing.T, s *Store, n int, mode string, h plumbing.Hash, extra ...treeEntry) plumbing.Hash {
	t.Helper()
	entries := make([]treeEntry, 0, n+len(extra))
	for i := range n {
		entries = append(entries, treeEntry{mode, fmt.Sprintf("n%05d", i), h})
	}
	return rawTree(t, s, append(entries, extra...)...)
}

// fanPaths is every path of a tree of fanTree trees levels deep below dir,
// each of n names.
func fanPaths(dir string, n, levels int) []string {
	out := []string{dir}
	for range levels {
		var next []string
		for _, p := range out {
			for i := range n {
				next = append(next, fmt.Sprintf("%s/n%05d", p, i))
			}
		}
		out = next
	}
	return out
}

// TestChangedFilesLimits: a diff of trees others push costs what its
// change spells out only up to the Max* diff limits, however many paths
// its shared subtrees multiply into; within them it lists exactly the
// change, and the trusted diff has no limits.
func TestChangedFilesLimits(t *testing.T) {
	s := newStore(t)
	blob, err := s.storeLocked(plumbing.BlobObject, []byte("x\n"))
	if err != nil {
		t.Fatal(err)
	}
	blob2, err := s.storeLocked(plumbing.BlobObject, []byte("y\n"))
	if err != nil {
		t.Fatal(err)
	}
	commit := func(i int, root plumbing.Hash, parents ...plumbing.Hash) plumbing.Hash {
		t.Helper()
		c, err := s.WriteCommit(CommitRequest{BaseTree: root, Parents: parents, Message: fmt.Sprintf("c%d\n", i), Author: sigAt(i), Committer: sigAt(i)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	file := func(name string, h plumbing.Hash) treeEntry { return treeEntry{"100644", name, h} }
	dir := func(name string, h plumbing.Hash) treeEntry { return treeEntry{"40000", name, h} }
	base := rawTree(t, s, file("a", blob))
	with := func(e treeEntry) plumbing.Hash { return rawTree(t, s, file("a", blob), e) }

	// chain is a directory nested levels deep down to the file f.
	chain := func(levels int) (plumbing.Hash, string) {
		h, p := rawTree(t, s, file("f", blob)), "f"
		for i := levels - 1; i > 0; i-- {
			h, p = rawTree(t, s, dir("d", h)), "d/"+p
		}
		return h, "zz/" + p
	}
	at64, path64 := chain(MaxDiffDepth - 1)
	at65, _ := chain(MaxDiffDepth)

	// 170 directories holding a 0.9 MiB tree on one side and another that
	// differs from it in one file on the other: few entries differ, but
	// each pair is compared whole.
	big := func(h plumbing.Hash) plumbing.Hash {
		return fanTree(t, s, 26000, "100644", blob, treeEntry{"100644", "x", h})
	}
	bigA, bigB := big(blob), big(blob2)
	var pairsA, pairsB []treeEntry
	var pairPaths []string
	for i := range 170 {
		pairsA = append(pairsA, dir(fmt.Sprintf("d%03d", i), bigA))
		pairsB = append(pairsB, dir(fmt.Sprintf("d%03d", i), bigB))
		pairPaths = append(pairPaths, fmt.Sprintf("d%03d/x", i))
	}

	tests := []struct {
		name     string
		from, to plumbing.Hash
		want     []string // the diff's paths, within the limits
		limit    string   // else the limit it stops at
		trusted  []string // what ChangedFilesTrusted lists (nil: want)
	}{
		{name: "a changed file", from: base, to: rawTree(t, s, file("a", blob2)), want: []string{"a"}},
		{name: "a removed directory of shared subtrees",
			from: with(dir("zz", fanTree(t, s, 4, "40000", fanTree(t, s, 4, "100644", blob)))), to: base,
			want: fanPaths("zz", 4, 2)},
		{name: "shared subtrees within the limits",
			from: base, to: with(dir("zz", fanTree(t, s, 16, "40000", fanTree(t, s, 16, "100644", blob)))),
			want: fanPaths("zz", 16, 2)},
		{name: "shared subtrees over MaxDiffEntries",
			from: base, to: with(dir("zz", fanTree(t, s, 128, "40000", fanTree(t, s, 128, "100644", blob)))),
			limit: "MaxDiffEntries", trusted: fanPaths("zz", 128, 2)},
		{name: "2 million paths in 14 KB",
			from: base, to: with(dir("zz", fanTree(t, s, 128, "40000", fanTree(t, s, 128, "40000", fanTree(t, s, 128, "100644", blob))))),
			limit: "MaxDiffEntries", trusted: []string{}},
		{name: "MaxDiffDepth levels", from: base, to: with(dir("zz", at64)), want: []string{path64}},
		{name: "over MaxDiffDepth", from: base, to: with(dir("zz", at65)), limit: "MaxDiffDepth"},
		{name: "a name over MaxDiffPathBytes", from: base, to: with(file(strings.Repeat("n", MaxDiffPathBytes+1), blob)), limit: "MaxDiffPathBytes"},
		{name: "large subtrees over MaxDiffTreeBytes", from: rawTree(t, s, pairsA...), to: rawTree(t, s, pairsB...),
			limit: "MaxDiffTreeBytes", trusted: pairPaths},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to := commit(2*i, tt.from), commit(2*i+1, tt.to)
			got, err := s.ChangedFiles(from, to)
			entries, eerr := s.ChangedEntriesWhere(from, to, func(string) bool { return true })
			var paths []string
			for _, e := range entries {
				paths = append(paths, e.Path)
			}
			if tt.limit == "" {
				if err != nil || !slices.Equal(got, tt.want) {
					t.Fatalf("ChangedFiles = %d paths %.200q, %v; want %d paths %.200q", len(got), got, err, len(tt.want), tt.want)
				}
				if eerr != nil || !slices.Equal(paths, tt.want) {
					t.Fatalf("ChangedEntriesWhere = %d paths %.200q, %v; want the same as ChangedFiles", len(paths), paths, eerr)
				}
			} else {
				for what, err := range map[string]error{"ChangedFiles": err, "ChangedEntriesWhere": eerr} {
					var le *DiffLimitError
					if !errors.Is(err, ErrDiffTooLarge) || !errors.As(err, &le) || le.Limit != tt.limit {
						t.Fatalf("%s: %v; want a *DiffLimitError at %s", what, err, tt.limit)
					}
					if msg := err.Error(); !strings.Contains(msg, short(from)+".."+short(to)) && what == "ChangedFiles" ||
						!strings.Contains(msg, "gitstore."+tt.limit) || len(msg) > 1000 {
						t.Errorf("%s: the error %q must name the commits and the limit, briefly", what, msg)
					}
				}
				if got != nil || entries != nil {
					t.Errorf("a diff over its limits returned %d and %d paths", len(got), len(entries))
				}
			}
			want := tt.trusted
			if want == nil {
				want = tt.want
			}
			if len(want) == 0 && tt.limit != "" {
				return // too many to list here
			}
			trusted, err := s.ChangedFilesTrusted(from, to)
			if err != nil || !slices.Equal(trusted, want) {
				t.Fatalf("ChangedFilesTrusted = %d paths, %v; want %d", len(trusted), err, len(want))
			}
			if entries, err := s.ChangedEntriesWhereTrusted(from, to, func(string) bool { return true }); err != nil || len(entries) != len(want) {
				t.Fatalf("ChangedEntriesWhereTrusted = %d entries, %v; want %d", len(entries), err, len(want))
			}
		})
	}
}
