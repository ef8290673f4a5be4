package policies

import (
	"strings"
	"testing"

	"github.com/writ-dev/writ/schemas"
)

// TestEscalatedApprovers: after an escalation step, an approval from the
// step's role or identity counts under every rule that applies, with the
// step as its role; before it (no Escalated) it does not; the author and
// agents still never count, and a rule's trust level still applies.
func TestEscalatedApprovers(t *testing.T) {
	rules := []schemas.Rule{{Name: "sre-pair", Count: 2, Roles: []string{"sre"}}, {Name: "sec", Count: 1, Roles: []string{"security"}}}
	step := Escalation{Step: 1, Roles: []string{"dev"}, Identities: []string{"carol", "deploy-agent"}}
	tests := []struct {
		name      string
		escalated []Escalation
		ds        []Decision
		rules     []schemas.Rule
		status    Status
		counted   map[string][]string // rule -> counted identities
		reason    string              // a not-counted reason expected somewhere
	}{
		{"before escalation carol counts for sec only", nil,
			[]Decision{approve("alice", head, content), approve("carol", head, content)}, rules, StatusPending,
			map[string][]string{"sre-pair": {"alice"}, "sec": {"carol"}}, "not in role sre"},
		{"after step 1 carol counts under every rule", []Escalation{step},
			[]Decision{approve("alice", head, content), approve("carol", head, content)}, rules, StatusSatisfied,
			map[string][]string{"sre-pair": {"alice", "carol"}, "sec": {"carol"}}, ""},
		{"the author still does not count", []Escalation{step},
			[]Decision{approve("alice", head, content), approve("dave", head, content)}, rules[:1], StatusPending,
			map[string][]string{"sre-pair": {"alice"}}, ReasonAuthor},
		{"an agent still does not count", []Escalation{step},
			[]Decision{approve("alice", head, content), approve("deploy-agent", head, content)}, rules[:1], StatusPending,
			map[string][]string{"sre-pair": {"alice"}}, ReasonAgent},
		{"the trust level still applies", []Escalation{step},
			[]Decision{approve("carol", head, content)}, []schemas.Rule{{Name: "t", Count: 1, Roles: []string{"sre"}, MinTrustLevel: 3}}, StatusPending,
			map[string][]string{"t": nil}, "trust level unset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts(tt.rules, tt.ds...)
			f.Escalated = tt.escalated
			res := Evaluate(f)
			if res.Status != tt.status {
				t.Fatalf("status %s, want %s: %s", res.Status, tt.status, render(res))
			}
			all := ""
			for _, c := range res.Children {
				if want := tt.counted[c.Name]; strings.Join(names(c.Counted), ",") != strings.Join(want, ",") {
					t.Errorf("rule %s counted %v, want %v", c.Name, names(c.Counted), want)
				}
				for _, v := range c.NotCounted {
					all += v.Reason + ";"
				}
			}
			if tt.reason != "" && !strings.Contains(all, tt.reason) {
				t.Errorf("not-counted reasons %q lack %q", all, tt.reason)
			}
			if tt.escalated != nil && tt.status == StatusSatisfied && !strings.Contains(render(res), "counted: carol (through escalation step 1 (dev, carol, deploy-agent))") {
				t.Errorf("the explanation does not say carol counted through escalation:\n%s", render(res))
			}
		})
	}
}

func render(r Result) string {
	var b strings.Builder
	r.Render(&b)
	return b.String()
}

// TestEscalatedApproversListed: after an escalation step, the humans it
// names are listed among those whose approval would count for a pending
// rule, with their escalation role; the author and agents are not.
func TestEscalatedApproversListed(t *testing.T) {
	pol := schemas.Policy{Name: "p", Rules: []schemas.Rule{{Name: "sre-pair", Count: 2, Roles: []string{"sre"}}}}
	f := facts(pol.Rules, approve("alice", head, content))
	res := Evaluate(f)
	step := []Escalation{{Step: 1, Roles: []string{"security", "dev"}, Identities: []string{"deploy-agent"}}}
	var got []string
	for _, a := range EscalatedApprovers(&pol, testIdentities(), res.Children[0], "dave", step) {
		got = append(got, a.Identity+"="+a.Role)
	}
	want := "bob=sre,carol=escalated-1:security,dev,deploy-agent,erin=sre"
	if strings.Join(got, ",") != want {
		t.Fatalf("approvers %v, want %s", got, want)
	}
	if n := len(Approvers(&pol, testIdentities(), res.Children[0], "dave")); n != 2 {
		t.Fatalf("without escalation %d approvers, want bob and erin", n)
	}
}
