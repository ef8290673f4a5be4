package bench

import (
	"fmt"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// step is one entry the builder writes: a proposal, its decisions and the
// verdict the gate must give.
type step struct {
	// workflow is "release" when empty; a goal's name for a goal action.
	workflow             string
	evidence             []schemas.Evidence
	instance, transition string
	owner, justification string
	proposer             string
	inputs               map[string]any
	decisions            []policies.Decision
	want                 intake.Verdict
}

// lane is one instance in flight and where it is in its life.
type lane struct {
	instance string
	pos      int
	rejected bool // its ship was rejected once already
}

// workload walks instances of the release workflow through their lives,
// round-robin over Spec.Lanes instances in flight. It is deterministic: the
// same spec gives the same steps.
type workload struct {
	spec                      Spec
	script                    []string
	lanes                     []lane
	turn                      int
	instances, ships, rejects int
}

func newWorkload(spec Spec) *workload {
	script := []string{"create", "verify"}
	for i := 0; i < spec.Loops; i++ {
		script = append(script, "tests-fail", "tests-retry")
	}
	script = append(script, "tests-pass", "security-clear", "approve-release", "ship")
	w := &workload{spec: spec, script: script, lanes: make([]lane, spec.Lanes)}
	for i := range w.lanes {
		w.lanes[i] = w.newLane()
	}
	return w
}

func (w *workload) newLane() lane {
	w.instances++
	return lane{instance: fmt.Sprintf("svc-%06d", w.instances)}
}

// next returns the step for the lane whose turn it is.
func (w *workload) next(core.State) step {
	l := &w.lanes[w.turn]
	n := w.instances
	st := step{instance: l.instance, transition: w.script[l.pos], proposer: "deploy-agent", want: intake.VerdictReady}
	switch st.transition {
	case "create":
		st.owner = fmt.Sprintf("team-%d", n%7)
		st.inputs = map[string]any{"version": fmt.Sprintf("2026.%d.0", n%12+1)}
		st.justification = "release train"
	case "tests-fail":
		st.inputs = map[string]any{"run": fmt.Sprintf("ci-%d", l.pos)}
	case "ship":
		st.inputs = map[string]any{"change_ticket": fmt.Sprintf("CHG-%d", w.ships+1), "environment": "staging"}
		st.justification = "all checks green"
		if w.spec.RejectEvery > 0 && !l.rejected && w.ships%w.spec.RejectEvery == w.spec.RejectEvery-1 {
			st.decisions = []policies.Decision{{Identity: "bob", Verdict: policies.VerdictReject, Justification: "rollback plan missing"}}
			st.want = intake.VerdictRejected
		} else {
			st.decisions = []policies.Decision{
				{Identity: "alice", Verdict: policies.VerdictApprove, Justification: "change ticket reviewed"},
				{Identity: "bob", Verdict: policies.VerdictApprove},
			}
		}
	}
	return st
}

// done records that st was applied and moves its lane on.
func (w *workload) done(st step) {
	l := &w.lanes[w.turn]
	w.turn = (w.turn + 1) % len(w.lanes)
	switch {
	case st.want == intake.VerdictRejected:
		l.rejected = true
		w.rejects++
		return // the same lane proposes ship again on its next turn
	case st.transition == "ship":
		w.ships++
		*l = w.newLane()
		return
	}
	l.pos++
}
