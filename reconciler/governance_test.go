package reconciler

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/writ-dev/writ/adapters/local"
	"github.com/writ-dev/writ/gitstore"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// relax proposes lowering the sre-pair count to one.
func relax(t *testing.T, e *Engine, as, name string) *Proposed {
	t.Helper()
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	old, err := e.Store.ReadFile(res.Head, "policies/release-approval.yaml")
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(old), "count: 2", "count: 1", 1)
	p, err := e.ProposeRules(ProposeRulesRequest{As: as, Name: name, Justification: "one SRE is enough",
		Files: map[string][]byte{"policies/release-approval.yaml": []byte(changed)}})
	if err != nil {
		t.Fatalf("propose rules: %v", err)
	}
	return p
}

func TestGovernanceRuleChange(t *testing.T) {
	e, _ := newRepo(t)
	before := mustReplay(t, e, ReplayOptions{}).State.RulesHash()
	p := relax(t, e, "alice", "relax")
	name := strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix)
	reconcile(t, e, 0) // the governance policy needs two approvals
	if _, err := e.Approve(ApproveRequest{As: "alice", Proposal: name}); !errors.Is(err, ErrRefused) {
		t.Fatalf("the author approved her own rule change: %v", err)
	}
	approveAs(t, e, "bob", name)
	approveAs(t, e, "carol", name)
	rep := reconcile(t, e, 1)
	if rep.Applied[0].Gate.Entry.Kind != core.KindRules {
		t.Fatalf("applied a %s entry", rep.Applied[0].Gate.Entry.Kind)
	}
	after := rep.State.RulesHash()
	if after == before {
		t.Fatal("rules hash did not change")
	}
	pol, _ := rep.State.Rules().Policy("release-approval")
	if pol.Rules[0].Count != 1 {
		t.Fatalf("new rules not in force: count %d", pol.Rules[0].Count)
	}
	full := mustReplay(t, e, ReplayOptions{})
	if full.State.Hash() != rep.State.Hash() {
		t.Fatalf("replay %s != %s", full.State.Hash(), rep.State.Hash())
	}
	// The new policy applies to later proposals: one SRE ships now.
	ship := toShippable(t, e)
	approveAs(t, e, "bob", strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix))
	reconcile(t, e, 1)
}

func TestGovernanceStaleAndInvalidChanges(t *testing.T) {
	e, _ := newRepo(t)
	first := relax(t, e, "alice", "first")
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	cfg, _ := e.Store.ReadFile(res.Head, "writ.yaml")
	second, err := e.ProposeRules(ProposeRulesRequest{As: "bob", Name: "second",
		Files: map[string][]byte{"writ.yaml": []byte(strings.Replace(string(cfg), "repository: release-control", "repository: renamed", 1))}})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"bob", "carol"} {
		approveAs(t, e, who, strings.TrimPrefix(first.Branch, schemas.ProposalBranchPrefix))
	}
	for _, who := range []string{"alice", "carol"} {
		approveAs(t, e, who, strings.TrimPrefix(second.Branch, schemas.ProposalBranchPrefix))
	}
	rep := reconcile(t, e, 1)
	if len(rep.Skipped) != 1 || rep.Skipped[0].Outcome.Status != core.StatusStale {
		t.Fatalf("the second rule change should be stale: %+v", rep.Skipped)
	}
	// Invalid rules are refused before anything is written.
	_, err = e.ProposeRules(ProposeRulesRequest{As: "alice", Name: "broken",
		Files: map[string][]byte{"workflows/release.yaml": []byte("name: release\nstates: []\n")}})
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("invalid rules: %v", err)
	}
	if _, err := e.Store.Ref("refs/heads/proposals/rules/broken"); err == nil {
		t.Fatal("a branch was created for invalid rules")
	}
	// Only rules files may change.
	_, err = e.ProposeRules(ProposeRulesRequest{As: "alice", Name: "sneaky",
		Files: map[string][]byte{"proposals/web-1/x.yaml": []byte("x")}})
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("non-rules file in a rule change: %v", err)
	}
}

func TestRevokedSignerRefusedLaterEntriesStillVerify(t *testing.T) {
	e, _ := newRepo(t)
	res := mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	cfg, _ := e.Store.ReadFile(res.Head, "writ.yaml")
	text := string(cfg)
	i := strings.Index(text, "- name: alice")
	j := i + strings.Index(text[i:], "ssh: ")
	k := j + strings.Index(text[j:], "\n")
	revoked := text[:k] + "\n          revoked_at: 2026-11-23T09:00:00Z" + text[k:]
	p, err := e.ProposeRules(ProposeRulesRequest{As: "bob", Name: "revoke-alice", Justification: "laptop lost",
		Files: map[string][]byte{"writ.yaml": []byte(revoked)}})
	if err != nil {
		t.Fatal(err)
	}
	// alice can still approve: under the rules in force she is not revoked.
	approveAs(t, e, "alice", strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix))
	approveAs(t, e, "carol", strings.TrimPrefix(p.Branch, schemas.ProposalBranchPrefix))
	reconcile(t, e, 1)

	ship := toShippable(t, e)
	name := strings.TrimPrefix(ship.Branch, schemas.ProposalBranchPrefix)
	approveAs(t, e, "alice", name)
	approveAs(t, e, "bob", name)
	res = mustReplay(t, e, ReplayOptions{FromCheckpoint: true})
	pend, _ := e.Pending(res.State.Rules(), res.Head, name)
	if len(pend.Ignored) != 1 || pend.Ignored[0].Identity != "alice" || !strings.Contains(pend.Ignored[0].Reason, "revoked") {
		t.Fatalf("alice's decision after revocation: ignored=%+v", pend.Ignored)
	}
	reconcile(t, e, 0)
	// Every earlier entry, including alice's approval of the rule change,
	// still verifies.
	mustReplay(t, e, ReplayOptions{})
}

// TestTrustFilesAreRules: trust roots named by writ.yaml travel with the
// rules (in the rules hash), so replay builds the same ring on any clone,
// and a proposal cannot touch them.
func TestTrustFilesAreRules(t *testing.T) {
	dir := t.TempDir()
	store, err := gitstore.Init(filepath.Join(dir, "control"))
	if err != nil {
		t.Fatal(err)
	}
	keys := local.KeyDir{Dir: filepath.Join(dir, "keys")}
	e := &Engine{Store: store, Keys: keys, Now: (&fakeClock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}).Now}
	if _, err := e.Init(os.DirFS("../fixtures/signing/controlrepo"), keys); err != nil {
		t.Fatal(err)
	}
	res := mustReplay(t, e, ReplayOptions{})
	rules := res.State.Rules()
	if len(rules.TrustFiles) == 0 || rules.TrustFiles["trust/trusted_root.json"] == nil {
		t.Fatalf("trust files not carried by the rules: %v", rules.TrustFiles)
	}
	if !schemas.IsRulesPath("trust/trusted_root.json") {
		t.Fatal("trust/ is not governed as rules")
	}
}

// A rule change is judged and applied with main's rules plus exactly the
// files it touches, never with other rules its branch's tree may hold.
func TestLoadRulesChangedIsMainPlusTouchedFiles(t *testing.T) {
	e, _ := newRepo(t)
	main := mustReplay(t, e, ReplayOptions{}).Head
	policy := "policies/release-approval.yaml"
	old, err := e.Store.ReadFile(main, policy)
	if err != nil {
		t.Fatal(err)
	}
	relaxed := []byte(strings.Replace(string(old), "count: 2", "count: 1", 1))
	got, err := intake.LoadRulesChanged(e.Store, main, map[string][]byte{policy: relaxed}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pol, _ := got.Policy("release-approval"); pol.Rules[0].Count != 1 {
		t.Fatalf("the touched policy was not read from the change: count %d", pol.Rules[0].Count)
	}
	base, err := intake.LoadRules(e.Store, main)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Workflows) != len(base.Workflows) || len(got.Policies) != len(base.Policies) || got.Config.Repository != base.Config.Repository {
		t.Fatal("untouched rules differ from main's")
	}
	// Deleting a policy other rules need is refused, naming the change.
	files, _ := e.Store.ListFiles(main, "policies")
	if _, err := intake.LoadRulesChanged(e.Store, main, nil, files); err == nil || !strings.Contains(err.Error(), "with the proposed changes") {
		t.Fatalf("rules without their policies: %v", err)
	}
}
