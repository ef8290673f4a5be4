package core

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// goalRules is a bundle with one goal "patch" and four agents, one human.
func goalRules(q *schemas.Quorum, maxDepth int) *schemas.Bundle {
	caps := []string{"attempt", "declare", "confirm", "refute"}
	return &schemas.Bundle{
		Config: schemas.Config{
			Version: 1, Repository: "test",
			Reconciler: schemas.ReconcilerConfig{Identity: "writ-bot"},
			Governance: schemas.Governance{Policy: "governance"},
			Identities: []schemas.Identity{
				{Name: "a1", Kind: schemas.IdentityAgent, Capabilities: caps, TrustLevel: 5},
				{Name: "a2", Kind: schemas.IdentityAgent, Capabilities: caps, TrustLevel: 5},
				{Name: "a3", Kind: schemas.IdentityAgent, Capabilities: caps, TrustLevel: 2},
				{Name: "a4", Kind: schemas.IdentityAgent, Capabilities: caps, TrustLevel: 8},
				{Name: "human", Kind: schemas.IdentityHuman, Capabilities: []string{"resolve"}, TrustLevel: 9},
				{Name: "writ-bot", Kind: schemas.IdentityAgent},
			},
		},
		Policies: []schemas.Policy{{Name: "governance", Rules: []schemas.Rule{{Name: "any", Count: 1}}}},
		Goals: []schemas.Goal{{
			Name: "patch", Owner: "platform", MaxDepth: maxDepth, Quorum: q,
			Terminal:      schemas.Task{Type: "patch-cve", Payload: map[string]any{"cve": "CVE-1"}},
			Capabilities:  schemas.GoalCapabilities{Attempt: []string{"attempt"}, Declare: []string{"declare"}, Confirm: []string{"confirm"}, Refute: []string{"refute"}, Resolve: []string{"resolve"}},
			MinTrustLevel: &schemas.GoalTrustLevels{Confirm: 3},
		}},
	}
}

// goalLog applies goal actions to a lineage "L1", one entry each, with a
// clock the test moves (ms).
type goalLog struct {
	t     *testing.T
	s     State
	wall  int64
	n     int
	trail []Entry
}

func newGoalLog(t *testing.T, rules *schemas.Bundle) *goalLog {
	t.Helper()
	g := &goalLog{t: t, s: NewState(), wall: 1_000_000}
	g.apply(Entry{Kind: KindGenesis, HLC: HLC{Wall: g.wall}, Signer: "writ-bot", IdemKey: "genesis", Rules: rules}, StatusApplied)
	return g
}

func (g *goalLog) apply(e Entry, want Status) Outcome {
	g.t.Helper()
	next, out, err := Apply(g.s, e)
	if err != nil {
		g.t.Fatalf("apply %s: %v", e.IdemKey, err)
	}
	if out.Status != want {
		g.t.Fatalf("%s %s by %s: status %s (%s), want %s", e.Proposal.Transition, e.IdemKey, e.Signer, out.Status, out.Reason, want)
	}
	if out.Status.Changed() {
		g.trail = append(g.trail, e)
	}
	g.s = next
	return out
}

// act applies one action by who with inputs; evidence is added for
// complete and refute.
func (g *goalLog) act(who, action string, inputs map[string]any, want Status) Outcome {
	g.t.Helper()
	g.n++
	g.wall += 1000
	key := "k" + strings.Repeat("x", g.n%3) + string(rune('a'+g.n%26)) + "-" + itoa(g.n)
	p := &schemas.Proposal{Instance: "L1", Workflow: "patch", Transition: action, BaseState: "sha256:" + strings.Repeat("0", 64), IdemKey: key, Inputs: inputs}
	if action == schemas.GoalStart {
		p.BaseState = schemas.BaseStateNone
	}
	if action == schemas.GoalComplete || action == schemas.GoalRefuteBlock {
		p.Evidence = []schemas.Evidence{{Name: "log", URI: "https://ci.example/run/1"}}
	}
	return g.apply(Entry{Kind: KindGoal, HLC: HLC{Wall: g.wall}, Signer: who, IdemKey: key, Proposal: p}, want)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

func (g *goalLog) view() LineageView {
	g.t.Helper()
	v, ok, err := g.s.Lineage("L1")
	if err != nil || !ok {
		g.t.Fatalf("lineage L1: %v %v", ok, err)
	}
	return v
}

func (g *goalLog) task(id string) TaskView {
	for _, t := range g.view().Tasks {
		if t.ID == id {
			return t
		}
	}
	g.t.Fatalf("no task %s", id)
	return TaskView{}
}

func (g *goalLog) block(id string) BlockView {
	for _, b := range g.view().Blocks {
		if b.ID == id {
			return b
		}
	}
	g.t.Fatalf("no block %s", id)
	return BlockView{}
}

func taskOf(t *testing.T, typ string, payload map[string]any) string {
	t.Helper()
	var p any
	if payload != nil {
		p = payload
	}
	id, err := TaskID(typ, p, "L1")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func pre(typ string, payload map[string]any) map[string]any {
	m := map[string]any{"type": typ}
	if payload != nil {
		m["payload"] = payload
	}
	return m
}

func TestGoalLineageLifecycle(t *testing.T) {
	g := newGoalLog(t, goalRules(nil, 0))
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	g.act("a2", schemas.GoalStart, nil, StatusRefused) // one lineage per id
	v := g.view()
	terminal := v.Terminal
	if terminal != taskOf(t, "patch-cve", map[string]any{"cve": "CVE-1"}) || g.task(terminal).Status != TaskActionable {
		t.Fatalf("terminal task %s: %+v", terminal, g.task(terminal))
	}
	// a1 fails in a structured way: the terminal task waits for a reboot window.
	rebootID := taskOf(t, "reboot-window", map[string]any{"fleet": "web"})
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("reboot-window", map[string]any{"fleet": "web"})}, StatusApplied)
	blockID := BlockID(terminal, rebootID)
	if b := g.block(blockID); b.Status != BlockClaimed || g.task(rebootID).Status != TaskProposed || g.task(rebootID).Depth != 1 {
		t.Fatalf("after declare: block %+v task %+v", b, g.task(rebootID))
	}
	// The declarer cannot confirm its own claim; one confirmation counts once.
	if out := g.act("a1", schemas.GoalConfirmBlock, map[string]any{"block": blockID}, StatusRefused); !strings.Contains(out.Reason, "cannot confirm") {
		t.Fatalf("self-confirm: %s", out.Reason)
	}
	g.act("a2", schemas.GoalConfirmBlock, map[string]any{"block": blockID}, StatusApplied)
	if out := g.act("a2", schemas.GoalConfirmBlock, map[string]any{"block": blockID}, StatusRefused); !strings.Contains(out.Reason, "count once") {
		t.Fatalf("second confirmation: %s", out.Reason)
	}
	// a3's trust level is below the goal's minimum: recorded, not counted.
	if out := g.act("a3", schemas.GoalConfirmBlock, map[string]any{"block": blockID}, StatusApplied); !strings.Contains(out.Reason, "does not count") {
		t.Fatalf("low-trust confirmation: %s", out.Reason)
	}
	if b := g.block(blockID); b.Status != BlockClaimed || len(b.Ignored) != 1 || !strings.Contains(b.Ignored[0].Reason, "trust level 2 is below") {
		t.Fatalf("after low-trust vote: %+v", b)
	}
	g.act("a4", schemas.GoalConfirmBlock, map[string]any{"block": blockID}, StatusApplied)
	if b := g.block(blockID); b.Status != BlockConfirmed || g.task(terminal).Status != TaskBlocked || g.task(rebootID).Status != TaskActionable {
		t.Fatalf("after quorum: block %+v terminal %s prerequisite %s", b, g.task(terminal).Status, g.task(rebootID).Status)
	}
	// A task cannot be both complete and blocked.
	if out := g.act("a1", schemas.GoalComplete, map[string]any{"task": terminal}, StatusRefused); !strings.Contains(out.Reason, "both complete and blocked") {
		t.Fatalf("complete while blocked: %s", out.Reason)
	}
	// Resolving needs the prerequisite done first.
	g.act("human", schemas.GoalResolveBlock, map[string]any{"block": blockID}, StatusRefused)
	g.act("a2", schemas.GoalComplete, map[string]any{"task": rebootID}, StatusApplied)
	g.act("a1", schemas.GoalResolveBlock, map[string]any{"block": blockID}, StatusRefused) // lacks the capability
	g.act("human", schemas.GoalResolveBlock, map[string]any{"block": blockID}, StatusApplied)
	if b := g.block(blockID); b.Status != BlockResolved || b.ResolvedBy != "human" || g.task(terminal).Status != TaskActionable {
		t.Fatalf("after resolve: %+v, terminal %s", b, g.task(terminal).Status)
	}
	// A stale branch re-declaring the resolved block cannot revive it.
	if out := g.act("a3", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("reboot-window", map[string]any{"fleet": "web"})}, StatusRefused); !strings.Contains(out.Reason, "never becomes active again") {
		t.Fatalf("re-declare: %s", out.Reason)
	}
	g.act("a1", schemas.GoalComplete, map[string]any{"task": terminal}, StatusApplied)
	if v := g.view(); !v.Done || v.Completed != 2 || v.Ended == nil {
		t.Fatalf("after terminal: %+v", v)
	}
	// The lineage ended: no further attempts.
	g.act("a2", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("other", nil)}, StatusRefused)
}

func TestGoalSafety(t *testing.T) {
	g := newGoalLog(t, goalRules(&schemas.Quorum{Mode: schemas.QuorumSingle}, 2))
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	terminal := g.view().Terminal
	p1 := taskOf(t, "p1", nil)
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("p1", nil)}, StatusApplied)
	g.act("a2", schemas.GoalDeclareBlock, map[string]any{"task": p1, "prerequisite": pre("p2", nil)}, StatusApplied)
	p2 := taskOf(t, "p2", nil)
	if out := g.act("a2", schemas.GoalDeclareBlock, map[string]any{"task": p2, "prerequisite": pre("p3", nil)}, StatusRefused); !strings.Contains(out.Reason, "max_depth") {
		t.Fatalf("depth: %s", out.Reason)
	}
	out := g.act("a3", schemas.GoalDeclareBlock, map[string]any{"task": p2, "prerequisite": pre("patch-cve", map[string]any{"cve": "CVE-1"})}, StatusRefused)
	if !strings.Contains(out.Reason, "cycle") || !strings.Contains(out.Reason, "patch-cve") || !strings.Contains(out.Reason, "p1") {
		t.Fatalf("cycle: %s", out.Reason)
	}
	if out := g.act("a3", schemas.GoalDeclareBlock, map[string]any{"task": p1, "prerequisite": pre("p1", nil)}, StatusRefused); !strings.Contains(out.Reason, "cycle") {
		t.Fatalf("self cycle: %s", out.Reason)
	}
	if out := g.act("a3", schemas.GoalDeclareBlock, map[string]any{"task": p1, "prerequisite": map[string]any{"type": "fleet", "members": []any{pre("p1", nil)}}}, StatusRefused); !strings.Contains(out.Reason, "cycle") {
		t.Fatalf("member cycle: %s", out.Reason)
	}
	// A claim is dismissed by one refutation and never comes back.
	b := BlockID(p1, p2)
	g.act("a3", schemas.GoalRefuteBlock, map[string]any{"block": b}, StatusApplied)
	if st := g.block(b).Status; st != BlockDismissed || g.task(p2).Status != TaskDismissed {
		t.Fatalf("refuted: %s %s", st, g.task(p2).Status)
	}
	g.act("a4", schemas.GoalConfirmBlock, map[string]any{"block": b}, StatusRefused)
	g.act("a4", schemas.GoalComplete, map[string]any{"task": "sha256:" + strings.Repeat("ab", 32)}, StatusRefused)
	g.act("a4", schemas.GoalComplete, map[string]any{"task": "not-an-id"}, StatusRefused)
}

func TestGoalFanIn(t *testing.T) {
	g := newGoalLog(t, goalRules(&schemas.Quorum{Mode: schemas.QuorumSingle}, 0))
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	terminal := g.view().Terminal
	members := []any{pre("patch-node", map[string]any{"node": "web-1"}), pre("patch-node", map[string]any{"node": "web-2"}), pre("patch-node", map[string]any{"node": "web-3"})}
	barrier := map[string]any{"type": "patch-fleet", "members": members}
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": barrier}, StatusApplied)
	bar := taskOf(t, "patch-fleet", nil)
	b := BlockID(terminal, bar)
	g.act("a2", schemas.GoalConfirmBlock, map[string]any{"block": b}, StatusApplied)
	if out := g.act("a2", schemas.GoalComplete, map[string]any{"task": bar}, StatusRefused); !strings.Contains(out.Reason, "barrier") {
		t.Fatalf("complete a barrier directly: %s", out.Reason)
	}
	for i, node := range []string{"web-1", "web-2", "web-3"} {
		id := taskOf(t, "patch-node", map[string]any{"node": node})
		if st := g.task(id).Status; st != TaskActionable {
			t.Fatalf("member %s: %s", node, st)
		}
		g.act("a"+itoa(i%2+1), schemas.GoalComplete, map[string]any{"task": id}, StatusApplied)
		bt := g.task(bar)
		if bt.MembersDone != i+1 || (bt.Completed != nil) != (i == 2) {
			t.Fatalf("after %s: %d/%d, completed %v", node, bt.MembersDone, len(bt.Members), bt.Completed)
		}
	}
	if c := g.task(bar).Completed; c == nil || !c.Barrier {
		t.Fatalf("barrier completion: %+v", c)
	}
	g.act("human", schemas.GoalResolveBlock, map[string]any{"block": b}, StatusApplied)
	g.act("a1", schemas.GoalComplete, map[string]any{"task": terminal}, StatusApplied)
	if v := g.view(); !v.Done || v.Completed != 5 {
		t.Fatalf("done %v completed %d", v.Done, v.Completed)
	}
}

func TestGoalQuorumWindow(t *testing.T) {
	for _, tc := range []struct {
		onShort schemas.OnShort
		want    BlockStatus
		short   int
	}{
		{schemas.OnShortWait, BlockClaimed, 0},
		{schemas.OnShortFail, BlockDismissed, 0},
		{schemas.OnShortProceedDegraded, BlockConfirmed, 1},
	} {
		t.Run(string(tc.onShort), func(t *testing.T) {
			g := newGoalLog(t, goalRules(&schemas.Quorum{Mode: schemas.QuorumMulti, Min: 2, OnShort: tc.onShort, Window: "1h"}, 0))
			g.act("a1", schemas.GoalStart, nil, StatusApplied)
			terminal := g.view().Terminal
			g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("p", nil)}, StatusApplied)
			b := BlockID(terminal, taskOf(t, "p", nil))
			g.act("a2", schemas.GoalConfirmBlock, map[string]any{"block": b}, StatusApplied)
			if st := g.block(b).Status; st != BlockClaimed {
				t.Fatalf("inside the window: %s", st)
			}
			g.wall += 2 * 3600 * 1000 // the next entry's clock is past the window
			want := StatusApplied
			if tc.onShort != schemas.OnShortWait {
				want = StatusRefused // the window closed: confirmations are no longer taken
			}
			g.act("a4", schemas.GoalConfirmBlock, map[string]any{"block": b}, want)
			// Time passes in entries' clocks only: another entry lands.
			g.act("a2", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("q", nil)}, StatusApplied)
			bv := g.block(b)
			if tc.onShort == schemas.OnShortWait {
				if bv.Status != BlockConfirmed {
					t.Fatalf("wait: a late confirmation still counts, got %s", bv.Status)
				}
				return
			}
			if bv.Status != tc.want || bv.Shortfall != tc.short {
				t.Fatalf("status %s shortfall %d, want %s %d", bv.Status, bv.Shortfall, tc.want, tc.short)
			}
		})
	}
}

func TestGoalAnyQuorumNeedsTrust(t *testing.T) {
	g := newGoalLog(t, goalRules(&schemas.Quorum{Mode: schemas.QuorumAny, TrustLevel: 7}, 0))
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	terminal := g.view().Terminal
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("p", nil)}, StatusApplied)
	b := BlockID(terminal, taskOf(t, "p", nil))
	g.act("a2", schemas.GoalConfirmBlock, map[string]any{"block": b}, StatusApplied) // trust 5 < 7: ignored
	if bv := g.block(b); bv.Status != BlockClaimed || len(bv.Ignored) != 1 || !strings.Contains(bv.Ignored[0].Reason, "any quorum") {
		t.Fatalf("below the any level: %+v", bv)
	}
	g.act("a4", schemas.GoalConfirmBlock, map[string]any{"block": b}, StatusApplied) // trust 8
	if st := g.block(b).Status; st != BlockConfirmed {
		t.Fatalf("first trusted confirmation: %s", st)
	}
}

// TestGoalReplayIsDeterministic replays a lineage's entries from scratch,
// and through a snapshot, and gets the same state hash.
func TestGoalReplayIsDeterministic(t *testing.T) {
	g := newGoalLog(t, goalRules(&schemas.Quorum{Mode: schemas.QuorumSingle}, 0))
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	terminal := g.view().Terminal
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("p", map[string]any{"n": 1})}, StatusApplied)
	b := BlockID(terminal, taskOf(t, "p", map[string]any{"n": 1}))
	g.act("a3", schemas.GoalConfirmBlock, map[string]any{"block": b}, StatusApplied) // ignored: trust 2
	g.act("a2", schemas.GoalConfirmBlock, map[string]any{"block": b}, StatusApplied)
	mid := g.s.Hash()
	g.act("a2", schemas.GoalComplete, map[string]any{"task": taskOf(t, "p", map[string]any{"n": 1})}, StatusApplied)
	if g.s.Hash() == mid {
		t.Fatal("a completion did not change the state hash")
	}
	s := NewState()
	for _, e := range g.trail {
		var err error
		if s, _, err = Apply(s, e); err != nil {
			t.Fatal(err)
		}
	}
	if s.Hash() != g.s.Hash() {
		t.Fatalf("replay %s, want %s", s.Hash(), g.s.Hash())
	}
	files, err := g.s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Restore(files)
	if err != nil {
		t.Fatal(err)
	}
	if r.Hash() != g.s.Hash() {
		t.Fatalf("restored %s, want %s", r.Hash(), g.s.Hash())
	}
	want, _, _ := g.s.Lineage("L1")
	got, ok, err := r.Lineage("L1")
	if err != nil || !ok || mustJSONAny(t, got) != mustJSONAny(t, want) {
		t.Fatalf("restored lineage differs:\n%s\n%s", mustJSONAny(t, got), mustJSONAny(t, want))
	}
	// And the restored lineage goes on as the original does.
	g.s = r
	g.act("human", schemas.GoalResolveBlock, map[string]any{"block": b}, StatusApplied)
}

func mustJSONAny(t *testing.T, v any) string {
	t.Helper()
	b, err := schemas.CanonicalJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGoalKeysAreTheProposers: two identities' votes with one idem_key
// are two events; one identity's repeat is a duplicate.
func TestGoalKeysAreTheProposers(t *testing.T) {
	g := newGoalLog(t, goalRules(nil, 0))
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	terminal := g.view().Terminal
	g.act("a1", schemas.GoalDeclareBlock, map[string]any{"task": terminal, "prerequisite": pre("p", nil)}, StatusApplied)
	b := BlockID(terminal, taskOf(t, "p", nil))
	vote := func(who string, want Status) {
		g.wall += 1000
		p := &schemas.Proposal{Instance: "L1", Workflow: "patch", Transition: schemas.GoalConfirmBlock, BaseState: "sha256:" + strings.Repeat("1", 64), IdemKey: "same-key", Inputs: map[string]any{"block": b}}
		g.apply(Entry{Kind: KindGoal, HLC: HLC{Wall: g.wall}, Signer: who, IdemKey: "same-key", Proposal: p}, want)
	}
	vote("a2", StatusApplied)
	vote("a4", StatusApplied)
	vote("a4", StatusDuplicate)
	if st := g.block(b).Status; st != BlockConfirmed {
		t.Fatalf("two votes with one key: %s", st)
	}
}

// TestGoalPolicyGatesDeclarationsAndResolutions: with policy set, a
// declaration and a resolution wait for the policy's human approval; the
// other actions do not.
func TestGoalPolicyGatesDeclarationsAndResolutions(t *testing.T) {
	rules := goalRules(&schemas.Quorum{Mode: schemas.QuorumSingle}, 0)
	rules.Config.Identities = append(rules.Config.Identities, schemas.Identity{Name: "olga", Kind: schemas.IdentityHuman, Capabilities: []string{"approve"}})
	rules.Policies = append(rules.Policies, schemas.Policy{Name: "human-says", Rules: []schemas.Rule{{Name: "one-human", Count: 1}}})
	rules.Goals[0].Policy = "human-says"
	g := newGoalLog(t, rules)
	g.act("a1", schemas.GoalStart, nil, StatusApplied)
	terminal := g.view().Terminal
	declare := func(decisions ...policies.Decision) (Entry, Outcome) {
		g.n++
		g.wall += 1000
		p := &schemas.Proposal{Instance: "L1", Workflow: "patch", Transition: schemas.GoalDeclareBlock, BaseState: "sha256:" + strings.Repeat("2", 64), IdemKey: "declare-p",
			Inputs: map[string]any{"task": terminal, "prerequisite": pre("p", nil)}}
		e := Entry{Kind: KindGoal, HLC: HLC{Wall: g.wall}, Signer: "a1", IdemKey: "declare-p", Proposal: p,
			Subject: policies.Subject{Commit: "c0ffee", Content: "sha256:aa"}, Decisions: decisions}
		_, out, err := Apply(g.s, e)
		if err != nil {
			t.Fatal(err)
		}
		return e, out
	}
	if _, out := declare(); out.Status != StatusWaiting || out.Policy == nil || !strings.Contains(out.Reason, "human-says") {
		t.Fatalf("declaration without approval: %s (%s)", out.Status, out.Reason)
	}
	e, _ := declare(approve("olga"))
	g.apply(e, StatusApplied)
	b := BlockID(terminal, taskOf(t, "p", nil))
	g.act("a2", schemas.GoalConfirmBlock, map[string]any{"block": b}, StatusApplied) // votes need no human
	g.act("a2", schemas.GoalComplete, map[string]any{"task": taskOf(t, "p", nil)}, StatusApplied)
	g.act("human", schemas.GoalResolveBlock, map[string]any{"block": b}, StatusWaiting)
}
