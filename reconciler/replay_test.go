package reconciler

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/wal"
)

// The tree checks replay runs on raw trees must refuse every entry a tree
// diff refuses, and refuse a merged file that is not the signed one.
func TestReplayTreeChecks(t *testing.T) {
	signedFile := func(t *testing.T, e *Engine, head *object.Commit) (string, []byte) {
		rec, err := wal.Decode(head.Message)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := e.Store.ReadFile(plumbing.NewHash(rec.Entry.Subject.Commit), rec.ProposalPath)
		if err != nil {
			t.Fatal(err)
		}
		return rec.ProposalPath, raw
	}
	tests := []struct {
		name   string
		files  func(path string, raw []byte, earlier string) map[string][]byte
		reason string
	}{
		{
			name: "also adds a file to another instance",
			files: func(path string, raw []byte, _ string) map[string][]byte {
				return map[string][]byte{path: raw, "proposals/web-2/create.yaml": []byte("instance: web-2\n")}
			},
			reason: "a WAL entry may only add",
		},
		{
			name: "also adds a file beside the proposal",
			files: func(path string, raw []byte, _ string) map[string][]byte {
				return map[string][]byte{path: raw, strings.TrimSuffix(path, ".yaml") + "-2.yaml": raw}
			},
			reason: "a WAL entry may only add",
		},
		{
			name: "also changes an earlier proposal",
			files: func(path string, raw []byte, earlier string) map[string][]byte {
				return map[string][]byte{path: raw, earlier: raw}
			},
			reason: "a WAL entry may only add",
		},
		{
			name: "merges other bytes under the proposal's name",
			files: func(path string, raw []byte, _ string) map[string][]byte {
				return map[string][]byte{path: append([]byte("# unsigned\n"), raw...)}
			},
			reason: "is not the signed proposal file",
		},
		{
			name:   "changes nothing",
			files:  func(string, []byte, string) map[string][]byte { return nil },
			reason: "a WAL entry may only add",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, head := shipped(t)
			path, raw := signedFile(t, e, head)
			earlier, err := e.Store.ListFiles(head.ParentHashes[0], "proposals/web-1")
			if err != nil || len(earlier) == 0 {
				t.Fatalf("earlier proposals: %v %v", earlier, err)
			}
			files := tt.files(path, raw, earlier[0])
			var bad plumbing.Hash
			if files == nil {
				parent, err := e.Store.Commit(head.ParentHashes[0])
				if err != nil {
					t.Fatal(err)
				}
				bad = rewriteTree(t, e, head, parent.TreeHash)
			} else {
				bad = rewriteHead(t, e, head, head.Message, files, "writ-bot")
			}
			_, err = e.Replay(ReplayOptions{})
			if te := wantTamper(t, err, tt.reason); te.Commit != bad {
				t.Fatalf("tamper error names %s, want %s", te.Commit, bad)
			}
		})
	}
}

// rewriteTree replaces main's head with the same entry over another tree,
// signed by the reconciler, and drops the checkpoint.
func rewriteTree(t *testing.T, e *Engine, head *object.Commit, tree plumbing.Hash) plumbing.Hash {
	t.Helper()
	return replaceHead(t, e, head, gitstore.CommitRequest{Parents: head.ParentHashes, BaseTree: tree, Message: head.Message,
		Author: head.Author, Committer: head.Committer}, "writ-bot")
}

// mainChain is main's first-parent history, oldest first, read from the
// commits.
func mainChain(t *testing.T, e *Engine) []plumbing.Hash {
	t.Helper()
	head, err := e.mainHead()
	if err != nil {
		t.Fatal(err)
	}
	chain, err := e.replayer().FirstParents(head, plumbing.ZeroHash)
	if err != nil {
		t.Fatal(err)
	}
	return chain
}

// Replay and the one-entry-at-a-time verifier agree on every entry.
func TestReplayMatchesOneByOne(t *testing.T) {
	e, _ := shipped(t)
	res := mustReplay(t, e, ReplayOptions{Collect: true})
	chain := mainChain(t, e)
	v := e.replayer().Checker(plumbing.ZeroHash)
	s := core.NewState()
	for i, h := range chain {
		c, err := e.Store.Commit(h)
		if err != nil {
			t.Fatal(err)
		}
		ent, next, err := v.Entry(s, c, i)
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		got := res.Entries[i]
		if ent.Commit != got.Commit || ent.Signer != got.Signer || ent.Author.When.Unix() != got.Author.When.Unix() ||
			ent.Author.Email != got.Author.Email || ent.Outcome.Status != got.Outcome.Status {
			t.Fatalf("entry %d: one by one %+v, replay %+v", i, ent, got)
		}
		s = next
	}
	if s.Hash() != res.State.Hash() {
		t.Fatalf("one by one gives %s, replay %s", s.Hash(), res.State.Hash())
	}
}

// Every entry of an ordinary log is checked by the raw tree comparison,
// without falling back to a tree diff.
func TestReplayComparesTreesWithoutDiffs(t *testing.T) {
	e, _ := shipped(t)
	res, stats, err := e.replay(ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if stats.TreeDiffs != 0 || stats.Reverified != 0 || res.Replayed != 7 {
		t.Fatalf("replayed %d entries with %+v", res.Replayed, stats)
	}
	// The proposal files writ wrote are shown by their object names, not
	// read: all but the first, whose modeline replay has not seen yet.
	if stats.ProposalsRendered == 0 {
		t.Fatalf("no proposal file was shown by its name: %+v", stats)
	}
	// Move the checkpoint back one entry: replaying from it reads the
	// first entry's parent tree instead of knowing it, still no diff.
	cp, err := e.Store.Ref(gitstore.CheckpointRef)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.Store.Commit(cp)
	if err != nil || len(c.ParentHashes) != 1 {
		t.Fatalf("checkpoint %s: %v", cp, err)
	}
	if err := e.Store.CompareAndSwap(gitstore.CheckpointRef, cp, c.ParentHashes[0]); err != nil {
		t.Fatal(err)
	}
	res, stats, err = e.replay(ReplayOptions{FromCheckpoint: true})
	if err != nil || res.Replayed != 1 || stats.TreeDiffs != 0 {
		t.Fatalf("from the checkpoint before the head: replayed %v with %+v, %v", res, stats, err)
	}
}
