package gitobj_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
	"github.com/writ-dev/writ/gitstore/internal/gittest"
)

// writeBlob stores content as a loose object with the git client, and
// tags it so that a repack keeps it.
func writeBlob(t *testing.T, g *gittest.Git, dir, content string) plumbing.Hash {
	t.Helper()
	h := strings.TrimSpace(g.RunInput(dir, content, "hash-object", "-w", "--stdin"))
	g.Run(dir, "tag", "blob-"+h, h)
	return plumbing.NewHash(h)
}

// openedWithOnePack makes a bare repository whose one object ("before") is
// in a pack, and opens it.
func openedWithOnePack(t *testing.T) (*gittest.Git, string, *gitobj.Store, plumbing.Hash) {
	t.Helper()
	g := gittest.New(t)
	dir := t.TempDir()
	g.Run(dir, "init", "-q", "--bare")
	before := writeBlob(t, g, dir, "before\n")
	g.Run(dir, "repack", "-adq")
	raw, err := gitobj.Open(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return g, dir, raw, before
}

func TestSeesObjectsWrittenAfterOpen(t *testing.T) {
	g, dir, raw, before := openedWithOnePack(t)

	loose := writeBlob(t, g, dir, "loose after open\n")
	packed := writeBlob(t, g, dir, "packed after open\n")
	// Pack both: the loose copies go, so only a new pack holds them.
	g.Run(dir, "repack", "-adq")
	if _, err := os.Stat(filepath.Join(dir, "objects", packed.String()[:2], packed.String()[2:])); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("want %s packed, not loose: %v", packed, err)
	}
	late := writeBlob(t, g, dir, "loose, never packed\n")
	for _, tt := range []struct {
		name string
		h    plumbing.Hash
		want string
	}{
		{"in the pack at open", before, "before\n"},
		{"moved into a new pack", loose, "loose after open\n"},
		{"written and packed after open", packed, "packed after open\n"},
		{"loose", late, "loose, never packed\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			typ, b, err := raw.Read(tt.h)
			if err != nil || typ != plumbing.BlobObject || string(b) != tt.want {
				t.Fatalf("Read = %s %q %v", typ, b, err)
			}
			if ok, err := raw.Has(tt.h); !ok || err != nil {
				t.Fatalf("Has = %v %v", ok, err)
			}
		})
	}
	missing := plumbing.NewHash("0123456789012345678901234567890123456789")
	if _, _, err := raw.Read(missing); !errors.Is(err, gitobj.ErrNotFound) {
		t.Fatalf("Read of a missing object: %v, want ErrNotFound", err)
	}
	if ok, err := raw.Has(missing); ok || err != nil {
		t.Fatalf("Has of a missing object = %v %v", ok, err)
	}
}

func TestReadsThroughAlternates(t *testing.T) {
	g := gittest.New(t)
	shared, dir := t.TempDir(), t.TempDir()
	g.Run(shared, "init", "-q", "--bare")
	g.Run(dir, "init", "-q", "--bare")
	h := writeBlob(t, g, shared, "shared\n")
	g.Run(shared, "repack", "-adq")
	if err := os.WriteFile(filepath.Join(dir, "objects", "info", "alternates"), []byte(filepath.Join(shared, "objects")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	raw, err := gitobj.Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, b, err := raw.Read(h); err != nil || string(b) != "shared\n" {
		t.Fatalf("Read through alternates = %q %v", b, err)
	}
	if ok, err := raw.Has(h); !ok || err != nil {
		t.Fatalf("Has through alternates = %v %v", ok, err)
	}
	if _, _, err := raw.Read(plumbing.NewHash("0123456789012345678901234567890123456789")); !errors.Is(err, gitobj.ErrNotFound) {
		t.Fatalf("Read of a missing object: %v, want ErrNotFound", err)
	}
}

// TestKnownDoesNotRescan checks that Known answers from the packs already
// indexed and loose objects, and learns of a new pack only once a read or
// Has has looked.
func TestKnownDoesNotRescan(t *testing.T) {
	g, dir, raw, before := openedWithOnePack(t)
	packed := writeBlob(t, g, dir, "packed after open\n")
	g.Run(dir, "repack", "-adq")
	loose := writeBlob(t, g, dir, "loose\n")
	missing := plumbing.NewHash("0123456789012345678901234567890123456789")

	tests := []struct {
		name string
		h    plumbing.Hash
		want bool
	}{
		{"in the pack at open", before, true},
		{"loose", loose, true},
		{"missing", missing, false},
		{"packed after open, not looked for yet", packed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ok, err := raw.Known(tt.h); ok != tt.want || err != nil {
				t.Errorf("Known = %v %v, want %v", ok, err, tt.want)
			}
		})
	}
	if ok, err := raw.Has(packed); !ok || err != nil {
		t.Fatalf("Has = %v %v", ok, err)
	}
	if ok, err := raw.Known(packed); !ok || err != nil {
		t.Errorf("Known after Has = %v %v, want true", ok, err)
	}
}
