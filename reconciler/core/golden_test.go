package core

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestFoldedStateGolden folds a fixed history and compares the snapshot
// byte for byte with testdata/folded_release.golden.json.
func TestFoldedStateGolden(t *testing.T) {
	b := &builder{t: t}
	s := shippable(t, b)
	s = mustApply(t, s, b.transition(s, "agent", "r1", "ship", approve("alice"), approve("bob")), StatusApplied)
	s = mustApply(t, s, b.transition(s, "agent", "r2", "create"), StatusApplied)
	s = mustApply(t, s, b.transition(s, "agent", "r2", "verify"), StatusApplied)
	s = mustApply(t, s, b.transition(s, "agent", "r2", "tests-fail"), StatusApplied)
	s = mustApply(t, s, b.transition(s, "agent", "r3", "create"), StatusApplied)
	s = mustApply(t, s, b.transition(s, "agent", "r3", "quarantine"), StatusApplied)
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	// The golden file holds the canonical form, so it reads the same
	// whatever order the snapshot encoder writes keys in.
	files := map[string]json.RawMessage{}
	for path, data := range snap {
		files[path] = data
	}
	canon, err := schemas.CanonicalJSON(files)
	if err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, canon, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", "folded_release.golden.json")
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Fatalf("folded state differs from %s:\n%s", path, pretty.String())
	}
	restored, err := Restore(snap)
	if err != nil {
		t.Fatal(err)
	}
	if restored.Hash() != s.Hash() {
		t.Fatalf("restored hash %s != %s", restored.Hash(), s.Hash())
	}
}

func TestRestoreRejectsTamperedSnapshot(t *testing.T) {
	b := &builder{t: t}
	s := shippable(t, b)
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	bucket := BucketPath(bucketOf("r1"))
	tests := []struct {
		name      string
		path      string
		old, new  string
		lazyFails bool // RestoreLazy itself fails (not only a later read)
	}{
		{"instance state", bucket, `"state":"approved"`, `"state":"released"`, false},
		{"instance dropped from its bucket", bucket, `[{`, `[{"id":"zz","keys":{},"state":"x","updated":"","version":1,"workflow":"w"},{`, false},
		{"entry count", SnapshotHead, `"entries":`, `"entries":1`, true},
		{"bucket hash", SnapshotHead, `"hash":"sha256:`, `"hash":"sha256:0`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tampered := SnapshotFiles{}
			for p, d := range snap {
				tampered[p] = d
			}
			tampered[tt.path] = bytes.Replace(snap[tt.path], []byte(tt.old), []byte(tt.new), 1)
			if bytes.Equal(tampered[tt.path], snap[tt.path]) {
				t.Fatal("test did not tamper")
			}
			if _, err := Restore(tampered); err == nil {
				t.Fatal("Restore accepted a snapshot whose content does not match its hash")
			}
			lazy, err := RestoreLazy(tampered[SnapshotHead], func(p string) ([]byte, error) { return tampered[p], nil })
			if tt.lazyFails {
				if err == nil {
					t.Fatal("RestoreLazy accepted a tampered head")
				}
				return
			}
			if err != nil {
				t.Fatalf("RestoreLazy: %v", err)
			}
			if err := lazy.Preload("r1"); err == nil || !strings.Contains(err.Error(), bucket) {
				t.Fatalf("Preload of a tampered bucket = %v, want an error naming %s", err, bucket)
			}
		})
	}
}

func TestRestoreLazyReadsOnlyWhatItNeeds(t *testing.T) {
	b := &builder{t: t}
	s := shippable(t, b)
	s = mustApply(t, s, b.transition(s, "agent", "r2", "create"), StatusApplied)
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var reads []string
	lazy, err := RestoreLazy(snap[SnapshotHead], func(p string) ([]byte, error) {
		reads = append(reads, p)
		return snap[p], nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if lazy.Hash() != s.Hash() || len(reads) != 0 {
		t.Fatalf("hash %s (want %s) after reads %v", lazy.Hash(), s.Hash(), reads)
	}
	if lazy.InstanceHash("r2") != s.InstanceHash("r2") || lazy.Len() != s.Len() {
		t.Fatalf("r2 %s, len %d; want %s, %d", lazy.InstanceHash("r2"), lazy.Len(), s.InstanceHash("r2"), s.Len())
	}
	if len(reads) != 1 || reads[0] != BucketPath(bucketOf("r2")) {
		t.Fatalf("reads %v, want only r2's bucket", reads)
	}
	// Applying to a lazily restored state gives what applying to the
	// original gives, and the next snapshot rewrites only that bucket.
	e := b.transition(s, "agent", "r2", "verify")
	want, _ := Apply(s, e)
	got, out := Apply(lazy, e)
	if out.Status != StatusApplied || got.Hash() != want.Hash() {
		t.Fatalf("apply on the lazy state: %s %s, hash %s want %s", out.Status, out.Reason, got.Hash(), want.Hash())
	}
	files, deleted, err := got.SnapshotSince(snap[SnapshotHead])
	if err != nil {
		t.Fatal(err)
	}
	if len(reads) != 1 {
		t.Fatalf("the next snapshot read %v; only r2's bucket was needed", reads)
	}
	if len(files) != 2 || files[BucketPath(bucketOf("r2"))] == nil || files[SnapshotHead] == nil || len(deleted) != 0 {
		t.Fatalf("SnapshotSince wrote %d files (deleted %v), want the head and r2's bucket", len(files), deleted)
	}
	merged := SnapshotFiles{}
	for p, d := range snap {
		merged[p] = d
	}
	for p, d := range files {
		merged[p] = d
	}
	again, err := Restore(merged)
	if err != nil || again.Hash() != want.Hash() || len(again.Instances()) != want.Len() {
		t.Fatalf("restore of the merged snapshot: %v", err)
	}
}

func TestRestoreLazyReadFailure(t *testing.T) {
	b := &builder{t: t}
	s := shippable(t, b)
	snap, _ := s.Snapshot()
	lazy, err := RestoreLazy(snap[SnapshotHead], func(p string) ([]byte, error) { return nil, fmt.Errorf("object missing") })
	if err != nil {
		t.Fatal(err)
	}
	if err := lazy.Preload("r1"); err == nil || !strings.Contains(err.Error(), "object missing") {
		t.Fatalf("Preload = %v", err)
	}
	if _, err := lazy.Load(); err == nil {
		t.Fatal("Load succeeded without its buckets")
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Preload or Load") {
			t.Fatalf("panic %v", r)
		}
	}()
	lazy.InstanceHash("r1")
}

func TestHLC(t *testing.T) {
	tests := []struct {
		in      string
		wantErr bool
	}{
		{"0.0", false}, {"1732340000000.7", false}, {"01.0", true}, {"1.01", true},
		{"-1.0", true}, {"1", true}, {"1.x", true}, {"", true}, {"+1.0", true}, {"1.4294967296", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			h, err := ParseHLC(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseHLC(%q) err = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if err == nil && h.String() != tt.in {
				t.Fatalf("round trip %q -> %q", tt.in, h.String())
			}
		})
	}
	last := HLC{Wall: 100, Logical: 3}
	if got := NextHLC(last, 50); got.Compare(last) <= 0 {
		t.Fatalf("NextHLC with a clock behind went to %v", got)
	}
	if got := NextHLC(last, 200); got != (HLC{Wall: 200}) {
		t.Fatalf("NextHLC with a clock ahead = %v", got)
	}
	a := Stamp{HLC: HLC{Wall: 1}, Signer: "a", IdemKey: "z"}
	b := Stamp{HLC: HLC{Wall: 1}, Signer: "b", IdemKey: "a"}
	if a.Compare(b) >= 0 {
		t.Fatal("ties must break by signer before idem_key")
	}
}

func TestIndex(t *testing.T) {
	b := &builder{t: t}
	s := shippable(t, b)
	s = mustApply(t, s, b.transition(s, "agent", "r2", "create"), StatusApplied)
	x, err := NewIndex(s)
	if err != nil {
		t.Fatal(err)
	}
	drafts, err := x.By("state", "draft")
	if err != nil || len(drafts) != 1 || drafts[0].ID != "r2" {
		t.Fatalf("By(state, draft) = %v, %v", drafts, err)
	}
	all, _ := x.By("workflow", "release")
	if len(all) != 2 {
		t.Fatalf("By(workflow, release) = %d instances", len(all))
	}
}

// TestInstanceHashIsCanonical holds the one-pass instance encoding to
// schemas.CanonicalJSON on instances from random streams.
func TestInstanceHashIsCanonical(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	s := NewState()
	for _, e := range randomStream(rng, 300) {
		s, _ = Apply(s, e)
	}
	special := &Instance{ID: "a<b>&c", Keys: map[string]string{"k&<>": "applied", "\u2028": "x"}, State: "s",
		Regions: map[string]string{"z": "1", "a": "2"}, Resume: &Resume{State: "q", Regions: map[string]string{"r": "s"}},
		Updated: HLC{Wall: 12, Logical: 3}, Version: 9, Workflow: "w", Owner: "o"}
	for _, in := range append(s.Instances(), special) {
		canon, err := schemas.CanonicalJSON(in)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := in.Hash(), schemas.HashBytes(canon); got != want {
			t.Fatalf("instance %s: hash %s, canonical %s\n%s", in.ID, got, want, canon)
		}
	}
}
