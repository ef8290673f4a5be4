package gitobj_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"golang.org/x/crypto/ssh"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/internal/gitobj"
	"github.com/writ-dev/writ/gitstore/internal/gittest"
	"github.com/writ-dev/writ/gitstore/signing"
)

// builtRepo is a small control-repo-like history: one pack of deltified
// commits and trees (signed commits among them), with incompressible blobs
// larger than a pack window (so some entries run past theirs), plus the
// loose objects of one more commit.
func builtRepo(t *testing.T) (*gitstore.Store, plumbing.Hash) {
	t.Helper()
	dir := t.TempDir()
	s, err := gitstore.Init(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshKey, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	signer := signing.NewSSHSigner(sshKey)
	var head plumbing.Hash
	for i := range 60 {
		files := map[string][]byte{
			fmt.Sprintf("proposals/inst-%d/p.yaml", i%7): []byte(strings.Repeat(fmt.Sprintf("line %d of a proposal\n", i), 40)),
			"state/log.txt": []byte(strings.Repeat("entry\n", i+20)),
		}
		if i%20 == 5 {
			big := make([]byte, 100_000*(i/20+1))
			if _, err := rand.Read(big); err != nil {
				t.Fatal(err)
			}
			files[fmt.Sprintf("assets/big-%d.bin", i)] = big
		}
		req := gitstore.CommitRequest{Files: files, Message: fmt.Sprintf("entry %d\n\nWrit-Idem-Key: k%d\n", i, i),
			Author: sig(i), Committer: sig(i)}
		if !head.IsZero() {
			req.Parents = []plumbing.Hash{head}
		}
		if i%2 == 0 {
			req.Signer = signer
		}
		if head, err = s.WriteCommit(req); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CompareAndSwap(gitstore.MainRef, plumbing.ZeroHash, head); err != nil {
		t.Fatal(err)
	}
	gittest.New(t).Run(dir, "repack", "-adq", "--depth=50", "--window=50")
	if s, err = gitstore.Open(dir); err != nil {
		t.Fatal(err)
	}
	loose, err := s.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{head}, Files: map[string][]byte{"notes/x.txt": []byte("x\n")},
		Message: "loose\n", Author: sig(61), Committer: sig(61)})
	if err != nil {
		t.Fatal(err)
	}
	return s, loose
}

func sig(i int) object.Signature {
	return object.Signature{Name: "writ", Email: "writ@example.invalid", When: time.Unix(1767225600+int64(i)*60, 0).UTC()}
}

func TestReadMatchesGoGit(t *testing.T) {
	s, loose := builtRepo(t)
	if out, err := exec.Command("git", "-C", s.GitDir(), "verify-pack", "-v", mustGlob(t, s)).Output(); err != nil || !bytes.Contains(out, []byte("chain length")) {
		t.Fatalf("want a pack with delta chains: %v\n%s", err, out)
	}
	raw, err := gitobj.Open(s.GitDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	repo, err := git.PlainOpen(s.Dir()) // go-git alone, without the Store's reads through gitobj
	if err != nil {
		t.Fatal(err)
	}
	iter, err := repo.Storer.IterEncodedObjects(plumbing.AnyObject)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = iter.ForEach(func(o plumbing.EncodedObject) error {
		n++
		want := content(t, o)
		typ, got, err := raw.Read(o.Hash())
		if err != nil || typ != o.Type() || !bytes.Equal(got, want) {
			t.Fatalf("%s %s: got %s %d bytes, %v", o.Type(), o.Hash(), typ, len(got), err)
		}
		for _, n := range []int{0, 7, 94, 1 << 20} {
			pre, err := raw.ReadPrefix(o.Hash(), n)
			if err != nil || len(pre) < min(n, len(want)) || !bytes.HasPrefix(want, pre) {
				t.Fatalf("%s %s: prefix of %d: %d bytes, %v", o.Type(), o.Hash(), n, len(pre), err)
			}
		}
		switch o.Type() {
		case plumbing.CommitObject:
			checkCommit(t, o, got)
		case plumbing.TreeObject:
			checkTree(t, o, got)
		}
		return nil
	})
	if err != nil && err != storer.ErrStop {
		t.Fatal(err)
	}
	if _, err := raw.ReadType(loose, plumbing.CommitObject); err != nil {
		t.Fatalf("loose commit: %v", err)
	}
	if _, _, err := raw.Read(plumbing.NewHash("0123456789012345678901234567890123456789")); err == nil {
		t.Fatal("read a missing object")
	}
	t.Logf("%d objects", n)
}

func mustGlob(t *testing.T, s *gitstore.Store) string {
	out, err := exec.Command("sh", "-c", "ls "+s.GitDir()+"/objects/pack/*.idx").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSpace(out))
}

func content(t *testing.T, o plumbing.EncodedObject) []byte {
	r, err := o.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkCommit(t *testing.T, o plumbing.EncodedObject, raw []byte) {
	var want object.Commit
	if err := want.Decode(o); err != nil {
		t.Fatal(err)
	}
	c, err := gitobj.ParseCommit(raw)
	if err != nil {
		t.Fatalf("commit %s: %v", o.Hash(), err)
	}
	payload := &plumbing.MemoryObject{}
	if err := want.EncodeWithoutSignature(payload); err != nil {
		t.Fatal(err)
	}
	var author object.Signature
	author.Decode(c.Author)
	if c.Tree != want.TreeHash || len(c.Parents) != len(want.ParentHashes) || c.Message != want.Message ||
		c.Signature != want.PGPSignature || !bytes.Equal(c.Payload(), content(t, payload)) || author.Email != want.Author.Email {
		t.Fatalf("commit %s parses differently from go-git", o.Hash())
	}
}

func checkTree(t *testing.T, o plumbing.EncodedObject, raw []byte) {
	var want object.Tree
	if err := want.Decode(o); err != nil {
		t.Fatal(err)
	}
	tr, err := gitobj.ParseTree(raw)
	if err != nil {
		t.Fatalf("tree %s: %v", o.Hash(), err)
	}
	if tr.Len() != len(want.Entries) {
		t.Fatalf("tree %s: %d entries, go-git %d", o.Hash(), tr.Len(), len(want.Entries))
	}
	for i, e := range want.Entries {
		j, ok := tr.Lookup(e.Name, e.Mode.String() == "0040000")
		if !ok || j != i || tr.Hash(j) != e.Hash {
			t.Fatalf("tree %s: entry %s at %d, found %d %v", o.Hash(), e.Name, i, j, ok)
		}
	}
}

func TestParseCommitRefusesOddLayouts(t *testing.T) {
	base := "tree 0123456789012345678901234567890123456789\nauthor a <a@x> 1 +0000\ncommitter a <a@x> 1 +0000\n"
	for name, raw := range map[string]string{
		"encoding header": base + "encoding latin1\n\nmsg\n",
		"two signatures":  base + "gpgsig A\n B\ngpgsig C\n\nmsg\n",
		"no blank line":   base,
		"short tree":      "tree 0123\n",
	} {
		if _, err := gitobj.ParseCommit([]byte(raw)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	c, err := gitobj.ParseCommit([]byte(base + "gpgsig A\n B\n\nmsg\n"))
	if err != nil || c.Signature != "A\nB\n" || string(c.Payload()) != base+"\nmsg\n" || c.Message != "msg\n" {
		t.Fatalf("signed commit: %+v %v", c, err)
	}
}

func TestChangedOne(t *testing.T) {
	h := func(b byte) plumbing.Hash { return plumbing.Hash{b} }
	tree := func(entries ...string) *gitobj.Tree {
		var raw []byte
		for _, e := range entries {
			raw = append(raw, e...)
			raw = append(raw, 0)
			hh := h(e[len(e)-1]) // named after the entry, so unchanged entries keep their object
			raw = append(raw, hh[:]...)
		}
		tr, err := gitobj.ParseTree(raw)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	old := tree("40000 a", "40000 c")
	tests := []struct {
		name string
		new  *gitobj.Tree
		ok   bool
	}{
		{"adds b", tree("40000 a", "40000 b", "40000 c"), true},
		{"adds b and d", tree("40000 a", "40000 b", "40000 c", "40000 d"), false},
		{"drops c", tree("40000 a", "40000 b"), false},
		{"b is a file", tree("40000 a", "100644 b", "40000 c"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ok := gitobj.ChangedOne(old, tt.new, "b", gitobj.ModeDir)
			if ok != tt.ok {
				t.Fatalf("ChangedOne = %v, want %v", ok, tt.ok)
			}
			// Splice decides the same from the raw bytes, and derives the
			// same parse.
			spliced, sh, sok := old.Splice(tt.new.Raw(), "b", gitobj.ModeDir)
			if sok != ok || sh != h {
				t.Fatalf("Splice = %v %s, ChangedOne %v %s", sok, sh, ok, h)
			}
			if sok {
				for i := 0; i < tt.new.Len(); i++ {
					if spliced.Name(i) != tt.new.Name(i) || spliced.Mode(i) != tt.new.Mode(i) || spliced.Hash(i) != tt.new.Hash(i) {
						t.Fatalf("spliced entry %d: %s %s, parsed %s %s", i, spliced.Mode(i), spliced.Name(i), tt.new.Mode(i), tt.new.Name(i))
					}
				}
				if spliced.Len() != tt.new.Len() {
					t.Fatalf("spliced %d entries, parsed %d", spliced.Len(), tt.new.Len())
				}
			}
		})
	}
	// Replacing b's object in a tree that has it.
	withB := tree("40000 a", "40000 b", "40000 c")
	changed := append([]byte(nil), withB.Raw()...)
	changed[28+8] ^= 0xff // the first byte of b's object: entries are 28 bytes
	if _, h, ok := withB.Splice(changed, "b", gitobj.ModeDir); !ok || h == withB.Hash(1) {
		t.Fatalf("replace b: %v %s", ok, h)
	}
	if _, _, ok := withB.Splice(withB.Raw(), "b", gitobj.ModeDir); ok {
		t.Fatal("an unchanged tree spliced")
	}
	if _, ok := gitobj.ChangedOne(nil, tree("40000 b"), "b", gitobj.ModeDir); !ok {
		t.Fatal("adding to an empty tree")
	}
	if _, err := gitobj.ParseTree([]byte("40000 b\x00" + string(make([]byte, 20)) + "40000 a\x00" + string(make([]byte, 20)))); err == nil {
		t.Fatal("unsorted tree parsed")
	}
}

// TestSpliceInPlaceSequence splices one version of a tree after another, as
// replay does with proposals/, and checks every result against a parse of
// the same bytes; a refused splice leaves the tree as it was.
func TestSpliceInPlaceSequence(t *testing.T) {
	r := mrand.New(mrand.NewPCG(7, 11))
	objects := map[string]plumbing.Hash{}
	encode := func() []byte {
		names := make([]string, 0, len(objects))
		for n := range objects {
			names = append(names, n)
		}
		sort.Strings(names) // directories only: "name/" order equals "name" order here
		var raw []byte
		for _, n := range names {
			h := objects[n]
			raw = append(append(append(append(raw, gitobj.ModeDir+" "...), n...), 0), h[:]...)
		}
		return raw
	}
	var cur *gitobj.Tree
	for step := 0; step < 400; step++ {
		name := fmt.Sprintf("inst-%03d", r.IntN(60))
		var h plumbing.Hash
		h[0], h[1], h[2] = byte(step), byte(step>>8), 1
		prev := objects[name]
		objects[name] = h
		raw := encode()
		if step%9 == 8 {
			// A version that changes two entries is refused, and the
			// tree is still the one before.
			other := fmt.Sprintf("inst-%03d", 60+step)
			objects[other] = h
			bad := encode()
			if _, _, ok := cur.SpliceInPlace(bad, name, gitobj.ModeDir); ok {
				t.Fatalf("step %d: a change of two entries spliced", step)
			}
			delete(objects, other)
		}
		next, got, ok := cur.SpliceInPlace(raw, name, gitobj.ModeDir)
		if !ok || got != h {
			t.Fatalf("step %d: splice %s: %v %s (was %s)", step, name, ok, got, prev)
		}
		want, err := gitobj.ParseTree(raw)
		if err != nil {
			t.Fatal(err)
		}
		if next.Len() != want.Len() {
			t.Fatalf("step %d: %d entries, parsed %d", step, next.Len(), want.Len())
		}
		for i := 0; i < want.Len(); i++ {
			if next.Name(i) != want.Name(i) || next.Mode(i) != want.Mode(i) || next.Hash(i) != want.Hash(i) {
				t.Fatalf("step %d entry %d: %s %s %s, parsed %s %s %s", step, i,
					next.Mode(i), next.Name(i), next.Hash(i), want.Mode(i), want.Name(i), want.Hash(i))
			}
			if j, found := next.Lookup(want.Name(i), true); !found || j != i {
				t.Fatalf("step %d: lookup %s: %d %v", step, want.Name(i), j, found)
			}
		}
		cur = next
	}
}
