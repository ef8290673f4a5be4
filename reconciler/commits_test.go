package reconciler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
)

func TestPendingFromCommits(t *testing.T) {
	e, keys := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	signer, _ := keys.Signer("deploy-agent")
	write := func(files map[string][]byte) plumbing.Hash {
		msg, _ := wal.FormatMessage("pr commit", "", nil)
		h, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{res.Head}, Files: files, Message: msg,
			Author: e.signature(nil, "deploy-agent"), Committer: e.signature(nil, "deploy-agent"), Signer: signer})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	good := []byte("instance: web-7\nworkflow: release\ntransition: create\nbase_state: none\nidem_key: web-7-create\n")
	head := write(map[string][]byte{"proposals/web-7/create.yaml": good})
	p, err := e.PendingFromCommits(res.State.Rules(), res.Head, "pull/7", head)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Problems) != 0 || p.Proposer != "deploy-agent" || p.Path != "proposals/web-7/create.yaml" {
		t.Fatalf("pending = %+v", p)
	}
	if g := gateOn(t, e, res, p, core.HLC{Wall: 1 << 50}); g.Verdict != intake.VerdictReady {
		t.Fatalf("gate: %s %s", g.Verdict, g.Reason)
	}
	two := write(map[string][]byte{"proposals/web-7/create.yaml": good, "proposals/web-8/create.yaml": good})
	p, err = e.PendingFromCommits(res.State.Rules(), res.Head, "pull/8", two)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Problems) != 1 || !strings.Contains(p.Problems[0], "changes 2 files under proposals/") {
		t.Fatalf("two proposals in one change: %v", p.Problems)
	}
}

// A proposal is read without main's history since it forked: however far
// main has moved on, reading it costs the same (here, main's entries since
// the fork are gone and it still reads).
func TestPendingForkedLongAgo(t *testing.T) {
	e, keys := newRepo(t)
	fork, err := e.mainHead()
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := keys.Signer("deploy-agent")
	msg, _ := wal.FormatMessage("pr commit", "", nil)
	good := []byte("instance: web-7\nworkflow: release\ntransition: create\nbase_state: none\nidem_key: web-7-create\n")
	head, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{fork},
		Files: map[string][]byte{"proposals/web-7/create.yaml": good}, Message: msg,
		Author: e.signature(nil, "deploy-agent"), Committer: e.signature(nil, "deploy-agent"), Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range []string{"create", "verify", "tests-pass"} {
		propose(t, e, "deploy-agent", tr, nil)
		reconcile(t, e, 1)
	}
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	entries, err := e.Store.FirstParentLog(res.Head, fork)
	if err != nil || len(entries) != 3 {
		t.Fatalf("entries since the fork: %d, %v", len(entries), err)
	}
	for _, c := range entries[:len(entries)-1] {
		hex := c.Hash.String()
		if err := os.Remove(filepath.Join(e.Store.GitDir(), "objects", hex[:2], hex[2:])); err != nil {
			t.Fatal(err)
		}
	}
	p, err := e.PendingFromCommits(res.State.Rules(), res.Head, "pull/7", head)
	if err != nil || len(p.Problems) != 0 || p.Merged || p.Path != "proposals/web-7/create.yaml" || p.Proposer != "deploy-agent" {
		t.Fatalf("pending = %+v, %v", p, err)
	}
	// A head on main's own history is merged.
	p, err = e.PendingFromCommits(res.State.Rules(), res.Head, "pull/8", fork)
	if err != nil || !p.Merged {
		t.Fatalf("head on main: %+v, %v", p, err)
	}
}
