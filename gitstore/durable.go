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
// does: sync fsyncs every object file written since the last call and the
// directories that received their names, all at once (the file system
// commits them together), before the next ref update. An object whose name
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
// writing a ref. The object files and the directories that received their
// names are flushed in one batch, several at a time: a ref update needs
// every one of them durable before it starts, not one before another, so
// a directory does not wait for the files, nor a parent for its child.
func (y *objectSyncer) sync() error {
	y.mu.Lock()
	defer y.mu.Unlock()
	if err := y.syncPacksLocked(); err != nil {
		return err
	}
	dirs := make([]string, 0, len(y.dirs))
	for d := range y.dirs {
		dirs = append(dirs, d)
	}
	sortByDepthDesc(dirs)
	jobs := make([]func() error, 0, len(y.files)+len(dirs))
	for _, f := range y.files {
		jobs = append(jobs, func() error { return syncFile(f) })
	}
	for _, d := range dirs {
		jobs = append(jobs, func() error {
			if err := syncDir(d); err != nil {
				return fmt.Errorf("%s: %w", d, err)
			}
			return nil
		})
	}
	if err := runAll(jobs); err != nil {
		return fmt.Errorf("sync objects: %w", err) // all of them again next time
	}
	y.files = y.files[:0]
	clear(y.dirs)
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

// runAll runs jobs (flushes), several at a time, and returns the first
// error once all have ended.
func runAll(jobs []func() error) error {
	const workers = 8
	errs := make(chan error, len(jobs))
	next := make(chan func() error)
	var wg sync.WaitGroup
	for i := 0; i < min(workers, len(jobs)); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range next {
				if err := job(); err != nil {
					errs <- err
				}
			}
		}()
	}
	for _, job := range jobs {
		next <- job
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
