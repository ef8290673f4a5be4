package cli

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// oracleState folds the pure reducer over the entries `git log
// --first-parent` shows on main of repo, decoded from their messages with
// reconciler/wal; the rules of genesis and rules entries are read from
// their trees with the git client. It checks every entry applies (or
// records a rejection) and lands on the Writ-State-Post it records, and
// returns the final state hash. No engine code is involved: it is the
// independent oracle of the chaos test.
func oracleState(t testing.TB, g *gitEnv, repo string) (string, int) {
	t.Helper()
	out := g.run(repo, "log", "--first-parent", "--reverse", "--format=%H%x00%B%x00", "main")
	parts := strings.Split(out, "\x00")
	st := core.NewState()
	n := 0
	for i := 0; i+1 < len(parts); i += 2 {
		commit := strings.TrimSpace(parts[i])
		rec, err := wal.Decode(parts[i+1])
		if err != nil {
			t.Fatalf("oracle: entry %s: %v", commit, err)
		}
		e := rec.Entry
		if e.Kind == core.KindGenesis || e.Kind == core.KindRules {
			e.Rules = oracleRules(t, g, repo, commit)
		}
		next, o, err := core.Apply(st, e)
		if err != nil {
			t.Fatalf("oracle: entry %d (%s): %v", n, commit, err)
		}
		if o.Status != core.StatusApplied && o.Status != core.StatusRejected {
			t.Fatalf("oracle: entry %d (%s, %s) is %s: %s", n, commit, e.Kind, o.Status, o.Reason)
		}
		if h := next.Hash(); h != rec.StatePost {
			t.Fatalf("oracle: entry %d (%s) gives %s, it records %s", n, commit, h, rec.StatePost)
		}
		st = next
		n++
	}
	return st.Hash(), n
}

// oracleRules loads the rules in commit's tree: every file outside
// proposals/, read with git.
func oracleRules(t testing.TB, g *gitEnv, repo, commit string) *schemas.Bundle {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, path := range strings.Fields(g.run(repo, "ls-tree", "-r", "--name-only", commit)) {
		if strings.HasPrefix(path, "proposals/") {
			continue
		}
		fsys[path] = &fstest.MapFile{Data: []byte(g.run(repo, "show", commit+":"+path))}
	}
	b, problems := schemas.LoadBundle(fsys)
	if len(problems) > 0 {
		t.Fatalf("oracle: rules of %s: %v", commit, problems)
	}
	return b
}
