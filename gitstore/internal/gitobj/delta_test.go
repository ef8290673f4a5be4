package gitobj

import (
	"bytes"
	"errors"
	"math/rand"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/format/packfile"
)

// applyDelta must rebuild exactly what go-git's PatchDelta rebuilds, for
// deltas go-git computes between related buffers.
func TestApplyDeltaMatchesGoGit(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	random := func(n int) []byte {
		b := make([]byte, n)
		rng.Read(b)
		return b
	}
	big := random(200_000)
	tests := []struct {
		name     string
		src, dst []byte
	}{
		{"identical", big, big},
		{"one byte changed", big, append(append(append([]byte(nil), big[:1000]...), 'x'), big[1001:]...)},
		{"insert in the middle", big, append(append(append([]byte(nil), big[:70_000]...), random(5000)...), big[70_000:]...)},
		{"truncate", big, big[:123_456]},
		{"unrelated", random(3000), random(4000)},
		{"empty result", []byte("abc"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			delta := packfile.DiffDelta(tt.src, tt.dst)
			want, err := packfile.PatchDelta(tt.src, delta)
			if err != nil {
				t.Fatal(err)
			}
			got, err := applyDelta(tt.src, delta)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) || !bytes.Equal(got, tt.dst) {
				t.Fatalf("applyDelta gives %d bytes, want %d", len(got), len(want))
			}
		})
	}
}

func TestApplyDeltaRefusesMalformed(t *testing.T) {
	base := []byte("0123456789")
	tests := []struct {
		name  string
		delta []byte
	}{
		{"empty", nil},
		{"wrong base size", []byte{9, 1, 1, 'a'}},
		{"no result size", []byte{10}},
		{"instruction 0", []byte{10, 1, 0}},
		{"insert past the end", []byte{10, 1, 5, 'a'}},
		{"copy outside the base", []byte{10, 4, 0x91, 8, 4}},
		{"result longer than declared", []byte{10, 1, 2, 'a', 'b'}},
		{"result shorter than declared", []byte{10, 3, 1, 'a'}},
		{"truncated copy", []byte{10, 4, 0x91}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := applyDelta(base, tt.delta); !errors.Is(err, errDelta) {
				t.Fatalf("applyDelta = %v, want a malformed-delta error", err)
			}
		})
	}
}
