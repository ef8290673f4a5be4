package gitstore

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// objectSyncer makes written objects durable before any ref names them,
// as git's core.fsync does for loose objects and packs: a power loss must
// never leave a ref pointing at an object the disk lost.
//
// Loose objects are flushed in a batch, as git's core.fsyncMethod=batch
// does: sync fsyncs every object file written since the last call, all at
// once (the file system commits them together), then the directories that
// received their names, before the next ref update. An object whose name
// survived a power loss but whose content did not is an empty file, which
// the Store writes again rather than trusting (storeLocked). Packs written
// by a fetch (go-git does not sync them) are fsynced by the next sync
// after the fetch, with every other pack this Store has not flushed yet
// (one left unflushed by a writ process killed after its fetch included).
// A Store that has not fetched flushes no pack: the packs it finds were
// written by git, which fsyncs its packs, or by an earlier writ fetch,
// flushed then before any ref named their objects; so a local reconcile
// never pays for the size or number of the repository's packs. It is safe
// for concurrent use and takes no Store mutex.
type objectSyncer struct {
	objectsDir string

	mu       sync.Mutex
	files    []string        // object files not yet flushed
	dirs     map[string]bool // directories with entries not yet flushed
	packs    map[string]bool // pack files already flushed
	fetching bool            // a fetch is running: every sync flushes new packs
	fetched  bool            // a fetch may have written packs since the last sync
}

func newObjectSyncer(objectsDir string) *objectSyncer {
	return &objectSyncer{objectsDir: objectsDir, dirs: map[string]bool{}, packs: map[string]bool{}}
}

// wrote records a new object file (newDir: its directory is new too, so
// the directory's parent received a name).
func (y *objectSyncer) wrote(file string, newDir bool) {
	y.mu.Lock()
	defer y.mu.Unlock()
	dir := filepath.Dir(file)
	y.files = append(y.files, file)
	y.dirs[dir] = true
	if newDir {
		y.dirs[filepath.Dir(dir)] = true
	}
}

// fetchStarted records that a fetch runs: until fetchEnded, and once
// after it, sync flushes the packs it finds unflushed (a fetch writes its
// pack, then sets refs through the storage, and may fail half-way).
func (y *objectSyncer) fetchStarted() {
	y.mu.Lock()
	defer y.mu.Unlock()
	y.fetching = true
}

// fetchEnded ends what fetchStarted began.
func (y *objectSyncer) fetchEnded() {
	y.mu.Lock()
	defer y.mu.Unlock()
	y.fetching, y.fetched = false, true
}

// sync flushes what objects written so far need: their directories, and,
// after a fetch, any pack (with its index) not flushed yet. Call it before
// writing a ref.
func (y *objectSyncer) sync() error {
	y.mu.Lock()
	defer y.mu.Unlock()
	if err := y.syncPacksLocked(); err != nil {
		return err
	}
	if err := syncFiles(y.files); err != nil {
		return fmt.Errorf("sync objects: %w", err)
	}
	y.files = y.files[:0]
	// Children before parents: a new objects/xx/ is flushed before the
	// name objects/xx in objects/.
	dirs := make([]string, 0, len(y.dirs))
	for d := range y.dirs {
		dirs = append(dirs, d)
	}
	sortByDepthDesc(dirs)
	for _, d := range dirs {
		if err := syncDir(d); err != nil {
			return fmt.Errorf("sync objects: %s: %w", d, err)
		}
		delete(y.dirs, d)
	}
	return nil
}

// syncPacksLocked flushes, after a fetch, the packs not flushed yet.
func (y *objectSyncer) syncPacksLocked() error {
	if !y.fetched && !y.fetching {
		return nil
	}
	packDir := filepath.Join(y.objectsDir, "pack")
	entries, err := os.ReadDir(packDir)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("sync objects: %w", err)
	}
	for _, e := range entries {
		n := e.Name()
		if y.packs[n] || !(strings.HasSuffix(n, ".pack") || strings.HasSuffix(n, ".idx") || strings.HasSuffix(n, ".rev")) {
			continue
		}
		if err := syncFile(filepath.Join(packDir, n)); err != nil {
			return fmt.Errorf("sync objects: %w", err)
		}
		y.packs[n] = true
		y.dirs[packDir] = true
	}
	y.fetched = false
	return nil
}

// syncFiles fsyncs files, several at a time, and returns the first error.
func syncFiles(files []string) error {
	const workers = 8
	errs := make(chan error, len(files))
	next := make(chan string)
	var wg sync.WaitGroup
	for i := 0; i < min(workers, len(files)); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range next {
				if err := syncFile(f); err != nil {
					errs <- err
				}
			}
		}()
	}
	for _, f := range files {
		next <- f
	}
	close(next)
	wg.Wait()
	close(errs)
	return <-errs // nil when closed empty
}

// syncFile fsyncs the file at path.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// sortByDepthDesc orders paths deepest first, then by name.
func sortByDepthDesc(paths []string) {
	depth := func(p string) int { return strings.Count(p, string(filepath.Separator)) }
	sort.Slice(paths, func(i, j int) bool {
		if di, dj := depth(paths[i]), depth(paths[j]); di != dj {
			return di > dj
		}
		return paths[i] < paths[j]
	})
}
