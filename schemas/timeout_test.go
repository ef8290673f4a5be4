package schemas

import (
	"strings"
	"testing"
	"time"
)

// TestTimeoutChecks: timeout and on_timeout go together, the timeout
// parses as a duration, on_timeout is reject, and a transition's timeout
// needs a policy; a good one loads and TimeoutOf reads it (the
// transition's before the policy's).
func TestTimeoutChecks(t *testing.T) {
	wf := func(extra string) string {
		return "name: deploy\nstates:\n" + twoStates + "transitions:\n  - name: open\n    to: pending\n  - name: finish\n    from: [pending]\n    to: done\n" + extra
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"good", wf("    policy: p\n    timeout: 3d\n    on_timeout: reject\n"), ""},
		{"bad duration", wf("    policy: p\n    timeout: 3 days\n    on_timeout: reject\n"), `invalid duration "3 days"`},
		{"timeout alone", wf("    policy: p\n    timeout: 3d\n"), "timeout needs on_timeout"},
		{"on_timeout alone", wf("    policy: p\n    on_timeout: reject\n"), "on_timeout needs timeout"},
		{"no policy", wf("    timeout: 3d\n    on_timeout: reject\n"), "timeout needs policy"},
		{"unknown on_timeout", wf("    policy: p\n    timeout: 3d\n    on_timeout: escalate\n"), "on_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, ps := LoadWorkflow(wfFile, []byte(tt.yaml))
			if tt.want == "" {
				if len(ps) > 0 {
					t.Fatalf("problems: %v", ps)
				}
				d, on, by, ok := TimeoutOf(&w.Transitions[1], &Policy{Name: "p", Timeout: "1h", OnTimeout: OnTimeoutReject})
				if !ok || d != 72*time.Hour || on != OnTimeoutReject || by != "transition finish" {
					t.Fatalf("TimeoutOf: %v %q %q %v", d, on, by, ok)
				}
				return
			}
			if !strings.Contains(ps.Error(), tt.want) {
				t.Fatalf("problems %v, want one containing %q", ps, tt.want)
			}
		})
	}
	p, ps := LoadPolicy(polFile, []byte("name: p\nrules:\n  - name: one\n    count: 1\ntimeout: 30m\non_timeout: reject\n"))
	if len(ps) > 0 {
		t.Fatalf("policy with a timeout: %v", ps)
	}
	if d, _, by, ok := TimeoutOf(&Transition{Name: "finish"}, p); !ok || d != 30*time.Minute || by != "policy p" {
		t.Fatalf("the policy's timeout: %v %q %v", d, by, ok)
	}
	if _, ps := LoadPolicy(polFile, []byte("name: p\nrules:\n  - name: one\n    count: 1\ntimeout: 30m\n")); !strings.Contains(ps.Error(), "timeout needs on_timeout") {
		t.Fatalf("a policy timeout without on_timeout: %v", ps)
	}
}

// TestOnTimeoutTransition: on_timeout may name another transition between
// top-level states of the workflow that fires from every state the timed
// out one fires from; TimedOutTo finds it; anything else is refused at
// on_timeout.
func TestOnTimeoutTransition(t *testing.T) {
	wf := func(finish, extra string) string {
		return "name: deploy\nstates:\n" + twoStates + "transitions:\n  - name: open\n    to: pending\n  - name: finish\n    from: [pending]\n    to: done\n    policy: p\n    timeout: 3d\n" + finish + extra
	}
	const give = "  - name: give-up\n    from: [pending]\n    to: done\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"good", wf("    on_timeout: give-up\n", give), ""},
		{"unknown", wf("    on_timeout: nope\n", give), `:14:17: transitions[1].on_timeout: unknown transition "nope"`},
		{"itself", wf("    on_timeout: finish\n", give), "on_timeout names the transition that times out"},
		{"not from the same states", wf("    on_timeout: open\n", give), `on_timeout transition "open" does not fire from "pending"`},
		{"not a name", wf("    on_timeout: Give Up\n", give), "on_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, ps := LoadWorkflow(wfFile, []byte(tt.yaml))
			if tt.want == "" {
				if len(ps) > 0 {
					t.Fatalf("problems: %v", ps)
				}
				if to, ok := TimedOutTo(w, w.Transitions[1].OnTimeout); !ok || to.Name != "give-up" {
					t.Fatalf("TimedOutTo: %v %v", to, ok)
				}
				if _, ok := TimedOutTo(w, OnTimeoutReject); ok {
					t.Fatal("TimedOutTo(reject) names a transition")
				}
				return
			}
			if !strings.Contains(ps.Error(), tt.want) {
				t.Fatalf("problems %v, want one containing %q", ps, tt.want)
			}
		})
	}
	if _, ps := LoadPolicy(polFile, []byte("name: p\nrules:\n  - name: one\n    count: 1\ntimeout: 30m\non_timeout: give-up\n")); ps == nil {
		t.Fatal("a policy's on_timeout names a transition")
	}
}
