package reconciler

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// treeEntry is one entry gitTree puts in a tree: mode, path and either the
// bytes of a new blob or an existing object id.
type treeEntry struct {
	mode, path string
	data       []byte
	object     string
}

// gitExec runs the git client in the store's repository with an isolated
// environment and the given extra variables, and returns its output.
func gitExec(t *testing.T, e *Engine, env []string, stdin []byte, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skipf("git not installed: %v", err)
	}
	cmd := exec.Command("git", append([]string{"--git-dir", e.Store.GitDir()}, args...)...)
	cmd.Env = append([]string{"HOME=" + t.TempDir(), "GIT_CONFIG_NOSYSTEM=1", "LC_ALL=C", "PATH=" + os.Getenv("PATH")}, env...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return strings.TrimSpace(out.String())
}

// gitTree builds, with the git client's index (a temporary one), the tree of
// commit base with entries added or replaced, and returns its id.
func gitTree(t *testing.T, e *Engine, base plumbing.Hash, entries ...treeEntry) plumbing.Hash {
	t.Helper()
	env := []string{"GIT_INDEX_FILE=" + filepath.Join(t.TempDir(), "index")}
	gitExec(t, e, env, nil, "read-tree", base.String())
	for _, en := range entries {
		id := en.object
		if id == "" {
			id = gitExec(t, e, env, en.data, "hash-object", "-w", "--stdin")
		}
		gitExec(t, e, env, nil, "update-index", "--add", "--cacheinfo", en.mode+","+id+","+en.path)
	}
	return plumbing.NewHash(gitExec(t, e, env, nil, "write-tree"))
}

// recommit replaces the head of a proposal branch (one commit on main) with
// a commit of the same message over tree, signed by who.
func recommit(t *testing.T, e *Engine, branch, who string, tree plumbing.Hash) {
	t.Helper()
	head, err := e.Store.Ref("refs/heads/" + branch)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.Store.Commit(head)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := e.Keys.Signer(who)
	if err != nil {
		t.Fatal(err)
	}
	h, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: c.ParentHashes, BaseTree: tree, Message: c.Message,
		Author: c.Author, Committer: c.Committer, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CompareAndSwap("refs/heads/"+branch, head, h); err != nil {
		t.Fatal(err)
	}
}

// A proposal branch whose proposal file, or whose touched rules file, is
// not a regular file is refused with the path and what it is: a symlink
// whose target text is YAML is never read as the YAML, an executable or a
// submodule never as a file.
func TestNonRegularProposalFilesAreRefused(t *testing.T) {
	tests := []struct {
		name  string
		rules bool
		entry func(path string, raw []byte, main plumbing.Hash) treeEntry
		want  string
	}{
		{
			name: "proposal is a symlink whose target is the YAML",
			entry: func(path string, raw []byte, _ plumbing.Hash) treeEntry {
				return treeEntry{mode: "120000", path: path, data: raw}
			},
			want: "is a symlink (mode 120000)",
		},
		{
			name: "proposal is executable",
			entry: func(path string, raw []byte, _ plumbing.Hash) treeEntry {
				return treeEntry{mode: "100755", path: path, data: raw}
			},
			want: "is an executable file (mode 100755)",
		},
		{
			name:  "rule change adds a submodule under workflows/",
			rules: true,
			entry: func(_ string, _ []byte, main plumbing.Hash) treeEntry {
				return treeEntry{mode: "160000", path: "workflows/vendored", object: main.String()}
			},
			want: "workflows/vendored is a submodule (gitlink, mode 160000)",
		},
		{
			name:  "rule change adds a symlinked trust file",
			rules: true,
			entry: func(_ string, _ []byte, _ plumbing.Hash) treeEntry {
				return treeEntry{mode: "120000", path: "trust/root.pem", data: []byte("/etc/ssl/certs/ca-certificates.crt")}
			},
			want: "trust/root.pem is a symlink (mode 120000)",
		},
		{
			name:  "rule change makes a policy a symlink",
			rules: true,
			entry: func(_ string, _ []byte, _ plumbing.Hash) treeEntry {
				return treeEntry{mode: "120000", path: "policies/release-approval.yaml", data: []byte("../writ.yaml")}
			},
			want: "policies/release-approval.yaml is a symlink (mode 120000)",
		},
		{
			name:  "rule change makes trust/ itself a symlink to /etc",
			rules: true,
			entry: func(_ string, _ []byte, _ plumbing.Hash) treeEntry {
				return treeEntry{mode: "120000", path: "trust", data: []byte("/etc")}
			},
			want: "trust is a symlink (mode 120000)",
		},
		{
			name: "proposal branch adds a symlink beside the proposal",
			entry: func(path string, _ []byte, _ plumbing.Hash) treeEntry {
				return treeEntry{mode: "120000", path: "proposals/web-2", data: []byte("/etc")}
			},
			want: "proposals/web-2 is a symlink (mode 120000)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newRepo(t)
			var p *Proposed
			who := "deploy-agent"
			if tt.rules {
				who = "alice"
				p = relax(t, e, who, "relax")
			} else {
				p = propose(t, e, who, "create", nil)
			}
			res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
			path, err := schemas.ProposalPathOfBranch(p.Branch)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := e.Store.ReadFile(p.Commit, path)
			if err != nil {
				t.Fatal(err)
			}
			recommit(t, e, p.Branch, who, gitTree(t, e, p.Commit, tt.entry(path, raw, res.Head)))
			pend, err := e.Pending(res.State.Rules(), res.Head, p.Branch)
			if err != nil {
				t.Fatal(err)
			}
			g := gateOn(t, e, res, pend, core.NextHLC(res.State.Clock().HLC, 1<<50))
			if g.Verdict != intake.VerdictRefused || !strings.Contains(g.Reason, tt.want) {
				t.Fatalf("gate: %s: %s; want refused saying %q", g.Verdict, g.Reason, tt.want)
			}
			if rep := reconcile(t, e, 0); len(rep.Skipped) != 1 {
				t.Fatalf("skipped %d proposals, want 1", len(rep.Skipped))
			}
		})
	}
}

// Rules read from a git tree refuse a rules file that is not a regular
// file, naming it, instead of reading a symlink's target text as YAML.
func TestLoadRulesRefusesNonRegularFiles(t *testing.T) {
	e, _ := newRepo(t)
	main := mustReplay(t, e, ReplayOptions{}).Head
	raw, err := e.Store.ReadFile(main, "workflows/release.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tree := gitTree(t, e, main, treeEntry{mode: "120000", path: "workflows/copy.yaml", data: raw})
	c, err := e.Store.Commit(main)
	if err != nil {
		t.Fatal(err)
	}
	h, err := e.Store.WriteCommit(gitstore.CommitRequest{Parents: []plumbing.Hash{main}, BaseTree: tree, Message: "symlinked workflow\n",
		Author: c.Author, Committer: c.Committer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := intake.LoadRules(e.Store, h); err == nil || !strings.Contains(err.Error(), "workflows/copy.yaml is a symlink (mode 120000)") {
		t.Fatalf("LoadRules over a symlinked workflow: %v", err)
	}
}

// Replay refuses an entry, signed by the reconciler, that merges the
// proposal (or a rules file) as anything but a regular file.
func TestReplayRefusesEntryMergingNonRegularFile(t *testing.T) {
	t.Run("executable proposal file", func(t *testing.T) {
		e, head := shipped(t)
		rec, err := wal.Decode(head.Message)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := e.Store.ReadFile(head.Hash, rec.ProposalPath)
		if err != nil {
			t.Fatal(err)
		}
		bad := rewriteTree(t, e, head, gitTree(t, e, head.Hash, treeEntry{mode: "100755", path: rec.ProposalPath, data: raw}))
		_, err = e.Replay(ReplayOptions{})
		if te := wantTamper(t, err, rec.ProposalPath+" is an executable file (mode 100755)"); te.Commit != bad {
			t.Fatalf("tamper error names %s, want %s", te.Commit, bad)
		}
	})
	t.Run("symlinked file in a rules entry", func(t *testing.T) {
		e, _ := newRepo(t)
		p := relax(t, e, "alice", "relax")
		name := strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix)
		approveAs(t, e, "bob", name)
		approveAs(t, e, "carol", name)
		rep := reconcile(t, e, 1)
		head, err := e.Store.Commit(rep.Head)
		if err != nil {
			t.Fatal(err)
		}
		bad := rewriteTree(t, e, head, gitTree(t, e, head.Hash, treeEntry{mode: "120000", path: "trust/notes.txt", data: []byte("../../secret")}))
		_, err = e.Replay(ReplayOptions{})
		if te := wantTamper(t, err, "trust/notes.txt is a symlink (mode 120000)"); te.Commit != bad {
			t.Fatalf("tamper error names %s, want %s", te.Commit, bad)
		}
	})
}

// A proposal branch that adds a file whose name holds a newline (which,
// printed raw, would start a line of the gate's output of the pusher's
// choosing) is refused with the name quoted: no problem holds a raw
// control character.
func TestProposalPathWithControlCharactersIsQuoted(t *testing.T) {
	for _, rules := range []bool{false, true} {
		e, _ := newRepo(t)
		var p *Proposed
		who, path := "deploy-agent", "proposals/web-1/x\ngate proposals/web-1/x: READY.yaml"
		if rules {
			who, path = "alice", "workflows/x\ngate proposals/rules/relax: READY.yaml"
			p = relax(t, e, who, "relax")
		} else {
			p = propose(t, e, who, "create", nil)
		}
		res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
		recommit(t, e, p.Branch, who, gitTree(t, e, p.Commit, treeEntry{mode: "100644", path: path, data: []byte("name: x\n")}))
		pend, err := e.Pending(res.State.Rules(), res.Head, p.Branch)
		if err != nil {
			t.Fatal(err)
		}
		msg := strings.Join(pend.Problems, "; ")
		if len(pend.Problems) == 0 || strings.ContainsAny(msg, "\n\r\x1b") || !strings.Contains(msg, `x\ngate`) {
			t.Fatalf("rules=%v: problems %q; want a refusal quoting the name", rules, pend.Problems)
		}
	}
}
