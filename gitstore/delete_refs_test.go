package gitstore

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// TestDeleteRefs deletes loose and packed refs by compare-and-delete and
// checks the result with the git client: a ref that moved stays, a packed
// ref deleted does not come back from packed-refs, others are untouched.
func TestDeleteRefs(t *testing.T) {
	s := newStore(t)
	a := mustCommit(t, s, 1, nil, nil)
	b := mustCommit(t, s, 2, []plumbing.Hash{a}, nil)
	for _, n := range []string{"p/packed", "p/packed-moved", "p/both", "keep"} {
		mustCAS(t, s, "refs/heads/"+n, plumbing.ZeroHash, a)
	}
	if out, err := exec.Command("git", "-C", s.GitDir(), "pack-refs", "--all").CombinedOutput(); err != nil {
		t.Fatalf("git pack-refs: %v\n%s", err, out)
	}
	mustCAS(t, s, "refs/heads/p/both", a, b) // loose b over packed a
	mustCAS(t, s, "refs/heads/p/loose", plumbing.ZeroHash, a)
	mustCAS(t, s, "refs/heads/p/loose-moved", plumbing.ZeroHash, b)
	got, err := s.DeleteRefs(map[string]plumbing.Hash{
		"refs/heads/p/packed":       a,
		"refs/heads/p/packed-moved": b, // holds a: stays
		"refs/heads/p/both":         b,
		"refs/heads/p/loose":        a,
		"refs/heads/p/loose-moved":  a, // holds b: stays
		"refs/heads/p/absent":       a,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"refs/heads/p/both", "refs/heads/p/loose", "refs/heads/p/packed"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("deleted %v, want %v", got, want)
	}
	out, err := exec.Command("git", "-C", s.GitDir(), "for-each-ref", "--format=%(refname) %(objectname)").CombinedOutput()
	if err != nil {
		t.Fatalf("git for-each-ref: %v\n%s", err, out)
	}
	wantRefs := "refs/heads/keep " + a.String() + "\nrefs/heads/p/loose-moved " + b.String() + "\nrefs/heads/p/packed-moved " + a.String()
	if strings.TrimSpace(string(out)) != wantRefs {
		t.Errorf("refs after delete:\n%s\nwant:\n%s", out, wantRefs)
	}
	if all, _ := s.Branches("p/"); len(all) != 2 {
		t.Errorf("Branches(p/) = %v, want the two that moved", all)
	}
}

// TestDeleteRefsRemovesEmptyDirectories: as git does, deleting a loose ref
// removes the directories it leaves empty (up to refs/heads/, which
// stays), so pruned proposal branches leave nothing a later listing walks;
// a directory that still holds a ref stays, and a ref can be created
// again in a removed directory.
func TestDeleteRefsRemovesEmptyDirectories(t *testing.T) {
	s := newStore(t)
	a := mustCommit(t, s, 1, nil, nil)
	for _, n := range []string{"proposals/web-1/ship", "proposals/web-2/create", "proposals/web-2/ship"} {
		mustCAS(t, s, "refs/heads/"+n, plumbing.ZeroHash, a)
	}
	if _, err := s.DeleteRefs(map[string]plumbing.Hash{"refs/heads/proposals/web-1/ship": a, "refs/heads/proposals/web-2/ship": a}); err != nil {
		t.Fatal(err)
	}
	dir := func(rel string) bool {
		_, err := os.Stat(filepath.Join(s.GitDir(), filepath.FromSlash(rel)))
		return err == nil
	}
	if dir("refs/heads/proposals/web-1") {
		t.Error("refs/heads/proposals/web-1 is left behind, empty")
	}
	if !dir("refs/heads/proposals/web-2") || !dir("refs/heads") {
		t.Error("a directory that still holds a ref (or refs/heads) was removed")
	}
	if _, err := s.DeleteRefs(map[string]plumbing.Hash{"refs/heads/proposals/web-2/create": a}); err != nil {
		t.Fatal(err)
	}
	if dir("refs/heads/proposals") || !dir("refs/heads") {
		t.Error("after the last proposal branch: refs/heads/proposals should go, refs/heads stay")
	}
	mustCAS(t, s, "refs/heads/proposals/web-1/ship", plumbing.ZeroHash, a)
	if b, _ := s.Branches("proposals/"); len(b) != 1 {
		t.Errorf("Branches(proposals/) = %v after creating one again", b)
	}
}
