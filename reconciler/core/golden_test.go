package core

import (
	"bytes"
	"encoding/json"
	"flag"
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
		headFails bool // RestoreHead itself fails (not only restoring the bucket)
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
			head, err := RestoreHead(tampered[SnapshotHead])
			if tt.headFails {
				if err == nil {
					t.Fatal("RestoreHead accepted a tampered head")
				}
				return
			}
			if err != nil {
				t.Fatalf("RestoreHead: %v", err)
			}
			if _, err := head.WithBuckets(SnapshotFiles{bucket: tampered[bucket]}); err == nil || !strings.Contains(err.Error(), bucket) {
				t.Fatalf("WithBuckets of a tampered bucket = %v, want an error naming %s", err, bucket)
			}
		})
	}
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

// TestInstanceHashIsCanonical holds the one-pass instance encoding to
// schemas.CanonicalJSON on instances from random streams.
func TestInstanceHashIsCanonical(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	s := NewState()
	for _, e := range randomStream(rng, 300) {
		s, _ = full(s, e)
	}
	special := &Instance{ID: "a<b>&c", Keys: map[string]string{"k&<>": "applied", "\u2028": "x"}, State: "s",
		Regions: map[string]string{"z": "1", "a": "2"}, Resume: &Resume{State: "q", Regions: map[string]string{"r": "s"}},
		Updated: HLC{Wall: 12, Logical: 3}, Version: 9, Workflow: "w", Owner: "o"}
	for _, in := range append(instancesOf(s), special) {
		canon, err := schemas.CanonicalJSON(in)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := in.Hash(), schemas.HashBytes(canon); got != want {
			t.Fatalf("instance %s: hash %s, canonical %s\n%s", in.ID, got, want, canon)
		}
	}
}
