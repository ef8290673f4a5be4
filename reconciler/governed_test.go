package reconciler

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/fixtures"
	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// ciOwnersRule is a governance rule named for the CI paths: a change to
// .github/ also needs carol.
const ciOwnersRule = `
  - name: ci-owners
    count: 1
    identities: [carol]
    if:
      changed_files: [".github/**"]
`

// newRepoFrom makes a fresh control repo from the release example with
// files written over it.
func newRepoFrom(t *testing.T, over map[string]string) *Engine {
	t.Helper()
	tmpl := fstest.MapFS{}
	err := fs.WalkDir(fixtures.Release(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fixtures.Release(), p)
		tmpl[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, body := range over {
		tmpl[p] = &fstest.MapFile{Data: []byte(body)}
	}
	store, err := gitstore.Init(filepath.Join(t.TempDir(), "control"))
	if err != nil {
		t.Fatal(err)
	}
	keys := local.KeyDir{Dir: filepath.Join(t.TempDir(), "keys")}
	clock := &fakeClock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	e := &Engine{Store: store, Keys: keys, Now: clock.Now}
	if _, err := e.Init(tmpl, keys); err != nil {
		t.Fatal(err)
	}
	return e
}

// ruleNamed finds the rule called name in a policy result tree.
func ruleNamed(r *policies.Result, name string) *policies.Result {
	if r == nil {
		return nil
	}
	if r.Kind == policies.KindRule && r.Name == name {
		return r
	}
	for i := range r.Children {
		if got := ruleNamed(&r.Children[i], name); got != nil {
			return got
		}
	}
	return nil
}

// A governance rule named for paths (changed_files: .github/**) judges a
// rule change of a GitHub workflow: the gate waits for carol, and replay
// judges the entry with the same changed files as the gate did (the
// entry's tree diff), so the rule is satisfied there too, not skipped.
func TestGovernanceRuleNamedForPaths(t *testing.T) {
	gov, err := fs.ReadFile(fixtures.Release(), "policies/governance.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e := newRepoFrom(t, map[string]string{"policies/governance.yaml": string(gov) + ciOwnersRule})
	p, err := e.ProposeRules(ProposeRulesRequest{As: "deploy-agent", Name: "ci", Justification: "ci",
		Files: map[string][]byte{".github/workflows/writ.yml": []byte("name: writ\n"), "README.md": []byte("# ci\n")}})
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix)
	approveAs(t, e, "alice", name)
	approveAs(t, e, "bob", name)
	reconcile(t, e, 0) // two maintainers but not carol: ci-owners waits
	approveAs(t, e, "carol", name)
	reconcile(t, e, 1)
	res := mustReplay(t, e, ReplayOptions{Collect: true})
	last := res.Entries[len(res.Entries)-1]
	if last.Record.Entry.Kind != core.KindRules {
		t.Fatalf("last entry is %s", last.Record.Entry.Kind)
	}
	rule := ruleNamed(last.Outcome.Policy, "ci-owners")
	if rule == nil || rule.Status != policies.StatusSatisfied {
		t.Fatalf("replay judged ci-owners as %+v, want satisfied (the change touches .github/)", rule)
	}
}

// Two changes of ordinary files proposed on the same main: the rules hash
// does not move when the first lands, so the second is not stale, yet it
// is never merged over the first: a branch that edits README.md from an
// older version is refused, and so is one that holds the older README.md
// without touching it. Each says to rebase.
func TestOrdinaryFileChangesDoNotUndoEachOther(t *testing.T) {
	tests := []struct {
		name   string
		second map[string][]byte
		want   string
	}{
		{name: "edits the same file", second: map[string][]byte{"README.md": []byte("second\n")},
			want: "changes README.md from an older version than main's"},
		{name: "holds the older file", second: map[string][]byte{"CODEOWNERS": []byte("* @sre\n")},
			want: "holds README.md as main held them"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newRepo(t)
			first, err := e.ProposeRules(ProposeRulesRequest{As: "carol", Name: "first", Files: map[string][]byte{"README.md": []byte("first\n")}})
			if err != nil {
				t.Fatal(err)
			}
			second, err := e.ProposeRules(ProposeRulesRequest{As: "carol", Name: "second", Files: tt.second})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []*Proposed{first, second} {
				name := strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix)
				approveAs(t, e, "alice", name)
				approveAs(t, e, "bob", name)
			}
			rep := reconcile(t, e, 1)
			if got := rep.Applied[0].Gate.Pending.Branch; got != first.Branch {
				t.Fatalf("applied %s, want %s", got, first.Branch)
			}
			res := mustReplay(t, e, ReplayOptions{})
			if b, err := e.Store.ReadFile(res.Head, "README.md"); err != nil || string(b) != "first\n" {
				t.Fatalf("main:README.md is %q (%v)", b, err)
			}
			p, err := e.Pending(res.State.Rules(), res.Head, strings.TrimPrefix(second.Branch, schemas.ProposalBranchPrefix))
			if err != nil {
				t.Fatal(err)
			}
			if why := strings.Join(p.Problems, "\n"); !strings.Contains(why, tt.want) || !strings.Contains(why, "rebase") {
				t.Fatalf("the second change's problems %q do not say %q and to rebase", why, tt.want)
			}
		})
	}
}
