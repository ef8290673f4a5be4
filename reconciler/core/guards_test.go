package core

import (
	"math/rand"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// guardKind maps a reported guard name to its entry in GuardOrder.
func guardKind(name string) string {
	switch {
	case name == "quarantine":
		return GuardFrom
	case name == "override":
		return GuardPolicy
	case strings.HasPrefix(name, GuardInput+" "):
		return GuardInput
	}
	return name
}

// TestGuardsRunInGuardOrder: on every entry of random streams, the guards
// Outcome.Guards reports follow GuardOrder, each a guard GuardOrder names.
func TestGuardsRunInGuardOrder(t *testing.T) {
	order := GuardOrder()
	rank := map[string]int{}
	for i, g := range order {
		rank[g] = i
	}
	seen := map[string]bool{}
	check := func(e Entry, out Outcome) {
		t.Helper()
		last := -1
		for _, g := range out.Guards {
			r, ok := rank[guardKind(g.Name)]
			if !ok {
				t.Fatalf("entry %s reports guard %q, which GuardOrder %v does not name", e.IdemKey, g.Name, order)
			}
			if r < last {
				t.Fatalf("entry %s reports guards %v out of GuardOrder %v", e.IdemKey, out.Guards, order)
			}
			last = r
			seen[guardKind(g.Name)] = true
		}
	}
	s := NewState()
	for _, e := range randomStream(rand.New(rand.NewSource(3)), 2000) {
		next, out := full(s, e)
		check(e, out)
		s = next
	}
	// Entries that reach the guards random streams rarely do: a missing
	// workflow, a join, an input guard and a break-glass override that
	// stands.
	b := &builder{t: t}
	s, _ = full(NewState(), b.genesis())
	e := b.transition(s, "agent", "r1", "create")
	e.Proposal.Workflow = "no-such-workflow"
	_, out := full(s, e)
	check(e, out)
	for _, tr := range []string{"create", "verify", "tests-pass", "security-clear", "approve-release", "ship"} {
		var ds []policies.Decision
		if tr == "ship" {
			ds = append(ds, override("alice", "prod is down"))
		}
		e := b.transition(s, "agent", "r1", tr, ds...)
		next, out := full(s, e)
		if out.Status != StatusApplied {
			t.Fatalf("%s: %s %s", tr, out.Status, out.Reason)
		}
		check(e, out)
		s = next
	}
	// A transition with a window: judged after its inputs, before its
	// policy.
	windowed := testRules()
	windowed.Workflows[0].Transitions[7].Windows = []schemas.Window{{Zone: "UTC"}}
	s, _ = full(NewState(), Entry{Kind: KindGenesis, HLC: HLC{Wall: 1}, Signer: "writ-bot", IdemKey: "genesis", Rules: windowed})
	for _, tr := range []string{"create", "verify", "tests-pass", "security-clear", "approve-release", "ship"} {
		e := b.transition(s, "agent", "r2", tr, approve("alice"), approve("bob"))
		next, out := full(s, e)
		if out.Status != StatusApplied {
			t.Fatalf("%s with a window: %s %s", tr, out.Status, out.Reason)
		}
		check(e, out)
		s = next
	}
	for _, g := range order {
		if !seen[g] {
			t.Errorf("no entry reported guard %s: the streams do not exercise it", g)
		}
	}
}

// TestGuardOrderIsThePackageDoc: the package doc states the guard order
// as GuardOrder has it, so the order is written once, in code, and the
// doc says the same.
func TestGuardOrderIsThePackageDoc(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(strings.ReplaceAll(string(doc), "//", " ")), " ")
	m := regexp.MustCompile(`run in this order \(GuardOrder\): ([a-z, ]+)\.`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("doc.go does not state the guard order as \"run in this order (GuardOrder): a, b, ....\"")
	}
	if want := strings.Join(GuardOrder(), ", "); m[1] != want {
		t.Fatalf("doc.go says the guards run %q; GuardOrder is %q", m[1], want)
	}
}
