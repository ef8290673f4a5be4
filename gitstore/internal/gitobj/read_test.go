package gitobj_test

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/klauspost/compress/zlib"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
	"github.com/writ-dev/writ/gitstore/internal/gittest"
)

// packEntryHeader is a pack entry's type and size header.
func packEntryHeader(kind int, size int) []byte {
	c := byte(kind<<4) | byte(size&15)
	size >>= 4
	var out []byte
	for size > 0 {
		out = append(out, c|0x80)
		c, size = byte(size&0x7f), size>>7
	}
	return append(out, c)
}

func deflate(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func leb(n int) []byte {
	var out []byte
	for {
		c := byte(n & 0x7f)
		n >>= 7
		if n == 0 {
			return append(out, c)
		}
		out = append(out, c|0x80)
	}
}

// writeDeltaPack writes, into repo's pack directory (indexed by git
// index-pack), a pack of a blob of base zero bytes and an ofs-delta that
// copies its first n bytes: an object git's heuristics would never make
// (it never deltas against a base 32 times larger), as a crafted push
// could. It returns the names of the base and of the small object.
func writeDeltaPack(t *testing.T, g *gittest.Git, repo string, base, n int) (plumbing.Hash, plumbing.Hash) {
	t.Helper()
	pack := []byte("PACK\x00\x00\x00\x02\x00\x00\x00\x02")
	baseOff := len(pack)
	pack = append(append(pack, packEntryHeader(3, base)...), deflate(t, make([]byte, base))...)
	delta := append(append(leb(base), leb(n)...), 0x80|0x10|0x20|0x40, byte(n), byte(n>>8), byte(n>>16))
	deltaOff := len(pack)
	rel := deltaOff - baseOff
	var ofs []byte
	ofs = append(ofs, byte(rel&0x7f))
	for rel >>= 7; rel > 0; rel >>= 7 {
		rel--
		ofs = append([]byte{byte(0x80 | rel&0x7f)}, ofs...)
	}
	pack = append(append(append(pack, packEntryHeader(6, len(delta))...), ofs...), deflate(t, delta)...)
	sum := sha1.Sum(pack)
	pack = append(pack, sum[:]...)
	g.RunInput(repo, string(pack), "index-pack", "--stdin")
	return plumbing.ComputeHash(plumbing.BlobObject, make([]byte, base)), plumbing.ComputeHash(plumbing.BlobObject, make([]byte, n))
}

func TestReadLimited(t *testing.T) {
	g := gittest.New(t)
	repo := t.TempDir()
	g.Run(repo, "init", "-q", "--bare")
	hashOf := func(content string, args ...string) plumbing.Hash {
		return plumbing.NewHash(strings.TrimSpace(g.RunInput(repo, content, append(args, "hash-object", "-w", "--stdin")...)))
	}
	// Packed: a blob, and one so like it that git stores it as a delta
	// (of the larger one).
	deltaBig := hashOf(strings.Repeat("packed ", 1000))
	packedBig := hashOf(strings.Repeat("packed ", 1000) + "and more\n")
	g.RunInput(repo, packedBig.String()+"\n"+deltaBig.String()+"\n", "pack-objects", "-q", "objects/pack/pack")
	g.Run(repo, "prune-packed")
	idx, _ := filepath.Glob(filepath.Join(repo, "objects", "pack", "*.idx"))
	if len(idx) != 1 || !regexp.MustCompile(`(?m)^`+deltaBig.String()+` blob +\d+ \d+ \d+ 1 `+packedBig.String()+`$`).
		MatchString(g.Run(repo, "verify-pack", "-v", idx[0])) {
		t.Fatalf("want %s stored as a delta of %s in one pack", deltaBig, packedBig)
	}
	small := hashOf("small\n")
	looseBig := hashOf(strings.Repeat("loose ", 1000))
	const limit = 1000
	bigBase, smallDelta := writeDeltaPack(t, g, repo, 100_000, 10)
	raw, err := gitobj.Open(repo, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	tests := []struct {
		name    string
		h       plumbing.Hash
		want    plumbing.ObjectType
		size    int64 // the size the refusal names; 0: read
		base    bool
		errText string
	}{
		{"small loose blob", small, plumbing.BlobObject, 0, false, ""},
		{"large loose blob", looseBig, plumbing.BlobObject, 6000, false, ""},
		{"large packed blob", packedBig, plumbing.BlobObject, 7009, false, ""},
		{"large packed delta", deltaBig, plumbing.BlobObject, 7000, false, ""},
		{"large base, read whole", bigBase, plumbing.BlobObject, 100_000, false, ""},
		{"small object rebuilt from a large base", smallDelta, plumbing.BlobObject, 100_000, true, ""},
		{"loose object of another type", small, plumbing.CommitObject, 0, false, "not a commit"},
		{"packed base of another type", smallDelta, plumbing.CommitObject, 0, false, "not a commit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := raw.ReadLimited(tt.h, tt.want, limit)
			var tl *gitobj.TooLargeError
			switch {
			case tt.errText != "":
				if err == nil || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("want an error saying %q, got %v", tt.errText, err)
				}
			case tt.size == 0:
				if err != nil || len(b) == 0 {
					t.Fatalf("read: %d bytes, %v", len(b), err)
				}
			case !errors.As(err, &tl) || !errors.Is(err, gitobj.ErrTooLarge):
				t.Fatalf("want a TooLargeError, got %v", err)
			case tl.Hash != tt.h || tl.Size != tt.size || tl.Base != tt.base:
				t.Fatalf("refusal %+v, want object %s size %d base %v", tl, tt.h, tt.size, tt.base)
			}
		})
	}
	// Without a limit, everything reads; the crafted delta rebuilds.
	if _, b, err := raw.Read(smallDelta); err != nil || !bytes.Equal(b, make([]byte, 10)) {
		t.Fatalf("unlimited read of the crafted delta: %q %v", b, err)
	}
	if b, err := raw.ReadPrefix(looseBig, 12); err != nil || string(b[:12]) != "loose loose " {
		t.Fatalf("prefix of a loose object: %q %v", b, err)
	}
}
