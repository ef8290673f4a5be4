package gitstore

import (
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// TestTreeCheckHinted: with blobs hinted from the tip (HintFrom), TreeCheck
// gives what reading every tree gives, never more: an entry whose tree is
// its parent's plus exactly the file is shown, through the hint when the
// tip still holds that file's blob; anything else is "not shown", and so
// is a stale hint (a file changed after its entry). A file the tip no
// longer holds is read as before.
func TestTreeCheckHinted(t *testing.T) {
	for _, tt := range []struct {
		name  string
		small int
	}{{"every tree computed", 64 << 10}, {"root and proposals read", 0}} {
		t.Run(tt.name, func(t *testing.T) {
			defer func(was int) { smallProps = was }(smallProps)
			smallProps = tt.small
			testTreeCheckHinted(t)
		})
	}
}

func testTreeCheckHinted(t *testing.T) {
	s := newStore(t)
	head := mustCommit(t, s, 0, nil, map[string]string{"writ.yaml": "x"})
	type step struct {
		name  string
		files map[string]string
		del   []string
		path  string
		want  bool
	}
	steps := []step{
		{name: "a sharded file, new lineage", files: map[string]string{"proposals/l-1/ab/x.yaml": "1"}, path: "proposals/l-1/ab/x.yaml", want: true},
		{name: "a second file in the shard", files: map[string]string{"proposals/l-1/ab/y.yaml": "2"}, path: "proposals/l-1/ab/y.yaml", want: true},
		{name: "a new shard", files: map[string]string{"proposals/l-1/cd/z.yaml": "3"}, path: "proposals/l-1/cd/z.yaml", want: true},
		{name: "a flat file", files: map[string]string{"proposals/d-1/open.yaml": "4"}, path: "proposals/d-1/open.yaml", want: true},
		{name: "two files in one shard", files: map[string]string{"proposals/l-1/ab/w.yaml": "6", "proposals/l-1/ab/v.yaml": "7"}, path: "proposals/l-1/ab/w.yaml"},
		{name: "a file and a change elsewhere", files: map[string]string{"proposals/l-1/ef/u.yaml": "8", "README.md": "r"}, path: "proposals/l-1/ef/u.yaml"},
		{name: "a file and one in another shard", files: map[string]string{"proposals/l-1/ab/t.yaml": "9", "proposals/l-1/cd/t2.yaml": "10"}, path: "proposals/l-1/ab/t.yaml"},
		{name: "a file and one flat in the lineage", files: map[string]string{"proposals/l-1/ab/s.yaml": "11", "proposals/l-1/s2.yaml": "12"}, path: "proposals/l-1/ab/s.yaml"},
		{name: "a file and one in another lineage", files: map[string]string{"proposals/l-1/ab/r.yaml": "13", "proposals/l-2/ab/r.yaml": "14"}, path: "proposals/l-1/ab/r.yaml"},
		{name: "a file and a removal in its shard", files: map[string]string{"proposals/l-1/ab/p.yaml": "15"}, del: []string{"proposals/l-1/ab/y.yaml"}, path: "proposals/l-1/ab/p.yaml"},
		{name: "a file in a second lineage", files: map[string]string{"proposals/l-2/ab/o.yaml": "16"}, path: "proposals/l-2/ab/o.yaml", want: true},
		{name: "again after refusals", files: map[string]string{"proposals/l-1/ab/q.yaml": "17"}, path: "proposals/l-1/ab/q.yaml", want: true},
		// As a tree diff sees it, one changed path; the tip holds this
		// version, so the hint for the first x.yaml is stale.
		{name: "a changed file", files: map[string]string{"proposals/l-1/ab/x.yaml": "changed"}, path: "proposals/l-1/ab/x.yaml", want: true},
		{name: "a file removed later", files: map[string]string{"proposals/l-1/gh/n.yaml": "18"}, path: "proposals/l-1/gh/n.yaml", want: true},
		{name: "the removal", del: []string{"proposals/l-1/gh/n.yaml"}, path: "proposals/l-1/gh/n.yaml"},
		{name: "a last file", files: map[string]string{"proposals/l-1/cd/m.yaml": "19"}, path: "proposals/l-1/cd/m.yaml", want: true},
	}
	type built struct {
		parentTree, tree plumbing.Hash
	}
	var chain []built
	for i, st := range steps {
		next := mustCommit(t, s, i+1, []plumbing.Hash{head}, st.files, st.del...)
		parent, err := s.Commit(head)
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.Commit(next)
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, built{parent.TreeHash, c.TreeHash})
		head = next
	}
	tip := chain[len(chain)-1].tree
	plain, hinted := s.FastReader().NewTreeCheck(), s.FastReader().NewTreeCheck()
	hinted.HintFrom(tip)
	used := 0
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			b := chain[i]
			pf := plain.Read(b.tree, st.path)
			if got := plain.AddsOnly(&pf, b.parentTree, b.tree); got != st.want {
				t.Fatalf("without hints AddsOnly(%s) = %v, want %v", st.path, got, st.want)
			}
			hf := hinted.Read(b.tree, st.path)
			got := hinted.AddsOnly(&hf, b.parentTree, b.tree)
			tipBlob, inTip := s.FastReader().Lookup(tip, splitDirs(st.path), fileOf(st.path))
			stale := hf.hinted && (!inTip || tipBlob != pf.Blob())
			switch {
			case !st.want && got:
				t.Fatalf("with hints AddsOnly(%s) = true: a tree that is not its parent's plus the file was shown", st.path)
			case st.want && stale && got:
				t.Fatalf("with a stale hint AddsOnly(%s) = true", st.path)
			case st.want && !stale && !got:
				t.Fatalf("with hints AddsOnly(%s) = false, want true (hinted: %v)", st.path, hf.hinted)
			}
			if got {
				if hf.Blob() != pf.Blob() {
					t.Fatalf("Blob() = %s, want %s", hf.Blob(), pf.Blob())
				}
				if hf.inst == nil || hf.leaf == nil || gitobj.TreeHash(hf.leaf.Raw()) != hf.shardHash && hf.shard != "" {
					t.Fatalf("the computed trees are not kept")
				}
			}
			if st.want && inTip && len(splitDirs(st.path)) == 3 && !hf.hinted {
				t.Fatalf("a goal action file the tip holds was not hinted")
			}
			if hf.hinted && got {
				used++
				if read := hf.propsRaw != nil; read != (smallProps == 0) {
					t.Fatalf("proposals/ read: %v, with smallProps %d", read, smallProps)
				}
			}
		})
	}
	if used < 5 {
		t.Fatalf("hints shown %d entries, want at least 5", used)
	}
}

// splitDirs and fileOf split a slash path into its directories and file.
func splitDirs(path string) []string {
	parts := strings.Split(path, "/")
	return parts[:len(parts)-1]
}

func fileOf(path string) string { return path[strings.LastIndexByte(path, '/')+1:] }
