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

	cp1, err := s.WriteCheckpoint(main[1], []byte(`{"instances":{}}`), nil, sigAt(50))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ReadCheckpoint()
	if err != nil {
		t.Fatal(err)
	}
	if got.Commit != cp1 || got.At != main[1] || string(got.Snapshot) != `{"instances":{}}` {
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
	cp2, err := s.WriteCheckpoint(main[3], []byte(`{"instances":{"a":1}}`), signer, sigAt(51))
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
	if files, _ := s.ListFiles(cp2, ""); len(files) != 1 || files[0] != CheckpointFile {
		t.Errorf("checkpoint tree = %q", files)
	}
	for _, cp := range []plumbing.Hash{cp1, cp2} {
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
	if _, err := s.WriteCheckpoint(plumbing.NewHash("5555555555555555555555555555555555555555"), nil, nil, sigAt(52)); !errors.Is(err, ErrNotFound) {
		t.Errorf("WriteCheckpoint(missing at) = %v", err)
	}
}
