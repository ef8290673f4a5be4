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

// TestTreeWith: With sets one entry as git would write the tree, and
// refuses what ChangedOne refuses between the tree and the result.
func TestTreeWith(t *testing.T) {
	h := func(b byte) plumbing.Hash { return plumbing.Hash{b} }
	base := map[string]object.TreeEntry{
		"a":     {Name: "a", Mode: filemode.Dir, Hash: h(1)},
		"a.txt": {Name: "a.txt", Mode: filemode.Regular, Hash: h(2)},
		"c":     {Name: "c", Mode: filemode.Regular, Hash: h(3)},
	}
	old, err := gitobj.ParseTree(encodeTree(t, base))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, entry, mode string
		hash              plumbing.Hash
		ok                bool
	}{
		{"add a file", "b", gitobj.ModeFile, h(4), true},
		{"add a directory sorting as name/", "a-b", gitobj.ModeDir, h(5), true},
		{"change a file", "c", gitobj.ModeFile, h(6), true},
		{"change a directory", "a", gitobj.ModeDir, h(7), true},
		{"the same object", "c", gitobj.ModeFile, h(3), false},
		{"another mode", "c", "100755", h(8), false},
		{"a file where a directory is", "a", gitobj.ModeFile, h(9), false},
		{"a directory where a file is", "c", gitobj.ModeDir, h(9), false},
		{"a bad name", "x/y", gitobj.ModeFile, h(9), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := old.With(tt.entry, tt.mode, tt.hash)
			if ok != tt.ok {
				t.Fatalf("With(%q) ok = %v, want %v", tt.entry, ok, tt.ok)
			}
			if !ok {
				return
			}
			want := map[string]object.TreeEntry{}
			for k, v := range base {
				want[k] = v
			}
			mode, _ := filemode.New(tt.mode)
			want[tt.entry] = object.TreeEntry{Name: tt.entry, Mode: mode, Hash: tt.hash}
			raw := encodeTree(t, want)
			if !bytes.Equal(got.Raw(), raw) {
				t.Fatalf("With(%q) = %q, want %q", tt.entry, got.Raw(), raw)
			}
			if gitobj.TreeHash(got.Raw()) != plumbing.ComputeHash(plumbing.TreeObject, raw) {
				t.Fatal("TreeHash differs from git's object name")
			}
			if i, found := got.Lookup(tt.entry, tt.mode == gitobj.ModeDir); !found || got.Hash(i) != tt.hash {
				t.Fatalf("the result's offsets do not find %q", tt.entry)
			}
			parsed, err := gitobj.ParseTree(raw)
			if err != nil {
				t.Fatal(err)
			}
			if got.Len() != parsed.Len() {
				t.Fatalf("With(%q) has %d entries, parsed %d", tt.entry, got.Len(), parsed.Len())
			}
			for i := range got.Len() {
				if got.Name(i) != parsed.Name(i) || got.Mode(i) != parsed.Mode(i) || got.Hash(i) != parsed.Hash(i) {
					t.Fatalf("entry %d of With(%q): %s %s %s, parsed %s %s %s", i, tt.entry,
						got.Mode(i), got.Name(i), got.Hash(i), parsed.Mode(i), parsed.Name(i), parsed.Hash(i))
				}
			}
			if again, ok := got.With("zz", gitobj.ModeFile, h(10)); !ok || again.Len() != got.Len()+1 {
				t.Fatalf("With on With(%q)'s result: %v", tt.entry, ok)
			}
			if !bytes.Equal(old.Raw(), encodeTree(t, base)) {
				t.Fatal("With changed its tree")
			}
		})
	}
	if got, ok := (*gitobj.Tree)(nil).With("x", gitobj.ModeFile, h(1)); !ok || got.Len() != 1 {
		t.Fatalf("With on the empty tree: %v", ok)
	}
}

// TestTreeWithInto: WithInto gives what With gives, in the spare's memory
// when it fits; it never uses a tree With did not make, nor the tree it
// starts from, and leaves that tree as it was.
func TestTreeWithInto(t *testing.T) {
	h := func(b byte) plumbing.Hash { return plumbing.Hash{b, 1} }
	var chain, spared *gitobj.Tree
	var spare *gitobj.Tree
	reused := 0
	for i := range 200 {
		name := fmt.Sprintf("f%03d.yaml", (i*37)%200)
		var ok bool
		if chain, ok = chain.With(name, gitobj.ModeFile, h(byte(i))); !ok {
			t.Fatalf("With %s", name)
		}
		var before []byte
		if spared != nil {
			before = append(before, spared.Raw()...)
		}
		next, ok := spared.WithInto(spare, name, gitobj.ModeFile, h(byte(i)))
		if !ok {
			t.Fatalf("WithInto %s", name)
		}
		if spared != nil && !bytes.Equal(spared.Raw(), before) {
			t.Fatalf("WithInto changed the tree it started from at %s", name)
		}
		if !bytes.Equal(next.Raw(), chain.Raw()) || next.Len() != chain.Len() {
			t.Fatalf("step %d: WithInto gave %d entries, With %d", i, next.Len(), chain.Len())
		}
		for k := range next.Len() {
			if next.Name(k) != chain.Name(k) || next.Hash(k) != chain.Hash(k) || next.Mode(k) != chain.Mode(k) {
				t.Fatalf("step %d, entry %d differs", i, k)
			}
		}
		if spare != nil && next == spare {
			reused++
		}
		spare, spared = spared, next // the old version is given back
	}
	if reused < 100 {
		t.Fatalf("the spare was reused %d times of 200", reused)
	}
	parsed, err := gitobj.ParseTree(chain.Raw())
	if err != nil || parsed.Reusable() {
		t.Fatalf("a parsed tree is reusable (%v)", err)
	}
	if got, ok := chain.WithInto(parsed, "zz", gitobj.ModeFile, h(9)); !ok || got == parsed {
		t.Fatal("WithInto used a tree With did not make")
	}
	if got, ok := chain.WithInto(chain, "zz", gitobj.ModeFile, h(9)); !ok || got == chain || chain.Len() != 200 {
		t.Fatal("WithInto used the tree it started from")
	}
}
