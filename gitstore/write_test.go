package gitstore

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/writ-dev/writ/gitstore/internal/gittest"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

func TestInitOpen(t *testing.T) {
	dir := t.TempDir()
	s, err := Init(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ref(MainRef); !errors.Is(err, ErrNoRef) {
		t.Fatalf("Ref(main) on a new repo: %v, want ErrNoRef", err)
	}
	if _, err := s.Ref("HEAD"); !errors.Is(err, ErrNoRef) {
		t.Fatalf("Ref(HEAD) on a new repo: %v, want ErrNoRef (unborn main)", err)
	}
	if _, err := Init(dir); err == nil {
		t.Fatal("Init over an existing repository succeeded")
	}
	g := gittest.New(t)
	if got := g.Run(dir, "symbolic-ref", "HEAD"); got != MainRef+"\n" {
		t.Errorf("HEAD -> %q, want %s", got, MainRef)
	}
	c := mustCommit(t, s, 1, nil, map[string]string{"writ.yaml": "version: 1\n"})
	mustCAS(t, s, MainRef, plumbing.ZeroHash, c)

	o, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{MainRef, "HEAD"} {
		if h, err := o.Ref(name); err != nil || h != c {
			t.Errorf("Open: Ref(%s) = %s, %v; want %s", name, h, err, c)
		}
	}
	if _, err := o.Commit(plumbing.NewHash("0123456789012345678901234567890123456789")); !errors.Is(err, ErrNotFound) {
		t.Errorf("Commit(missing) = %v, want ErrNotFound", err)
	}
	if _, err := Open(t.TempDir()); err == nil {
		t.Error("Open of an empty dir succeeded")
	}
	if _, err := o.Ref("main"); err == nil {
		t.Error("Ref accepted a short name")
	}
}

func TestWriteCommitTrees(t *testing.T) {
	s := newStore(t)
	g := gittest.New(t)
	// Names chosen so that git's order ("a" sorts as "a/") differs from
	// plain name order: a-b < a.txt < a/ < a0.
	c1 := mustCommit(t, s, 1, nil, map[string]string{
		"writ.yaml":             "version: 1\n",
		"a/x":                   "x1\n",
		"a.txt":                 "t\n",
		"a-b":                   "ab\n",
		"a0":                    "0\n",
		"policies/p1.yaml":      "p1\n",
		"policies/deep/p2.yaml": "p2\n",
		"workflows/deploy.yaml": "wf\n",
	})
	c2 := mustCommit(t, s, 2, []plumbing.Hash{c1}, map[string]string{
		"a/x":                  "x2\n",
		"a/deep/er/f.json":     "{}\n",
		"proposals/i-1/p.yaml": "instance: i-1\n",
	}, "a.txt", "policies")
	mustCAS(t, s, MainRef, plumbing.ZeroHash, c2)

	got, err := s.ListFiles(c2, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a-b", "a/deep/er/f.json", "a/x", "a0", "proposals/i-1/p.yaml", "workflows/deploy.yaml", "writ.yaml"}
	if !slices.Equal(got, want) {
		t.Errorf("ListFiles(c2) = %q\nwant %q", got, want)
	}
	if sub, _ := s.ListFiles(c2, "a/"); !slices.Equal(sub, []string{"a/deep/er/f.json", "a/x"}) {
		t.Errorf("ListFiles(c2, a/) = %q", sub)
	}
	if b, err := s.ReadFile(c2, "a/x"); err != nil || string(b) != "x2\n" {
		t.Errorf("ReadFile(a/x) = %q, %v", b, err)
	}
	if b, err := s.ReadFile(c1, "a/x"); err != nil || string(b) != "x1\n" {
		t.Errorf("ReadFile(c1, a/x) = %q, %v", b, err)
	}
	for _, p := range []string{"a.txt", "policies/p1.yaml", "a", "a/x/y", "nope"} {
		if _, err := s.ReadFile(c2, p); !errors.Is(err, ErrNotFound) {
			t.Errorf("ReadFile(c2, %s) = %v, want ErrNotFound", p, err)
		}
	}
	changed, err := s.ChangedFiles(c1, c2)
	if err != nil {
		t.Fatal(err)
	}
	wantChanged := []string{"a.txt", "a/deep/er/f.json", "a/x", "policies/deep/p2.yaml", "policies/p1.yaml", "proposals/i-1/p.yaml"}
	if !slices.Equal(changed, wantChanged) {
		t.Errorf("ChangedFiles = %q\nwant %q", changed, wantChanged)
	}
	if all, _ := s.ChangedFiles(plumbing.ZeroHash, c1); len(all) != 8 {
		t.Errorf("ChangedFiles(zero, c1) = %q", all)
	}

	// The real git client agrees on every object.
	g.Fsck(s.Dir())
	if lsTree := gitLines(g.Run(s.Dir(), "ls-tree", "-r", "--name-only", c2.String())); !slices.Equal(lsTree, want) {
		t.Errorf("git ls-tree = %q, want %q", lsTree, want)
	}
	if log := gitLines(g.Run(s.Dir(), "log", "--format=%H %s", "main")); !slices.Equal(log, []string{c2.String() + " commit 2", c1.String() + " commit 1"}) {
		t.Errorf("git log = %q", log)
	}
	if show := g.Run(s.Dir(), "show", c2.String()+":a/deep/er/f.json"); show != "{}\n" {
		t.Errorf("git show = %q", show)
	}
	diff := gitLines(g.Run(s.Dir(), "diff", "--name-only", c1.String(), c2.String()))
	if !slices.Equal(diff, wantChanged) {
		t.Errorf("git diff --name-only = %q, want %q", diff, wantChanged)
	}
	if date := g.Run(s.Dir(), "log", "-1", "--format=%ad", "--date=iso-strict", "main"); date != "2026-01-01T01:32:00+01:30\n" {
		t.Errorf("author date = %q", date)
	}
}

func TestWriteCommitEdgeCases(t *testing.T) {
	s := newStore(t)
	empty := mustCommit(t, s, 1, nil, nil)
	c, _ := s.Commit(empty)
	if c.TreeHash.String() != "4b825dc642cb6eb9a060e54bf8d69288fbee4904" {
		t.Errorf("empty tree = %s", c.TreeHash)
	}
	c1 := mustCommit(t, s, 2, []plumbing.Hash{empty}, map[string]string{"d/only": "1", "f": "2"})
	// Deleting the last file of a directory removes the directory.
	c2 := mustCommit(t, s, 3, []plumbing.Hash{c1}, nil, "d/only")
	if l, _ := s.ListFiles(c2, ""); !slices.Equal(l, []string{"f"}) {
		t.Errorf("after deleting d/only: %q", l)
	}
	// A file in the way of a new directory is replaced.
	c3 := mustCommit(t, s, 4, []plumbing.Hash{c2}, map[string]string{"f/g": "3"})
	if l, _ := s.ListFiles(c3, ""); !slices.Equal(l, []string{"f/g"}) {
		t.Errorf("file replaced by dir: %q", l)
	}
	// BaseTree overrides the first parent's tree.
	c1c, _ := s.Commit(c1)
	h, err := s.WriteCommit(CommitRequest{Parents: []plumbing.Hash{c3}, BaseTree: c1c.TreeHash, Message: "x\n", Author: sigAt(5), Committer: sigAt(5)})
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := s.ListFiles(h, ""); !slices.Equal(l, []string{"d/only", "f"}) {
		t.Errorf("BaseTree: %q", l)
	}
	gittest.New(t).Fsck(s.Dir())

	bad := []struct {
		name string
		req  CommitRequest
		want error
	}{
		{"delete missing", CommitRequest{Parents: []plumbing.Hash{c1}, Delete: []string{"nope"}}, ErrNotFound},
		{"delete below file", CommitRequest{Parents: []plumbing.Hash{c1}, Delete: []string{"f/x"}}, ErrNotFound},
		{"missing parent", CommitRequest{Parents: []plumbing.Hash{plumbing.NewHash("1111111111111111111111111111111111111111")}}, ErrNotFound},
		{"dotdot", CommitRequest{Files: map[string][]byte{"a/../b": nil}}, ErrInvalidPath},
		{"absolute", CommitRequest{Files: map[string][]byte{"/etc/passwd": nil}}, ErrInvalidPath},
		{"dotgit", CommitRequest{Files: map[string][]byte{"x/.GIT/config": nil}}, ErrInvalidPath},
		{"ntfs dotgit", CommitRequest{Files: map[string][]byte{"git~1/config": nil}}, ErrInvalidPath},
		{"trailing dot dotgit", CommitRequest{Files: map[string][]byte{".git./hooks": nil}}, ErrInvalidPath},
		{"hfs dotgit", CommitRequest{Files: map[string][]byte{".g\u200cit/x": nil}}, ErrInvalidPath},
		{"double slash", CommitRequest{Files: map[string][]byte{"a//b": nil}}, ErrInvalidPath},
		{"trailing slash", CommitRequest{Files: map[string][]byte{"a/": nil}}, ErrInvalidPath},
		{"backslash", CommitRequest{Files: map[string][]byte{`a\b`: nil}}, ErrInvalidPath},
		{"newline", CommitRequest{Files: map[string][]byte{"a\nb": nil}}, ErrInvalidPath},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Author, tt.req.Committer, tt.req.Message = sigAt(9), sigAt(9), "m\n"
			if _, err := s.WriteCommit(tt.req); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	conflicts := []CommitRequest{
		{Files: map[string][]byte{"a": nil, "a/b": nil}},
		{Files: map[string][]byte{"a/b": nil}, Delete: []string{"a"}},
		{Files: map[string][]byte{"a": nil}, Delete: []string{"a"}},
		{Delete: []string{"a", "a"}},
		{Author: sigAt(1)}, // committer missing
	}
	for i, req := range conflicts {
		if req.Author.Name == "" {
			req.Author = sigAt(1)
			req.Committer = sigAt(1)
		}
		req.Parents = []plumbing.Hash{c1}
		if _, err := s.WriteCommit(req); err == nil {
			t.Errorf("conflict %d accepted", i)
		}
	}
	badSig := sigAt(1)
	badSig.Name = "Eve <evil>"
	if _, err := s.WriteCommit(CommitRequest{Author: badSig, Committer: sigAt(1)}); err == nil {
		t.Error("author name with <> accepted")
	}
}

// TestMergeFirstParent builds a WAL entry whose first parent is main and
// second parent a proposal branch head, and checks git's first-parent view.
func TestMergeFirstParent(t *testing.T) {
	s := newStore(t)
	g := gittest.New(t)
	m0 := mustCommit(t, s, 0, nil, map[string]string{"writ.yaml": "v1\n"})
	m1 := mustCommit(t, s, 1, []plumbing.Hash{m0}, map[string]string{"state": "1\n"})
	mustCAS(t, s, MainRef, plumbing.ZeroHash, m1)
	b1 := mustCommit(t, s, 2, []plumbing.Hash{m0}, map[string]string{"proposals/i-1/p.yaml": "a\n"})
	b2 := mustCommit(t, s, 3, []plumbing.Hash{b1}, map[string]string{"proposals/i-1/p.yaml": "b\n"})
	mustCAS(t, s, "refs/heads/proposals/i-1", plumbing.ZeroHash, b2)
	e := mustCommit(t, s, 4, []plumbing.Hash{m1, b2}, map[string]string{"proposals/i-1/p.yaml": "b\n"})
	mustCAS(t, s, MainRef, m1, e)

	g.Fsck(s.Dir())
	if got := gitLines(g.Run(s.Dir(), "log", "--first-parent", "--format=%H", "main")); !slices.Equal(got, hexes(e, m1, m0)) {
		t.Errorf("git log --first-parent = %q", got)
	}
	if got := g.Run(s.Dir(), "log", "-1", "--format=%P", "main"); got != m1.String()+" "+b2.String()+"\n" {
		t.Errorf("merge parents = %q", got)
	}
	log, err := s.FirstParentLog(e, plumbing.ZeroHash)
	if err != nil || !equalHashes(hashes(log), []plumbing.Hash{m0, m1, e}) {
		t.Errorf("FirstParentLog = %v, %v", hashes(log), err)
	}
	for _, tt := range []struct {
		head, base plumbing.Hash
		want       []plumbing.Hash
	}{
		{b2, m1, []plumbing.Hash{b1, b2}},
		{b2, e, nil},
		{b2, m0, []plumbing.Hash{b1, b2}},
		{e, m1, []plumbing.Hash{b1, b2, e}},
		{b2, plumbing.ZeroHash, []plumbing.Hash{m0, b1, b2}},
		{m1, b2, []plumbing.Hash{m1}},
	} {
		got, err := s.BranchCommits(tt.head, tt.base)
		if err != nil || !equalHashes(hashes(got), tt.want) {
			t.Errorf("BranchCommits(%s, %s) = %v, %v; want %v", short(tt.head), describe(tt.base), hashes(got), err, tt.want)
		}
		// git rev-list agrees (as a set; git lists newest first).
		args := []string{"rev-list", "--topo-order", "--reverse", tt.head.String()}
		if !tt.base.IsZero() {
			args = append(args, "^"+tt.base.String())
		}
		if rl := gitLines(g.Run(s.Dir(), args...)); !slices.Equal(rl, hexes(tt.want...)) {
			t.Errorf("git rev-list %v = %q, BranchCommits = %q", args[1:], rl, hexes(tt.want...))
		}
	}
	for _, tt := range []struct {
		a, b plumbing.Hash
		want bool
	}{{b1, e, true}, {m0, e, true}, {e, e, true}, {e, b2, false}, {m1, b2, false}} {
		if got, err := s.IsAncestor(tt.a, tt.b); err != nil || got != tt.want {
			t.Errorf("IsAncestor(%s, %s) = %v, %v", short(tt.a), short(tt.b), got, err)
		}
	}
	branches, err := s.Branches("proposals/")
	if err != nil || len(branches) != 1 || branches[0] != (Branch{Name: "proposals/i-1", Hash: b2}) {
		t.Errorf("Branches = %v, %v", branches, err)
	}
}

// TestSignedWriteCommit: a commit written and signed by writ passes the
// real git client's verification and writ's own.
func TestSignedWriteCommit(t *testing.T) {
	gittest.Require(t, "ssh-keygen")
	s := newStore(t)
	g := gittest.New(t)
	keyPath := filepath.Join(t.TempDir(), "reconciler")
	line, err := signing.GenerateSSHKey(keyPath, "reconciler")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signing.LoadSSHSigner(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	ids := []schemas.Identity{{Name: "reconciler", Kind: schemas.IdentityAgent, Email: "writ@example.invalid", Signers: []schemas.Signer{{Name: "ssh", SSH: line}}}}
	msg, err := wal.FormatMessage("apply i-1: deploy", "", []wal.Trailer{{Key: "Writ-Instance", Value: "i-1"}, {Key: "Writ-State-Post", Value: "sha256:00"}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.WriteCommit(CommitRequest{
		Files:   map[string][]byte{"proposals/i-1/p.yaml": []byte("x\n")},
		Message: msg, Author: sigAt(1), Committer: sigAt(1), Signer: signer,
	})
	if err != nil {
		t.Fatal(err)
	}
	mustCAS(t, s, MainRef, plumbing.ZeroHash, h)
	allowed, err := signing.AllowedSigners(ids)
	if err != nil {
		t.Fatal(err)
	}
	af := filepath.Join(t.TempDir(), "allowed")
	if err := os.WriteFile(af, []byte(allowed), 0o644); err != nil {
		t.Fatal(err)
	}
	g.Fsck(s.Dir())
	g.Run(s.Dir(), "-c", "gpg.ssh.allowedSignersFile="+af, "verify-commit", h.String())
	if got := g.Run(s.Dir(), "-c", "gpg.ssh.allowedSignersFile="+af, "log", "-1", "--format=%G?", "main"); got != "G\n" {
		t.Errorf("%%G? = %q, want G", got)
	}
	if raw := g.Run(s.Dir(), "cat-file", "commit", h.String()); !strings.Contains(raw, "\ngpgsig -----BEGIN SSH SIGNATURE-----\n ") {
		t.Errorf("gpgsig header layout:\n%s", raw)
	}
	ring, err := signing.NewKeyRing(ids)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Commit(h)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := signing.VerifyCommit(c, ring); err != nil || v.Identity != "reconciler" {
		t.Fatalf("VerifyCommit = %+v, %v", v, err)
	}
	if c.Message != msg {
		t.Errorf("message changed: %q", c.Message)
	}
}

// The empty tree is a base even where it was never stored, as in git.
func TestEmptyTreeBase(t *testing.T) {
	s := newStore(t)
	c1 := mustCommit(t, s, 1, nil, map[string]string{"old/a": "1", "b": "2"})
	if ok, _ := s.raw.Has(emptyTreeHash); ok {
		t.Fatal("the empty tree is stored: the test shows nothing")
	}
	h, err := s.WriteCommit(CommitRequest{Parents: []plumbing.Hash{c1}, BaseTree: emptyTreeHash,
		Files: map[string][]byte{"new": []byte("3")}, Message: "m\n", Author: sigAt(2), Committer: sigAt(2)})
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := s.ListFiles(h, ""); !slices.Equal(l, []string{"new"}) {
		t.Errorf("files on the empty tree = %q", l)
	}
}
