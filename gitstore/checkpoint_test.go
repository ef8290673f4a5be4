package gitstore

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/writ-dev/writ/gitstore/internal/gittest"
	"github.com/writ-dev/writ/gitstore/signing"
	"github.com/writ-dev/writ/schemas"
)

func TestCheckpoint(t *testing.T) {
	s := newStore(t)
	if _, err := s.ReadCheckpoint(); !errors.Is(err, ErrNoRef) {
		t.Fatalf("ReadCheckpoint on a new repo: %v, want ErrNoRef", err)
	}
	main := chain(t, s, 4)
	mustCAS(t, s, MainRef, plumbing.ZeroHash, main[3])

	cp1, err := s.WriteCheckpoint(plumbing.ZeroHash, main[1], map[string][]byte{
		CheckpointHead: []byte(`{"n":1}`), "buckets/00.json": []byte("a"), "buckets/01.json": []byte("b")}, nil, nil, sigAt(50))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ReadCheckpoint()
	if err != nil {
		t.Fatal(err)
	}
	if got.Commit != cp1 || got.At != main[1] || string(got.Head) != `{"n":1}` {
		t.Errorf("ReadCheckpoint = %+v", got)
	}
	// Restart: the entries after the checkpoint, by first-parent walk.
	rest, err := s.FirstParentLog(main[3], got.At)
	if err != nil || !equalHashes(hashes(rest), main[2:]) {
		t.Errorf("entries after checkpoint = %v, %v", hashes(rest), err)
	}

	// A signed second checkpoint chains to the first.
	keyPath := filepath.Join(t.TempDir(), "k")
	line, err := signing.GenerateSSHKey(keyPath, "")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signing.LoadSSHSigner(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	// The second is written as a change to the first: one bucket
	// rewritten, one deleted, the rest kept.
	cp2, err := s.WriteCheckpoint(cp1, main[3], map[string][]byte{
		CheckpointHead: []byte(`{"n":2}`), "buckets/01.json": []byte("b2")}, []string{"buckets/00.json"}, signer, sigAt(51))
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := s.Commit(cp2)
	if len(c2.ParentHashes) != 1 || c2.ParentHashes[0] != cp1 {
		t.Errorf("checkpoint parents = %v, want [%s]", c2.ParentHashes, cp1)
	}
	ring, _ := signing.NewKeyRing([]schemas.Identity{{Name: "writ", Signers: []schemas.Signer{{SSH: line}}}})
	if _, err := signing.VerifyCommit(c2, ring); err != nil {
		t.Errorf("checkpoint signature: %v", err)
	}
	if files, _ := s.ListFiles(cp2, ""); len(files) != 2 || files[0] != "buckets/01.json" || files[1] != CheckpointHead {
		t.Errorf("checkpoint tree = %q", files)
	}
	if got, err := s.ReadCheckpoint(); err != nil || string(got.Head) != `{"n":2}` {
		t.Errorf("ReadCheckpoint head = %q, %v", got.Head, err)
	} else if b, err := s.ReadCheckpointFile(got, "buckets/01.json"); err != nil || string(b) != "b2" {
		t.Errorf("ReadCheckpointFile = %q, %v", b, err)
	}
	// A whole snapshot (no base) replaces everything the previous held.
	cp3, err := s.WriteCheckpoint(plumbing.ZeroHash, main[3], map[string][]byte{CheckpointHead: []byte(`{"n":3}`)}, nil, signer, sigAt(51))
	if err != nil {
		t.Fatal(err)
	}
	if files, _ := s.ListFiles(cp3, ""); len(files) != 1 || files[0] != CheckpointHead {
		t.Errorf("whole checkpoint tree = %q", files)
	}
	if _, err := s.WriteCheckpoint(cp2, main[3], map[string][]byte{"buckets/02.json": nil}, nil, nil, sigAt(51)); err == nil {
		t.Error("WriteCheckpoint without a head file succeeded")
	}
	// The base need not be the current checkpoint: the tree is the base's
	// plus the changes, the parent the current one.
	cp4, err := s.WriteCheckpoint(cp3, main[3], map[string][]byte{CheckpointHead: []byte(`{"n":4}`)}, nil, nil, sigAt(52))
	if err != nil {
		t.Fatal(err)
	}
	if c4, _ := s.Commit(cp4); len(c4.ParentHashes) != 1 || c4.ParentHashes[0] != cp3 {
		t.Errorf("checkpoint 4 parents = %v, want [%s]", c4.ParentHashes, cp3)
	}
	if files, _ := s.ListFiles(cp4, ""); len(files) != 1 {
		t.Errorf("checkpoint 4 tree = %q", files)
	}
	mustCAS(t, s, CheckpointRef, cp4, cp2) // back to cp2 for the checks below
	for _, cp := range []plumbing.Hash{cp1, cp2, cp3, cp4} {
		if anc, err := s.IsAncestor(cp, main[3]); err != nil || anc {
			t.Errorf("checkpoint %s is an ancestor of main (%v)", short(cp), err)
		}
	}
	if got, _ := s.ReadCheckpoint(); got.Commit != cp2 || got.At != main[3] {
		t.Errorf("ReadCheckpoint after second = %+v", got)
	}
	gittest.New(t).Fsck(s.Dir())

	// A checkpoint ref moved to an ordinary commit is refused.
	mustCAS(t, s, CheckpointRef, cp2, main[0])
	if _, err := s.ReadCheckpoint(); !errors.Is(err, ErrBadCheckpoint) {
		t.Errorf("ReadCheckpoint of a non-checkpoint: %v, want ErrBadCheckpoint", err)
	}
	// Writing against a missing "at" commit fails before touching the ref.
	if _, err := s.WriteCheckpoint(plumbing.ZeroHash, plumbing.NewHash("5555555555555555555555555555555555555555"), map[string][]byte{CheckpointHead: nil}, nil, nil, sigAt(52)); !errors.Is(err, ErrNotFound) {
		t.Errorf("WriteCheckpoint(missing at) = %v", err)
	}
}
