package gitstore

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/storage/filesystem/dotgit"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// incomingPrefix names the directories, under objects/, in which fetched
// packs are written before they are put in place.
const incomingPrefix = "writ-incoming-"

// staleIncomingAge is how old an incoming directory must be before a later
// fetch removes it as the leftover of a killed one (a fetch is bounded by
// its context, far below this).
const staleIncomingAge = time.Hour

// PackfileWriter implements storer.PackfileWriter, through which go-git's
// fetch writes the pack it receives. go-git's own writer creates the pack's
// index under its final name, writes it, and only then renames the pack in;
// it skips an index that already exists. So a fetch killed while writing
// the index leaves it cut short, the next fetch of the same objects (the
// same pack, since no ref moved) keeps that broken index beside the pack,
// and the clone can no longer read what it fetched (git fsck fails too).
//
// This writer has go-git write pack and index in a private directory
// under objects/, fsyncs both, and puts them in place as git does: the
// pack first, then the index by rename (replacing any leftover), so an
// index under its final name is always whole and its pack is there. go-git
// is then told to list its packs again.
func (o *objectStorage) PackfileWriter() (io.WriteCloser, error) {
	objects := filepath.Join(o.s.gitDir, "objects")
	removeStaleIncoming(objects)
	tmp, err := os.MkdirTemp(objects, incomingPrefix)
	if err != nil {
		return nil, fmt.Errorf("pack writer: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(tmp, "objects", "pack"), 0o755); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("pack writer: %w", err)
	}
	w, err := dotgit.New(osfs.New(tmp)).NewObjectPack()
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("pack writer: %w", err)
	}
	return &packInstaller{WriteCloser: w, tmp: tmp, packDir: filepath.Join(objects, "pack"), o: o}, nil
}

// packInstaller is go-git's pack writer in a private directory; Close puts
// the finished pack in place (see PackfileWriter).
type packInstaller struct {
	io.WriteCloser
	tmp, packDir string
	o            *objectStorage
}

func (p *packInstaller) Close() error {
	defer os.RemoveAll(p.tmp)
	if err := p.WriteCloser.Close(); err != nil {
		return err
	}
	written := filepath.Join(p.tmp, "objects", "pack")
	packs, err := filepath.Glob(filepath.Join(written, "pack-*.pack"))
	if err != nil {
		return err
	}
	for _, pack := range packs { // one, or none for an empty pack
		name := filepath.Base(strings.TrimSuffix(pack, ".pack"))
		idx := filepath.Join(written, name+".idx")
		for _, f := range []string{pack, idx} {
			if err := syncFile(f); err != nil {
				return fmt.Errorf("install pack %s: %w", name, err)
			}
		}
		if err := os.MkdirAll(p.packDir, 0o755); err != nil {
			return fmt.Errorf("install pack %s: %w", name, err)
		}
		if err := os.Rename(pack, filepath.Join(p.packDir, name+".pack")); err != nil {
			return fmt.Errorf("install pack %s: %w", name, err)
		}
		if err := os.Rename(idx, filepath.Join(p.packDir, name+".idx")); err != nil {
			return fmt.Errorf("install pack %s: %w", name, err)
		}
	}
	if len(packs) > 0 {
		p.o.Storage.Reindex()
	}
	return nil
}

// removeStaleIncoming removes incoming directories left by fetches killed
// long enough ago that none of them can still be running: nothing in one
// (the directory, its pack directory, the pack being written) has changed
// for staleIncomingAge.
func removeStaleIncoming(objects string) {
	dirs, _ := filepath.Glob(filepath.Join(objects, incomingPrefix+"*"))
	for _, d := range dirs {
		if time.Since(lastChange(d)) > staleIncomingAge {
			os.RemoveAll(d)
		}
	}
}

// lastChange is the latest modification time of dir and of what lies
// below it (a fetch writes its pack two levels down); now when any of it
// cannot be read, so that it is kept.
func lastChange(dir string) time.Time {
	latest := time.Time{}
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.ModTime().After(latest) {
			latest = fi.ModTime()
		}
		return nil
	})
	if err != nil {
		return time.Now()
	}
	return latest
}

// rebuildPackIndex makes a pack's index again from the pack, as git
// index-pack does, and puts it in place by rename. The pack must be whole:
// one that does not parse, or whose checksum is not its name's, is an
// error and nothing changes.
func rebuildPackIndex(packPath string) error {
	f, err := os.Open(packPath)
	if err != nil {
		return err
	}
	defer f.Close()
	w := new(idxfile.Writer)
	parser, err := packfile.NewParser(packfile.NewScanner(f), w)
	if err != nil {
		return err
	}
	sum, err := parser.Parse()
	if err != nil {
		return fmt.Errorf("read the pack: %w", err)
	}
	name := filepath.Base(packPath)
	if want := "pack-" + sum.String() + ".pack"; name != want {
		return fmt.Errorf("the pack's checksum names it %s", want)
	}
	idx, err := w.Index()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(packPath), "tmp_idx_")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename: nothing
	if _, err := idxfile.NewEncoder(tmp).Encode(idx); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o444); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), strings.TrimSuffix(packPath, ".pack")+".idx")
}

// openObjects opens gitobj's reader of the repository, first making again
// the index of any pack whose index is damaged (a fetch by an earlier writ,
// killed while writing it, could leave one cut short beside its pack). A
// pack whose index cannot be made again is an error naming it and what to
// do; any other failure of gitobj leaves the reading to go-git (nil).
func openObjects(gitDir string) (*gitobj.Store, error) {
	repaired := map[string]bool{}
	for {
		raw, err := gitobj.Open(gitDir, objectCacheBytes)
		var d *gitobj.DamagedIndexError
		switch {
		case err == nil:
			return raw, nil
		case !errors.As(err, &d):
			return nil, nil
		case repaired[d.Index]:
			return nil, fmt.Errorf("%w, even after it was made again from its pack", err)
		}
		if rerr := rebuildPackIndex(d.Pack); rerr != nil {
			return nil, fmt.Errorf("%w, and could not be made again from its pack: %v; "+
				"if the pack is whole, `git index-pack %s` rebuilds it; otherwise run `git fsck` to see what is lost, or clone the repository again", err, rerr, d.Pack)
		}
		repaired[d.Index] = true
	}
}
