package engine

import (
	"fmt"
	"strings"
	"testing/fstest"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/gitstore/gitobj"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/schemas"
)

// Replay reads the checkpoint and the rules through its own object reader:
// a single read through go-git's object storage decodes the whole pack
// index and maps every offset to its object, about 50 MB at 100,000
// entries, for one object. Each function here falls back to the Store's
// way whenever the fast way does not succeed, so the errors are the
// Store's.

// readCheckpoint is Store.ReadCheckpoint through read.
func readCheckpoint(store *gitstore.Store, read *objectReader) (gitstore.Checkpoint, error) {
	h, err := store.Ref(gitstore.CheckpointRef)
	if err != nil {
		return gitstore.Checkpoint{}, fmt.Errorf("read checkpoint: %w", err)
	}
	if cp, ok := read.checkpoint(h); ok {
		return cp, nil
	}
	return store.ReadCheckpoint()
}

func (r *objectReader) checkpoint(h plumbing.Hash) (gitstore.Checkpoint, bool) {
	c, err := r.commit(h)
	if err != nil {
		return gitstore.Checkpoint{}, false
	}
	_, _, trailers, err := gitstore.ParseMessage(c.Message)
	if err != nil {
		return gitstore.Checkpoint{}, false
	}
	at := trailers.Get(gitstore.CheckpointTrailer)
	if len(at) != 1 || len(at[0]) != 40 || strings.Trim(at[0], "0123456789abcdef") != "" || plumbing.NewHash(at[0]).IsZero() {
		return gitstore.Checkpoint{}, false
	}
	_, blob, ok := r.lookup(c.Tree, nil, gitstore.CheckpointHead)
	if !ok {
		return gitstore.Checkpoint{}, false
	}
	head, ok := r.blob(blob)
	if !ok {
		return gitstore.Checkpoint{}, false
	}
	return gitstore.Checkpoint{Commit: h, At: plumbing.NewHash(at[0]), Head: head}, true
}

// restore rebuilds the checkpoint's state and checks that the reconciler
// signed it, as restoreCheckpoint does. Only the snapshot's head is read
// here: the state reads a bucket of instances from the checkpoint commit
// the first time it needs one (see reconciler.RestoreLazy), so restoring
// costs the same at any length of history.
func (e *Engine) restore(cp gitstore.Checkpoint, read *objectReader) (reconciler.State, error) {
	s, err := reconciler.RestoreLazy(cp.Head, func(path string) ([]byte, error) {
		return e.Store.ReadCheckpointFile(cp, path)
	})
	if err != nil {
		return s, fmt.Errorf("checkpoint %s: %w", shortHash(cp.Commit.String()), err)
	}
	rules := s.Rules()
	if rules == nil {
		return s, fmt.Errorf("checkpoint %s: snapshot has no rules", shortHash(cp.Commit.String()))
	}
	ring, err := RingOf(rules)
	if err != nil {
		return s, fmt.Errorf("checkpoint key ring: %w", err)
	}
	c, err := read.commit(cp.Commit)
	if err != nil {
		return s, fmt.Errorf("checkpoint commit: %w", err)
	}
	v, err := c.verify(ring)
	if err != nil {
		return s, &TamperError{Commit: cp.Commit, Reason: "checkpoint signature: " + err.Error()}
	}
	if v.Identity != rules.Config.Reconciler.Identity {
		return s, &TamperError{Commit: cp.Commit, Reason: fmt.Sprintf("checkpoint signed by %s, not the reconciler %s", v.Identity, rules.Config.Reconciler.Identity)}
	}
	e.setVerified(cp)
	return s, nil
}

// loadRules is LoadRules through read.
func (r *replayer) loadRules(c *commitView) (*schemas.Bundle, error) {
	if b, ok := r.read.rules(c.Tree); ok {
		return b, nil
	}
	return LoadRules(r.engine.Store, c.Hash)
}

// rules reads writ.yaml and every file below workflows/ and policies/ and
// loads them; ok is false on anything LoadRules would report.
func (r *objectReader) rules(tree plumbing.Hash) (*schemas.Bundle, bool) {
	root, ok := r.tree(tree)
	if !ok {
		return nil, false
	}
	fsys := fstest.MapFS{}
	i, found := root.Lookup(ConfigFile, false)
	if !found || root.Mode(i) != gitobj.ModeFile {
		return nil, false
	}
	data, ok := r.blob(root.Hash(i))
	if !ok {
		return nil, false
	}
	fsys[ConfigFile] = &fstest.MapFile{Data: data}
	for _, dir := range rulesDirs {
		if j, found := root.Lookup(dir, true); found && !r.collect(root.Hash(j), dir+"/", fsys) {
			return nil, false
		} else if _, clash := root.Lookup(dir, false); clash {
			return nil, false
		}
	}
	b, problems := schemas.LoadBundle(fsys)
	return b, len(problems) == 0
}

// collect adds every regular file below tree h to fsys.
func (r *objectReader) collect(h plumbing.Hash, prefix string, fsys fstest.MapFS) bool {
	t, ok := r.tree(h)
	if !ok {
		return false
	}
	for i := 0; i < t.Len(); i++ {
		name := prefix + t.Name(i)
		switch t.Mode(i) {
		case gitobj.ModeDir:
			if !r.collect(t.Hash(i), name+"/", fsys) {
				return false
			}
		case gitobj.ModeFile:
			data, ok := r.blob(t.Hash(i))
			if !ok {
				return false
			}
			fsys[name] = &fstest.MapFile{Data: data}
		default:
			return false
		}
	}
	return true
}
