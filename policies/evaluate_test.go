package policies

import (
	"encoding/json"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// releaseFacts is a policy with nested requirements, stale, superseded,
// refused and counted decisions: enough to show order dependence if any
// existed.
func releaseFacts() Facts {
	f := facts([]schemas.Rule{
		{Name: "sre-pair", Count: 2, Roles: []string{"sre"}},
		{Name: "security-signoff", Count: 1, Roles: []string{"security"}, If: &schemas.Predicate{
			Inputs: []schemas.Condition{{Input: "environment", Equals: "production"}},
		}},
		{Name: "lead", Count: 1, Identities: []string{"erin", "carol"}},
		{Name: "any-human", Count: 3},
	},
		approve("alice", old, changed),
		approve("deploy-agent", head, content),
		approve("bob", head, content),
		reject("dave", head, "mine"),
		approve("carol", old, ""),
		approve("mallory", head, content),
		approve("carol", rebased, content),
		approve("bob", head, content),
		approve("erin", head, content),
		reject("alice", old, "not yet"),
		approve("alice", head, content),
	)
	f.Policy.Name = "release-approval"
	f.Policy.Require = ptr(all(rule("sre-pair"), anyOf(rule("security-signoff"), rule("lead")), rule("any-human")))
	return f
}

// interleave shuffles decisions but keeps each identity's decisions in
// their original relative order.
func interleave(r *rand.Rand, ds []Decision) []Decision {
	queues := map[string][]Decision{}
	var ids []string
	for _, d := range ds {
		if _, ok := queues[d.Identity]; !ok {
			ids = append(ids, d.Identity)
		}
		queues[d.Identity] = append(queues[d.Identity], d)
	}
	out := make([]Decision, 0, len(ds))
	for len(out) < len(ds) {
		id := ids[r.Intn(len(ids))]
		if q := queues[id]; len(q) > 0 {
			out = append(out, q[0])
			queues[id] = q[1:]
		}
	}
	return out
}

func TestDeterminism(t *testing.T) {
	base := releaseFacts()
	want := Evaluate(base)
	if want.Status != StatusSatisfied {
		t.Fatalf("fixture should be satisfied, got %s: %s", want.Status, want.Description)
	}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 200; i++ {
		f := releaseFacts()
		r.Shuffle(len(f.Identities), func(a, b int) { f.Identities[a], f.Identities[b] = f.Identities[b], f.Identities[a] })
		f.Decisions = interleave(r, f.Decisions)
		if got := Evaluate(f); !reflect.DeepEqual(got, want) {
			var g, w strings.Builder
			got.Render(&g)
			want.Render(&w)
			t.Fatalf("iteration %d: result depends on order\nidentities %v\ndecisions %v\n got:\n%s\nwant:\n%s", i, f.Identities, f.Decisions, g.String(), w.String())
		}
	}
}

func TestDecisionOrderMattersPerIdentity(t *testing.T) {
	rules := []schemas.Rule{{Name: "sre", Count: 1, Roles: []string{"sre"}}}
	tests := []struct {
		name      string
		decisions []Decision
		status    Status
	}{
		{name: "approve then reject", decisions: []Decision{approve("alice", head, content), reject("alice", head, "no")}, status: StatusBlocked},
		{name: "reject then approve", decisions: []Decision{reject("alice", head, "no"), approve("alice", head, content)}, status: StatusSatisfied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Evaluate(facts(rules, tt.decisions...)); got.Status != tt.status {
				t.Fatalf("status = %s, want %s", got.Status, tt.status)
			}
		})
	}
}

func TestEvaluateDoesNotModifyFacts(t *testing.T) {
	f := releaseFacts()
	before, _ := json.Marshal(f)
	first := Evaluate(f)
	after, _ := json.Marshal(f)
	if string(before) != string(after) {
		t.Fatal("Evaluate modified its facts")
	}
	if second := Evaluate(f); !reflect.DeepEqual(first, second) {
		t.Fatal("second evaluation differs")
	}
}

func TestCountedApprovals(t *testing.T) {
	f := releaseFacts()
	got := Evaluate(f).CountedApprovals()
	// One vote per identity, the first in tree order: carol counts in
	// security-signoff (security) before lead (identity), erin in sre-pair.
	want := []Vote{
		{Identity: "alice", Verdict: VerdictApprove, Role: "sre", Commit: head, Content: content, Ref: "review-alice"},
		{Identity: "bob", Verdict: VerdictApprove, Role: "sre", Commit: head, Content: content, Ref: "review-bob"},
		{Identity: "carol", Verdict: VerdictApprove, Role: "security", Commit: rebased, Content: content, Ref: "review-carol"},
		{Identity: "erin", Verdict: VerdictApprove, Role: "sre", Commit: head, Content: content, Ref: "review-erin"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("counted approvals\n got %+v\nwant %+v", got, want)
	}
}

func TestCountedApprovalsSkipsUnsatisfiedRules(t *testing.T) {
	f := facts([]schemas.Rule{
		{Name: "one", Count: 1, Roles: []string{"security"}},
		{Name: "two", Count: 2, Roles: []string{"sre"}},
	}, approve("carol", head, content), approve("alice", head, content))
	got := Evaluate(f).CountedApprovals()
	if len(got) != 1 || got[0].Identity != "carol" {
		t.Fatalf("got %+v, want only carol (alice's rule is pending)", got)
	}
}

func TestPolicyDescription(t *testing.T) {
	tests := []struct {
		name      string
		decisions []Decision
		want      string
	}{
		{
			name:      "pending with a stale approval",
			decisions: []Decision{approve("bob", head, content), approve("alice", old, changed)},
			want:      "needs 1 more approval from role sre (rule sre-pair); alice's approval was on an older commit",
		},
		{
			name:      "stale approval re-made is no longer mentioned",
			decisions: []Decision{approve("alice", old, changed), approve("alice", head, content)},
			want:      "needs 1 more approval from role sre (rule sre-pair)",
		},
		{
			name:      "agents are not hinted",
			decisions: []Decision{approve("deploy-agent", head, content)},
			want:      "needs 2 more approvals from role sre (rule sre-pair)",
		},
		{
			name:      "satisfied lists approvers",
			decisions: []Decision{approve("bob", head, content), approve("alice", head, content)},
			want:      "approved by alice, bob",
		},
		{
			name:      "blocked says who and why",
			decisions: []Decision{approve("bob", head, content), reject("erin", old, "freeze")},
			want:      "rejected by erin (rule sre-pair): freeze",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts([]schemas.Rule{{Name: "sre-pair", Count: 2, Roles: []string{"sre"}}}, tt.decisions...)
			if got := Evaluate(f).Description; got != tt.want {
				t.Errorf("description\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestResultJSON(t *testing.T) {
	f := facts([]schemas.Rule{{Name: "sre-pair", Count: 2, Roles: []string{"sre"}}},
		approve("alice", head, content), approve("deploy-agent", head, content))
	b, err := json.Marshal(Evaluate(f))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"kind":"policy"`, `"status":"pending"`, `"needed":1`, `"not_counted":[`, `"counted":[`, `"children":[`, `"reason":"agent cannot approve"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("json lacks %s: %s", key, b)
		}
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, Evaluate(f)) {
		t.Error("result does not survive a JSON round trip")
	}
}
