package gitstore

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// gitOut runs git on s's repository with stdin and returns its trimmed
// output.
func gitOut(t *testing.T, s *Store, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"--git-dir", s.GitDir()}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestHintTreesAreReadOncePerObject: the tip HintFrom reads is
// replay's head, which may be a foreign commit anyone with push access
// wrote. tipTrees caches its lineage and shard trees by name
// ("<lineage>" and "<lineage>/<shard>"), not by object, and keeps every
// one for the whole fold. A tip that names one large shard tree (a tree
// may be 64 MiB) under every lineage and shard the verified log uses
// makes replay read, parse and keep that object once per name: 256 shards
// of one lineage already hold 16 GiB. Here, 4 lineages of 16 shards share
// one shard tree of about 300 KB, and the hints must keep about that, not
// 64 copies.
func TestHintTreesAreReadOncePerObject(t *testing.T) {
	s := newStore(t)
	blob := gitOut(t, s, "x\n", "hash-object", "-w", "--stdin")
	var b strings.Builder
	for i := range 8000 {
		fmt.Fprintf(&b, "100644 blob %s\tf%06d.yaml\n", blob, i)
	}
	shard := gitOut(t, s, b.String(), "mktree")
	b.Reset()
	for j := range 16 {
		fmt.Fprintf(&b, "040000 tree %s\t%02x\n", shard, j)
	}
	lineage := gitOut(t, s, b.String(), "mktree")
	b.Reset()
	for i := range 4 {
		fmt.Fprintf(&b, "040000 tree %s\tl-%d\n", lineage, i)
	}
	props := gitOut(t, s, b.String(), "mktree")
	tip := gitOut(t, s, fmt.Sprintf("040000 tree %s\tproposals\n", props), "mktree")

	tc := s.FastReader().NewTreeCheck()
	tc.HintFrom(plumbing.NewHash(tip))
	for i := range 4 {
		for j := range 16 {
			// As replay's workers read the goal entries of a log whose
			// lineages l-0..l-3 fill shards 00..0f.
			if f := tc.Read(plumbing.ZeroHash, fmt.Sprintf("proposals/l-%d/%02x/f000001.yaml", i, j)); !f.Hinted() {
				t.Fatalf("l-%d/%02x: not hinted", i, j)
			}
		}
	}
	distinct := 0
	for _, h := range []string{shard, lineage} {
		raw, ok := s.FastReader().rawTree(plumbing.NewHash(h))
		if !ok {
			t.Fatalf("read %s", h)
		}
		distinct += len(raw)
	}
	kept, parsed := 0, 0
	for _, d := range tc.tip.dirs {
		if d != nil {
			kept += len(d.Raw())
			parsed++
		}
	}
	if kept > 2*distinct {
		t.Fatalf("the hints keep %d trees, %d bytes, for %d bytes of distinct tree objects: one object is read and kept once per name", parsed, kept, distinct)
	}
}

// TestHintTreesStopAtTheirByteLimit: the hints read at most
// hintTreeBytes of the tip's trees; past that Read stops hinting (and
// takes the merge's own trees), and what the hints keep is released.
func TestHintTreesStopAtTheirByteLimit(t *testing.T) {
	s := newStore(t)
	var b strings.Builder
	var lineages []string
	for i := range 4 {
		// Distinct shard trees: 2000 files each, about 76 KB.
		blob := gitOut(t, s, fmt.Sprintf("x%d\n", i), "hash-object", "-w", "--stdin")
		b.Reset()
		for k := range 2000 {
			fmt.Fprintf(&b, "100644 blob %s\tf%06d.yaml\n", blob, k)
		}
		shard := gitOut(t, s, b.String(), "mktree")
		lineages = append(lineages, gitOut(t, s, fmt.Sprintf("040000 tree %s\t00\n", shard), "mktree"))
	}
	b.Reset()
	for i, l := range lineages {
		fmt.Fprintf(&b, "040000 tree %s\tl-%d\n", l, i)
	}
	props := gitOut(t, s, b.String(), "mktree")
	tip := gitOut(t, s, fmt.Sprintf("040000 tree %s\tproposals\n", props), "mktree")

	tests := []struct {
		limit  int
		hinted int // lineages hinted, in order
	}{
		{limit: MaxHintTreeBytes, hinted: 4},
		{limit: 200 << 10, hinted: 2},
		{limit: 100, hinted: 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.limit), func(t *testing.T) {
			defer func(v int) { hintTreeBytes = v }(hintTreeBytes)
			hintTreeBytes = tt.limit
			tc := s.FastReader().NewTreeCheck()
			tc.HintFrom(plumbing.NewHash(tip))
			hinted := 0
			for i := range 4 {
				if tc.Read(plumbing.ZeroHash, fmt.Sprintf("proposals/l-%d/00/f000001.yaml", i)).Hinted() {
					if hinted != i {
						t.Fatalf("l-%d hinted after a lineage that was not", i)
					}
					hinted++
				}
			}
			if hinted != tt.hinted {
				t.Fatalf("%d lineages hinted, want %d", hinted, tt.hinted)
			}
			kept := 0
			for _, d := range tc.tip.dirs {
				kept += len(d.Raw())
			}
			if kept > tt.limit || tc.tip.read > tt.limit+MaxTreeSize {
				t.Fatalf("kept %d bytes, read %d, over the limit %d", kept, tc.tip.read, tt.limit)
			}
		})
	}
}
