package gitobj

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// TestSearchNames checks the interpolating search against a linear scan,
// for names spread evenly (as hashes are) and for names bunched so that
// interpolation guesses badly.
func TestSearchNames(t *testing.T) {
	tests := []struct {
		name  string
		count int
		make  func(r *rand.Rand, i int) plumbing.Hash
	}{
		{"empty", 0, nil},
		{"one", 1, uniform},
		{"uniform", 5000, uniform},
		{"shared eight-byte prefix", 3000, func(r *rand.Rand, i int) plumbing.Hash {
			h := uniform(r, i)
			copy(h[:8], []byte{0x7f, 1, 2, 3, 4, 5, 6, 7})
			return h
		}},
		{"bunched at both ends", 3000, func(r *rand.Rand, i int) plumbing.Hash {
			h := uniform(r, i)
			h[0] = 0x42
			if i%2 == 0 {
				h[1], h[2] = 0, 0
			} else {
				h[1], h[2] = 0xff, 0xff
			}
			return h
		}},
		{"exponential", 2000, func(r *rand.Rand, i int) plumbing.Hash {
			var h plumbing.Hash
			h[0] = 0x10
			v := uint64(1) << (i % 56)
			for k := 0; k < 7; k++ {
				h[1+k] = byte(v >> (8 * (6 - k)))
			}
			h[8], h[9] = byte(i>>8), byte(i)
			return h
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(tc.count)))
			var hashes []plumbing.Hash
			for i := 0; i < tc.count; i++ {
				hashes = append(hashes, tc.make(r, i))
			}
			slices.SortFunc(hashes, func(a, b plumbing.Hash) int { return bytes.Compare(a[:], b[:]) })
			hashes = slices.Compact(hashes)
			names := make([]byte, 0, 20*len(hashes))
			for _, h := range hashes {
				names = append(names, h[:]...)
			}
			// The fan-out bucket of names sharing h's first byte.
			bucket := func(h plumbing.Hash) (int, int) {
				first := func(e plumbing.Hash, b int) int { return int(e[0]) - b }
				lo, _ := slices.BinarySearchFunc(hashes, int(h[0]), first)
				hi, _ := slices.BinarySearchFunc(hashes, int(h[0])+1, first)
				return lo, hi
			}
			// Every name is found where it is.
			for i, h := range hashes {
				lo, hi := bucket(h)
				if got, ok := searchNames(names, lo, hi, h); !ok || got != i {
					t.Fatalf("name %d (%s): got %d, %v", i, h, got, ok)
				}
			}
			// Names that are not there are not found.
			for k := 0; k < 2000; k++ {
				h := uniform(r, k)
				if tc.make != nil {
					h = tc.make(r, r.IntN(tc.count))
				}
				h[19] ^= 0x5a
				if _, present := slices.BinarySearchFunc(hashes, h, func(e, t plumbing.Hash) int { return bytes.Compare(e[:], t[:]) }); present {
					continue
				}
				lo, hi := bucket(h)
				if i, ok := searchNames(names, lo, hi, h); ok {
					t.Fatalf("absent %s found at %d", h, i)
				}
			}
		})
	}
}

func uniform(r *rand.Rand, _ int) plumbing.Hash {
	var h plumbing.Hash
	for i := range h {
		h[i] = byte(r.Uint32())
	}
	return h
}
