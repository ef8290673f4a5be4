package gitobj_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// encodeTree is what go-git (and git) write for entries: sorted in git's
// order and encoded.
func encodeTree(t *testing.T, entries map[string]object.TreeEntry) []byte {
	t.Helper()
	tr := &object.Tree{}
	for _, e := range entries {
		tr.Entries = append(tr.Entries, e)
	}
	sort.Sort(object.TreeEntrySorter(tr.Entries))
	o := &plumbing.MemoryObject{}
	if err := tr.Encode(o); err != nil {
		t.Fatal(err)
	}
	r, _ := o.Reader()
	var b bytes.Buffer
	b.ReadFrom(r)
	return b.Bytes()
}

// Names where git's order differs from plain byte order: "a" as a
// directory sorts as "a/", after "a-b" and "a.txt" but before "a0".
var editNames = []string{"a", "a-b", "a.txt", "a0", "b", "b.c", "c", "zz", "a b", "é"}

func randomEntry(r *rand.Rand, name string) object.TreeEntry {
	modes := []filemode.FileMode{filemode.Regular, filemode.Dir, filemode.Executable, filemode.Symlink}
	var h plumbing.Hash
	for i := range h {
		h[i] = byte(r.IntN(256))
	}
	return object.TreeEntry{Name: name, Mode: modes[r.IntN(len(modes))], Hash: h}
}

func TestTreeEditMatchesGit(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 500 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			entries := map[string]object.TreeEntry{}
			for _, n := range editNames {
				if r.IntN(2) == 0 {
					entries[n] = randomEntry(r, n)
				}
			}
			base, err := gitobj.ParseTree(encodeTree(t, entries))
			if err != nil {
				t.Fatal(err)
			}
			var edits []gitobj.Edit
			for _, n := range editNames {
				if r.IntN(3) != 0 {
					continue
				}
				if _, ok := entries[n]; ok && r.IntN(3) == 0 {
					edits = append(edits, gitobj.Edit{Name: n, Delete: true})
					delete(entries, n)
					continue
				}
				e := randomEntry(r, n)
				entries[n] = e
				edits = append(edits, gitobj.Edit{Name: n, Mode: fmt.Sprintf("%o", uint32(e.Mode)), Hash: e.Hash})
			}
			got, err := base.Edit(edits)
			if err != nil {
				t.Fatal(err)
			}
			if want := encodeTree(t, entries); !bytes.Equal(got, want) {
				t.Fatalf("edits %+v:\n got %q\nwant %q", edits, got, want)
			}
			if _, err := gitobj.ParseTree(got); err != nil {
				t.Fatalf("edited tree does not parse: %v", err)
			}
		})
	}
}

func TestTreeEditErrors(t *testing.T) {
	tests := []struct {
		name  string
		edits []gitobj.Edit
	}{
		{"empty name", []gitobj.Edit{{Name: "", Mode: gitobj.ModeFile}}},
		{"slash", []gitobj.Edit{{Name: "a/b", Mode: gitobj.ModeFile}}},
		{"nul", []gitobj.Edit{{Name: "a\x00", Mode: gitobj.ModeFile}}},
		{"twice", []gitobj.Edit{{Name: "a", Mode: gitobj.ModeFile}, {Name: "a", Delete: true}}},
		{"zero-padded mode", []gitobj.Edit{{Name: "a", Mode: "040000"}}},
		{"no mode", []gitobj.Edit{{Name: "a"}}},
		{"bad mode", []gitobj.Edit{{Name: "a", Mode: "10064x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var nilTree *gitobj.Tree
			if _, err := nilTree.Edit(tt.edits); err == nil {
				t.Error("Edit succeeded")
			}
		})
	}
}

func TestDiffMatchesNames(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 300 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			trees := [2]map[string]object.TreeEntry{{}, {}}
			for _, n := range editNames {
				e := randomEntry(r, n)
				for k := range trees {
					switch r.IntN(3) {
					case 0:
						trees[k][n] = e
					case 1:
						trees[k][n] = randomEntry(r, n)
					}
				}
			}
			a, err := gitobj.ParseTree(encodeTree(t, trees[0]))
			if err != nil {
				t.Fatal(err)
			}
			b, err := gitobj.ParseTree(encodeTree(t, trees[1]))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			err = gitobj.Diff(a, b, func(ai, bi int) error {
				switch {
				case ai >= 0 && bi >= 0:
					if a.Name(ai) != b.Name(bi) || (a.Mode(ai) == gitobj.ModeDir) != (b.Mode(bi) == gitobj.ModeDir) {
						t.Errorf("paired %q (%s) with %q (%s)", a.Name(ai), a.Mode(ai), b.Name(bi), b.Mode(bi))
					}
					got = append(got, "both "+a.Name(ai))
				case ai >= 0:
					got = append(got, "a "+a.Name(ai))
				default:
					got = append(got, "b "+b.Name(bi))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, n := range editNames {
				ea, inA := trees[0][n]
				eb, inB := trees[1][n]
				switch {
				case inA && inB && ea == eb:
				case inA && inB && (ea.Mode == filemode.Dir) == (eb.Mode == filemode.Dir):
					want = append(want, "both "+n)
				default:
					if inA {
						want = append(want, "a "+n)
					}
					if inB {
						want = append(want, "b "+n)
					}
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("Diff:\n got %q\nwant %q", got, want)
			}
		})
	}
}
