package gitobj_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
	"github.com/writ-dev/writ/gitstore/internal/gittest"
)

// TestIndexLeftWithoutItsPack: go-git writes a fetched pack's index under
// its final name and only then renames the pack into place, so a process
// killed in between leaves pack-X.idx, whole or cut short, with no
// pack-X.pack; a later fetch of the same objects can write pack X again.
// Such an index must neither fail Open nor hide pack X once it arrives,
// even after a read that found nothing.
func TestIndexLeftWithoutItsPack(t *testing.T) {
	g := gittest.New(t)
	src := t.TempDir()
	g.Run(src, "init", "-q", "--bare")
	fetched := writeBlob(t, g, src, "fetched later\n")
	g.Run(src, "repack", "-adq")
	packs, err := filepath.Glob(filepath.Join(src, "objects", "pack", "pack-*.idx"))
	if err != nil || len(packs) != 1 {
		t.Fatalf("source packs: %v %v", packs, err)
	}
	idxData, err := os.ReadFile(packs[0])
	if err != nil {
		t.Fatal(err)
	}
	packData, err := os.ReadFile(strings.TrimSuffix(packs[0], ".idx") + ".pack")
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(packs[0])

	for _, cut := range []int{0, 7, 100, 1100, len(idxData) - 1, len(idxData)} {
		t.Run(fmt.Sprintf("index cut at %d of %d bytes", cut, len(idxData)), func(t *testing.T) {
			dir := t.TempDir()
			g.Run(dir, "init", "-q", "--bare")
			before := writeBlob(t, g, dir, "before\n")
			g.Run(dir, "repack", "-adq")
			idx := filepath.Join(dir, "objects", "pack", name)
			if err := os.WriteFile(idx, idxData[:cut], 0o444); err != nil {
				t.Fatal(err)
			}
			raw, err := gitobj.Open(dir, 1<<20)
			if err != nil {
				t.Fatalf("Open with a leftover index and no pack: %v", err)
			}
			defer raw.Close()
			if _, b, err := raw.Read(before); err != nil || string(b) != "before\n" {
				t.Fatalf("Read(before) = %q %v", b, err)
			}
			if _, _, err := raw.Read(fetched); err == nil {
				t.Fatalf("Read found %s before its pack exists", fetched)
			}
			// The next fetch: the index again, then the pack renamed in.
			if err := os.Remove(idx); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(idx, idxData, 0o444); err != nil {
				t.Fatal(err)
			}
			tmp := filepath.Join(dir, "objects", "pack", "tmp_pack_1")
			if err := os.WriteFile(tmp, packData, 0o444); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, strings.TrimSuffix(idx, ".idx")+".pack"); err != nil {
				t.Fatal(err)
			}
			if typ, b, err := raw.Read(fetched); err != nil || typ != plumbing.BlobObject || string(b) != "fetched later\n" {
				t.Fatalf("Read(fetched) after its pack arrived = %s %q %v", typ, b, err)
			}
			if ok, err := raw.Has(fetched); !ok || err != nil {
				t.Fatalf("Has(fetched) = %v %v", ok, err)
			}
		})
	}
}

// TestReadLimitedOwnedIsTheCallers: what ReadLimitedOwned returns may be
// changed without changing what later reads return, for an object the
// cache holds (a delta's result) and for one too large for it.
func TestReadLimitedOwnedIsTheCallers(t *testing.T) {
	g := gittest.New(t)
	dir := t.TempDir()
	g.Run(dir, "init", "-q", "--bare")
	base := strings.Repeat("line of a file that deltas well\n", 2000)
	first := writeBlob(t, g, dir, base)
	second := writeBlob(t, g, dir, base+"one more line\n")                // one of the two is stored as a delta of the other
	big := writeBlob(t, g, dir, strings.Repeat("0123456789abcdef", 8192)) // 128 KiB
	g.Run(dir, "repack", "-adq")
	const cacheBytes = 256 << 10 // holds objects up to 64 KiB
	raw, err := gitobj.Open(dir, cacheBytes)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, h := range []plumbing.Hash{first, second, big} {
		want, err := raw.ReadLimited(h, plumbing.BlobObject, 0)
		if err != nil {
			t.Fatal(err)
		}
		want = append([]byte(nil), want...)
		got, err := raw.ReadLimitedOwned(h, plumbing.BlobObject, 0)
		if err != nil || string(got) != string(want) {
			t.Fatalf("ReadLimitedOwned(%s) = %d bytes, %v; want %d bytes", h, len(got), err, len(want))
		}
		for i := range got {
			got[i] = 'X'
		}
		again, err := raw.ReadLimited(h, plumbing.BlobObject, 0)
		if err != nil || string(again) != string(want) {
			t.Fatalf("after changing what ReadLimitedOwned returned, ReadLimited(%s) = %.40q..., %v", h, again, err)
		}
	}
}
