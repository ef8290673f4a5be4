package gitstore

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore/internal/gitobj"
)

// cacheIntact checks every tree the cache holds is the object it names,
// and the spare pool shares nothing with the cache.
func cacheIntact(t *testing.T, where string, c *TreeCheck) {
	t.Helper()
	tc := &c.trees
	held := map[*gitobj.Tree]string{}
	if !tc.tree.IsZero() {
		if got := gitobj.TreeHash(tc.root.Raw()); got != tc.tree {
			t.Fatalf("%s: cached root is %s, cache says %s", where, got, tc.tree)
		}
		if tc.props != nil {
			i, ok := tc.root.Lookup(tc.dir, true)
			if !ok || tc.root.Hash(i) != gitobj.TreeHash(tc.props.Raw()) {
				t.Fatalf("%s: cached props is not root's", where)
			}
		}
		held[tc.root] = "root"
		if tc.props != nil {
			held[tc.props] = "props"
		}
	}
	for k, ct := range tc.inst {
		if ct.tree == nil {
			continue
		}
		if got := gitobj.TreeHash(ct.tree.Raw()); got != ct.hash {
			t.Fatalf("%s: cached %s is %s, cache says %s", where, k, got, ct.hash)
		}
		if o, dup := held[ct.tree]; dup && ct.tree.Reusable() {
			t.Fatalf("%s: reusable tree held as %s and %s", where, o, k)
		}
		held[ct.tree] = k
	}
	seen := map[*gitobj.Tree]bool{}
	for _, s := range tc.spare {
		if seen[s] {
			t.Fatalf("%s: spare twice in the pool", where)
		}
		seen[s] = true
		if k, ok := held[s]; ok {
			t.Fatalf("%s: spare still held by the cache as %s", where, k)
		}
	}
}

// TestTreeCheckReuseWithReadsAhead: with Read running on goroutines ahead
// of AddsOnly, as replay's workers do, with and without hints, and about
// one entry in six smuggling a second file, no tampered entry is shown,
// and after every check each tree the cache holds is the object it names
// and no spare is one the cache still holds.
func TestTreeCheckReuseWithReadsAhead(t *testing.T) {
	for seed := int64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { reuseWithReadsAhead(t, seed) })
	}
}

// treeStep is one commit of a history these tests check: its parent's
// tree and its own, the proposal file it adds, and whether it changes
// more than that file (tampered).
type treeStep struct {
	parentTree, tree plumbing.Hash
	path             string
	tampered         bool
}

// commitStep commits files (path among them) on head as commit i and
// returns it and its step.
func commitStep(t *testing.T, s *Store, i int, head plumbing.Hash, files map[string]string, path string, tampered bool) (plumbing.Hash, treeStep) {
	t.Helper()
	next := mustCommit(t, s, i, []plumbing.Hash{head}, files)
	p, err := s.Commit(head)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Commit(next)
	if err != nil {
		t.Fatal(err)
	}
	return next, treeStep{p.TreeHash, c.TreeHash, path, tampered}
}

func reuseWithReadsAhead(t *testing.T, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	s := newStore(t)
	head := mustCommit(t, s, 0, nil, map[string]string{"writ.yaml": "x"})
	var steps []treeStep
	var files []string
	const n = 160
	for i := 1; i <= n; i++ {
		var path string
		switch r := rng.Intn(10); {
		case r < 7:
			path = fmt.Sprintf("proposals/l-%d/%02x/a-%04d.yaml", rng.Intn(3), rng.Intn(4), i)
		case r < 8:
			path = fmt.Sprintf("proposals/d-%d/open-%04d.yaml", rng.Intn(2), i)
		default:
			if len(files) > 0 { // a changed file: earlier hints go stale
				path = files[rng.Intn(len(files))]
			} else {
				path = fmt.Sprintf("proposals/l-0/00/a-%04d.yaml", i)
			}
		}
		fs := map[string]string{path: fmt.Sprintf("v%d\n", i)}
		tampered := rng.Intn(8) == 0
		if tampered {
			switch rng.Intn(3) {
			case 0:
				fs[fmt.Sprintf("proposals/l-%d/%02x/smuggled-%04d.yaml", rng.Intn(3), rng.Intn(4), i)] = "evil"
			case 1:
				fs["README.md"] = fmt.Sprint("evil", i)
			case 2:
				fs[fmt.Sprintf("proposals/l-%d/smuggled-%04d.yaml", rng.Intn(3), i)] = "evil"
			}
		}
		files = append(files, path)
		var st treeStep
		head, st = commitStep(t, s, i, head, fs, path, tampered)
		steps = append(steps, st)
	}
	tip := steps[len(steps)-1].tree
	tc := s.FastReader().NewTreeCheck()
	if seed%3 != 0 {
		tc.HintFrom(tip)
	}
	// Reads run ahead on up to four workers while the checks go on in
	// order, as replay's workers and its fold do.
	fs := make([]ProposalTree, len(steps))
	ready := make([]chan struct{}, len(steps))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	go func() {
		workers := make(chan struct{}, 4)
		for i, st := range steps {
			workers <- struct{}{}
			go func() {
				defer func() { <-workers }()
				fs[i] = tc.Read(st.tree, st.path)
				close(ready[i])
			}()
		}
	}()
	shown := 0
	for i, st := range steps {
		<-ready[i]
		if rng.Intn(12) == 0 {
			continue // an entry checked otherwise (rules, wait): the next loads
		}
		got := tc.AddsOnly(&fs[i], st.parentTree, st.tree)
		if got && st.tampered {
			t.Fatalf("step %d %s: tampered tree shown (hinted %v)", i, st.path, fs[i].hinted)
		}
		if got {
			shown++
		}
		cacheIntact(t, fmt.Sprintf("step %d %s (got %v hinted %v)", i, st.path, got, fs[i].hinted), tc)
	}
	if shown < n/2 {
		t.Fatalf("shown only %d of %d", shown, n)
	}
}

// TestTreeCheckReuseOverMixedPaths: with proposals/ small or not per
// entry, the computed, computed-then-spliced and read paths interleave,
// some entries are skipped (as rules and wait entries are, so the cache
// reloads), and about one in six is tampered: none of those is shown, and
// the cache stays intact after every check.
func TestTreeCheckReuseOverMixedPaths(t *testing.T) {
	defer func(was int) { smallProps = was }(smallProps)
	for seed := int64(1); seed <= 10; seed++ {
		rng := rand.New(rand.NewSource(seed))
		s := newStore(t)
		head := mustCommit(t, s, 0, nil, map[string]string{"writ.yaml": "x"})
		var steps []treeStep
		for i := 1; i <= 120; i++ {
			path := fmt.Sprintf("proposals/l-%d/%02x/a-%04d.yaml", rng.Intn(2), rng.Intn(3), i)
			if rng.Intn(6) == 0 {
				path = fmt.Sprintf("proposals/d-%d/o-%04d.yaml", rng.Intn(2), i)
			}
			fs := map[string]string{path: fmt.Sprint(i)}
			tampered := rng.Intn(6) == 0
			if tampered {
				fs[fmt.Sprintf("proposals/l-%d/%02x/evil-%04d.yaml", rng.Intn(2), rng.Intn(3), i)] = "evil"
			}
			var st treeStep
			head, st = commitStep(t, s, i, head, fs, path, tampered)
			steps = append(steps, st)
		}
		tc := s.FastReader().NewTreeCheck()
		tc.HintFrom(steps[len(steps)-1].tree)
		paths := map[string]int{}
		for i, st := range steps {
			if rng.Intn(2) == 0 {
				smallProps = 64 << 10
			} else {
				smallProps = 0
			}
			f := tc.Read(st.tree, st.path)
			if rng.Intn(15) == 0 {
				continue
			}
			got := tc.AddsOnly(&f, st.parentTree, st.tree)
			paths[fmt.Sprintf("hinted=%v root=%v got=%v", f.hinted, f.propsRaw != nil, got)]++
			if got && st.tampered {
				t.Fatalf("seed %d step %d: tampered shown", seed, i)
			}
			if !got && !st.tampered {
				// replay: diff succeeds; nothing else
			}
			cacheIntact(t, fmt.Sprintf("seed %d step %d", seed, i), tc)
		}
		t.Logf("seed %d: %v", seed, paths)
	}
}
