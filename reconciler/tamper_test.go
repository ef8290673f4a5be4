package reconciler

import (
	"errors"
	"github.com/writ-dev/writ/reconciler/wal"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/schemas"
)

// shipped returns a repo whose last entry is the approved ship.
func shipped(t *testing.T) (*Engine, *object.Commit) {
	e, _ := newRepo(t)
	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	approveAs(t, e, "alice", name)
	approveAs(t, e, "bob", name)
	rep := reconcile(t, e, 1)
	c, err := e.Store.Commit(rep.Head)
	if err != nil {
		t.Fatal(err)
	}
	return e, c
}

// rewriteHead replaces main's head with a commit derived from it, signed by
// who (empty: unsigned), and drops the checkpoint.
func rewriteHead(t *testing.T, e *Engine, head *object.Commit, message string, files map[string][]byte, who string) plumbing.Hash {
	t.Helper()
	req := gitstore.CommitRequest{Parents: head.ParentHashes, Message: message, Files: files,
		Author: head.Author, Committer: head.Committer}
	if files == nil {
		req.BaseTree = head.TreeHash
	}
	return replaceHead(t, e, head, req, who)
}

// replaceHead writes req, signed by who (empty: unsigned), moves main from
// head to it and drops the checkpoint.
func replaceHead(t *testing.T, e *Engine, head *object.Commit, req gitstore.CommitRequest, who string) plumbing.Hash {
	t.Helper()
	if who != "" {
		s, err := e.Keys.Signer(who)
		if err != nil {
			t.Fatal(err)
		}
		req.Signer = s
	}
	h, err := e.Store.WriteCommit(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CompareAndSwap(gitstore.MainRef, head.Hash, h); err != nil {
		t.Fatal(err)
	}
	if err := e.Store.DeleteRef(gitstore.CheckpointRef); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestReplayDetectsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, e *Engine, head *object.Commit) plumbing.Hash
		reason string
	}{
		{
			name: "edited trailer, not re-signed",
			tamper: func(t *testing.T, e *Engine, head *object.Commit) plumbing.Hash {
				msg := strings.Replace(head.Message, "role=sre", "role=security", 1)
				head.Message = msg
				return rewriteHead(t, e, head, msg, nil, "")
			},
			reason: "signature",
		},
		{
			name: "edited state hash, re-signed with the reconciler's key",
			tamper: func(t *testing.T, e *Engine, head *object.Commit) plumbing.Hash {
				i := strings.Index(head.Message, "Writ-State-Post: sha256:")
				msg := head.Message[:i] + "Writ-State-Post: sha256:" + strings.Repeat("0", 64) + "\n"
				return rewriteHead(t, e, head, msg, nil, "writ-bot")
			},
			reason: "Writ-State-Post",
		},
		{
			name: "approval dropped, re-signed with the reconciler's key",
			tamper: func(t *testing.T, e *Engine, head *object.Commit) plumbing.Hash {
				var kept []string
				for _, l := range strings.Split(head.Message, "\n") {
					if strings.HasPrefix(l, "Writ-Approval: bob") {
						continue
					}
					kept = append(kept, l)
				}
				return rewriteHead(t, e, head, strings.Join(kept, "\n"), nil, "writ-bot")
			},
			reason: "does not apply: waiting",
		},
		{
			name: "proposal line edited, re-signed with the reconciler's key",
			tamper: func(t *testing.T, e *Engine, head *object.Commit) plumbing.Hash {
				msg := strings.Replace(head.Message, `"environment":"staging"`, `"environment":"production"`, 1)
				if msg == head.Message {
					t.Fatal("no staging input in the message")
				}
				return rewriteHead(t, e, head, msg, nil, "writ-bot")
			},
			reason: "the proposal in the message differs from the signed proposal file",
		},
		{
			// Replay shows a proposal file by its object name when it is the
			// rendering of the recorded proposal: an edited proposal renders
			// to other bytes, so the file is read and its hash compared.
			name: "proposal line and its content hash edited together, re-signed with the reconciler's key",
			tamper: func(t *testing.T, e *Engine, head *object.Commit) plumbing.Hash {
				msg := strings.Replace(head.Message, `"environment":"staging"`, `"environment":"production"`, 1)
				rec, err := wal.Decode(msg)
				if err != nil || msg == head.Message {
					t.Fatalf("no staging input in the message: %v", err)
				}
				body, ok := schemas.ProposalYAML(rec.Entry.Proposal)
				if !ok {
					t.Fatal("the edited proposal has no rendering")
				}
				real, err := e.Store.ReadFile(head.Hash, rec.ProposalPath)
				if err != nil {
					t.Fatal(err)
				}
				edited := append([]byte(schemas.LeadingModeline(real)), body...)
				msg = strings.Replace(msg, rec.Entry.Subject.Content, schemas.HashBytes(edited), 1)
				return rewriteHead(t, e, head, msg, nil, "writ-bot")
			},
			reason: "but the proposal file hashes to",
		},
		{
			name: "entry signed by an approver instead of the reconciler",
			tamper: func(t *testing.T, e *Engine, head *object.Commit) plumbing.Hash {
				return rewriteHead(t, e, head, head.Message, nil, "alice")
			},
			reason: "not by the reconciler identity writ-bot",
		},
		{
			name: "tree smuggles a policy change",
			tamper: func(t *testing.T, e *Engine, head *object.Commit) plumbing.Hash {
				files := map[string][]byte{"policies/release-approval.yaml": []byte("name: release-approval\nrules:\n  - name: x\n    count: 1\n")}
				return rewriteHead(t, e, head, head.Message, files, "writ-bot")
			},
			reason: "a WAL entry may only add",
		},
		{
			name: "a plain commit on main",
			tamper: func(t *testing.T, e *Engine, head *object.Commit) plumbing.Hash {
				s, _ := e.Keys.Signer("alice")
				h, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{head.Hash}, Message: "hotfix\n",
					Files: map[string][]byte{"notes.txt": []byte("x")}, Author: head.Author, Committer: head.Author, Signer: s})
				if err != nil {
					t.Fatal(err)
				}
				if err := e.Store.CompareAndSwap(gitstore.MainRef, head.Hash, h); err != nil {
					t.Fatal(err)
				}
				return h
			},
			reason: "not a WAL entry written by the reconciler",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, head := shipped(t)
			bad := tt.tamper(t, e, head)
			_, err := e.Replay(ReplayOptions{})
			te := wantTamper(t, err, tt.reason)
			if te.Commit != bad {
				t.Fatalf("tamper error names %s, want the tampered commit %s", te.Commit, bad)
			}
			if !strings.Contains(err.Error(), bad.String()) {
				t.Fatalf("error %q does not name the commit", err)
			}
			// Walking main through git's commit-graph finds the same.
			writeCommitGraph(t, e)
			g := reopened(t, e)
			_, stats, gerr := g.replay(ReplayOptions{})
			if ge := wantTamper(t, gerr, tt.reason); ge.Commit != te.Commit || ge.Index != te.Index || !stats.FromGraph {
				t.Fatalf("with the commit-graph (used %v): %v; without: %v", stats.FromGraph, gerr, err)
			}
		})
	}
}

func TestReplayDetectsRewrittenHistory(t *testing.T) {
	e, head := shipped(t)
	// Move main back two entries: the checkpoint now covers a commit that
	// is not on main.
	back := head.ParentHashes[0]
	if err := e.Store.CompareAndSwap(gitstore.MainRef, head.Hash, back); err != nil {
		t.Fatal(err)
	}
	_, err := e.Replay(ReplayOptions{})
	if !errors.Is(err, ErrRewritten) {
		t.Fatalf("want ErrRewritten, got %v", err)
	}
	if _, err := e.Reconcile(); !errors.Is(err, ErrRewritten) {
		t.Fatalf("reconcile on a rewritten main: %v", err)
	}
}

func TestReplayDetectsCheckpointDisagreement(t *testing.T) {
	e, head := shipped(t)
	res := mustReplay(t, e, ReplayOptions{})
	// A checkpoint signed by the reconciler that claims the head's state
	// at the entry before the head.
	if err := e.checkpoint(res.State, res.Checkpoint, head.ParentHashes[0]); err != nil {
		t.Fatal(err)
	}
	_, err := e.Replay(ReplayOptions{})
	wantTamper(t, err, "disagrees with the replayed state")
}
