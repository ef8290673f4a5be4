package outbox

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestCraftedTreeCostsNoMoreThanItsObjects: whoever can push
// refs/writ/outbox (a --remote run merges the remote's in) can point it at
// a commit whose tree reuses one subtree under many names, level after
// level: three tree objects of 128 entries (about 13 KB) name 128^3 =
// 2,097,152 paths. The outbox's files are at the root of its tree; Load
// reads the root alone, refuses a tree of any other shape with a note,
// starts empty, and the next save replaces the ref.
func TestCraftedTreeCostsNoMoreThanItsObjects(t *testing.T) {
	s := newStore(t)
	git := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"--git-dir", s.GitDir()}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	blob := git("x\n", "hash-object", "-w", "--stdin")
	level := func(mode, kind, h string) string {
		var b strings.Builder
		for i := range 128 {
			fmt.Fprintf(&b, "%s %s %s\tn%03d\n", mode, kind, h, i)
		}
		return git(b.String(), "mktree")
	}
	t1 := level("100644", "blob", blob)
	t2 := level("040000", "tree", t1)
	t3 := level("040000", "tree", t2)
	root := git(fmt.Sprintf("040000 tree %s\td\n", t3), "mktree")
	c := git("", "-c", "user.name=x", "-c", "user.email=x@example.invalid", "commit-tree", root, "-m", "crafted")
	git("", "update-ref", Ref, c)

	start := time.Now()
	b, err := Load(s)
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Fatalf("Load of a 13 KB crafted outbox tree took %v (err %v): it enumerates every path of the DAG", took, err)
	}
	if err != nil || b.Len() != 0 || len(b.Notes()) != 1 || !strings.Contains(b.Notes()[0], c[:7]) || !strings.Contains(b.Notes()[0], `"d"`) {
		t.Fatalf("want an empty book and a note naming commit %s and entry d: %v, %d records, %q", c, err, b.Len(), b.Notes())
	}
	b.Add([]Effect{effect("a", EventWaiting, "p/1")}, t0)
	if err := b.Save(t0, "replace"); err != nil {
		t.Fatal(err)
	}
	again, err := Load(s)
	if err != nil || again.Len() != 1 || len(again.Notes()) != 0 {
		t.Fatalf("after the save: %v, %d records, notes %q", err, again.Len(), again.Notes())
	}
	if got := git("", "ls-tree", "--name-only", Ref); got != "effects.json\nstate.tsv" {
		t.Fatalf("the saved tree keeps the crafted one: %q", got)
	}
}
