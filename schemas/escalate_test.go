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

// TestEscalateNotify: a step's notify (roles and/or identities) loads and
// names who is told; without it the step's own roles and identities are;
// a notify that names nobody, an unknown key in it, and roles or
// identities writ.yaml does not declare are refused at their
// path:line:col.
func TestEscalateNotify(t *testing.T) {
	step := func(notify string) string {
		return wf("deploy", twoStates, twoSteps+"    policy: governance\n    escalate:\n      - after: 4h\n        roles: [sre]\n"+notify)
	}
	tests := []struct {
		name   string
		yaml   string
		want   *want
		notify EscalationNotify
	}{
		{"default: the step's people", step(""), nil, EscalationNotify{Roles: []string{"sre"}}},
		{"explicit roles and identities", step("        notify:\n          roles: [sre]\n          identities: [alice]\n"), nil,
			EscalationNotify{Roles: []string{"sre"}, Identities: []string{"alice"}}},
		{"explicit identities only", step("        notify:\n          identities: [bob]\n"), nil, EscalationNotify{Identities: []string{"bob"}}},
		{"unknown role", step("        notify:\n          roles: [sre, ops]\n"),
			&want{wfFile, 17, 24, "transitions[1].escalate[0].notify.roles[1]", `unknown role "ops" (roles: sre)`}, EscalationNotify{}},
		{"unknown identity", step("        notify:\n          identities: [mallory]\n"),
			&want{wfFile, 17, 24, "transitions[1].escalate[0].notify.identities[0]", `unknown identity "mallory"`}, EscalationNotify{}},
		{"names nobody", step("        notify: {}\n"),
			&want{wfFile, 16, 17, "transitions[1].escalate[0].notify", "notify names nobody"}, EscalationNotify{}},
		{"unknown key", step("        notify:\n          teams: [x]\n"),
			&want{wfFile, 17, 11, "transitions[1].escalate[0].notify.teams", `unknown field "teams" (allowed: identities, roles)`}, EscalationNotify{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := ValidateRepo(repo(map[string]string{wfFile: tt.yaml}))
			checkInvariants(t, ps)
			if tt.want != nil {
				expectProblem(t, ps, *tt.want)
				return
			}
			if len(ps) > 0 {
				t.Fatalf("problems: %v", ps)
			}
			w, _ := LoadWorkflow(wfFile, []byte(tt.yaml))
			got := w.Transitions[1].Escalate[0].Notified()
			if strings.Join(got.Roles, ",") != strings.Join(tt.notify.Roles, ",") || strings.Join(got.Identities, ",") != strings.Join(tt.notify.Identities, ",") {
				t.Fatalf("Notified() = %+v, want %+v", got, tt.notify)
			}
		})
	}
	// A policy's steps are checked the same way.
	pol := miniRepo[polFile] + "escalate:\n  - after: 1h\n    identities: [alice]\n    notify:\n      roles: [dba]\n"
	expectProblem(t, ValidateRepo(repo(map[string]string{polFile: pol})),
		want{polFile, 10, 15, "escalate[0].notify.roles[0]", `unknown role "dba"`})
}
