package schemas

import (
	"strings"
	"testing"
)

// TestEscalateChecks: escalation steps parse as durations, increase, name
// someone, come before the timeout and need a policy, each refused at its
// path:line:col; a good list loads and EscalationOf prefers the
// transition's steps to the policy's.
func TestEscalateChecks(t *testing.T) {
	wf := func(extra string) string {
		return "name: deploy\nstates:\n" + twoStates + "transitions:\n  - name: open\n    to: pending\n  - name: finish\n    from: [pending]\n    to: done\n" + extra
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"good", wf("    policy: p\n    timeout: 3d\n    on_timeout: reject\n    escalate:\n      - after: 4h\n        roles: [lead]\n      - after: 1d\n        identities: [carol]\n"), ""},
		{"bad duration", wf("    policy: p\n    escalate:\n      - after: 4 hours\n        roles: [lead]\n"), `:14:16: transitions[1].escalate[0].after: invalid duration "4 hours"`},
		{"not increasing", wf("    policy: p\n    escalate:\n      - after: 4h\n        roles: [lead]\n      - after: 2h\n        roles: [lead]\n"), "escalation step 2 (after 2h) is not later than step 1"},
		{"after timeout", wf("    policy: p\n    timeout: 1h\n    on_timeout: reject\n    escalate:\n      - after: 4h\n        roles: [lead]\n"), "escalation step 1 (after 4h) is not before the timeout 1h"},
		{"nobody", wf("    policy: p\n    escalate:\n      - after: 4h\n"), "escalation step 1 names nobody"},
		{"no policy", wf("    escalate:\n      - after: 4h\n        roles: [lead]\n"), "escalate needs policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, ps := LoadWorkflow(wfFile, []byte(tt.yaml))
			if tt.want == "" {
				if len(ps) > 0 {
					t.Fatalf("problems: %v", ps)
				}
				steps, by := EscalationOf(&w.Transitions[1], &Policy{Name: "p", Escalate: []EscalationStep{{After: "1h", Roles: []string{"x"}}}})
				if len(steps) != 2 || by != "transition finish" || steps[1].Who() != "carol" || steps[0].Who() != "role lead" {
					t.Fatalf("EscalationOf: %+v %q", steps, by)
				}
				return
			}
			if !strings.Contains(ps.Error(), tt.want) {
				t.Fatalf("problems %v, want one containing %q", ps, tt.want)
			}
		})
	}
	p, ps := LoadPolicy(polFile, []byte("name: p\nrules:\n  - name: one\n    count: 1\nescalate:\n  - after: 30m\n    roles: [lead]\n"))
	if len(ps) > 0 {
		t.Fatalf("policy with escalation: %v", ps)
	}
	if steps, by := EscalationOf(&Transition{Name: "finish"}, p); len(steps) != 1 || by != "policy p" {
		t.Fatalf("the policy's steps: %+v %q", steps, by)
	}
	if _, ps := LoadPolicy(polFile, []byte("name: p\nrules:\n  - name: one\n    count: 1\nescalate:\n  - after: 30m\n    roles: [lead]\n    team: [x]\n")); ps == nil {
		t.Fatal("an unknown key in an escalation step loads")
	}
	cfg := &Config{Roles: []string{"lead"}, Identities: []Identity{{Name: "carol", Kind: IdentityHuman}, {Name: "bot", Kind: IdentityAgent}}}
	c := &checker{pos: &Positions{}}
	c.checkEscalateAgainstConfig(At(), []EscalationStep{{After: "1h", Roles: []string{"lead", "boss"}, Identities: []string{"carol", "bot", "zed"}}}, cfg)
	got := Problems(c.problems).Error()
	for _, want := range []string{`unknown role "boss"`, `identity "bot" is an agent`, `unknown identity "zed"`} {
		if !strings.Contains(got, want) {
			t.Errorf("config check %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, `"carol"`) || strings.Contains(got, `"lead"`) {
		t.Errorf("config check refuses a declared name: %q", got)
	}
}
