package bench

import (
	"fmt"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// The goal workload drives one lineage of the goals example
// (fixtures.Goals) to a tree of Spec.Goals prerequisite tasks and back:
// every task is declared (by one agent, approved by an SRE under the
// goal's policy), confirmed by two identities, and once its own
// prerequisites are done, completed and its block resolved (by a human,
// approved by another); last the terminal task completes. That is 5
// entries per task, 4 of them block events, and 2 decision commits. Task k waits under task (k-1)/10 (0: the
// terminal task), so the tree is wide and shallow, as a fleet's is.

// goalName and goalLineage name what the goal workload works on.
const (
	goalName    = "patch-cve-2026-1234"
	goalLineage = "cve-2026-1234"
)

// GoalSpec returns the spec of a goal lineage with tasks prerequisite
// tasks.
func GoalSpec(tasks int) Spec {
	return Spec{Entries: 2 + 5*tasks, Lanes: 1, Goals: tasks, PackEvery: 5000}
}

type goalWorkload struct {
	tasks    int
	pos      int // steps taken
	terminal string
	evidence []schemas.Evidence
}

func newGoalWorkload(spec Spec) (*goalWorkload, error) {
	w := &goalWorkload{tasks: spec.Goals, evidence: []schemas.Evidence{{Name: "ci", URI: "https://ci.example/runs/1"}}}
	id, err := core.TaskID("patch-cve", map[string]any{"cve": "CVE-2026-1234", "fleet": "web"}, goalLineage)
	if err != nil {
		return nil, err
	}
	w.terminal = id
	return w, nil
}

// task returns the id of task k (0: the terminal task) and of the task it
// is a prerequisite of.
func (w *goalWorkload) task(k int) (id, parent string) {
	if k == 0 {
		return w.terminal, ""
	}
	id, _ = core.TaskID("fix", map[string]any{"n": k}, goalLineage)
	parent, _ = w.task((k - 1) / 10)
	return id, parent
}

func (w *goalWorkload) next(core.State) step {
	st := step{workflow: goalName, instance: goalLineage, want: intake.VerdictReady}
	n := w.pos
	switch {
	case n == 0:
		st.transition, st.proposer = schemas.GoalStart, "scanner-a"
	case n <= 3*w.tasks:
		k := (n-1)/3 + 1
		id, parent := w.task(k)
		switch (n - 1) % 3 {
		case 0:
			st.transition, st.proposer = schemas.GoalDeclareBlock, "scanner-a"
			st.inputs = map[string]any{"task": parent, "prerequisite": map[string]any{"type": "fix", "payload": map[string]any{"n": k}}}
			st.decisions = []policies.Decision{{Identity: "alice", Verdict: policies.VerdictApprove}} // goal-oversight
		case 1:
			st.transition, st.proposer = schemas.GoalConfirmBlock, "scanner-b"
			st.inputs = map[string]any{"block": core.BlockID(parent, id)}
		default:
			st.transition, st.proposer = schemas.GoalConfirmBlock, "bob"
			st.inputs = map[string]any{"block": core.BlockID(parent, id)}
		}
	case n <= 5*w.tasks:
		m := n - 3*w.tasks - 1
		k := w.tasks - m/2
		id, parent := w.task(k)
		if m%2 == 0 {
			st.transition, st.proposer, st.evidence = schemas.GoalComplete, "scanner-a", w.evidence
			st.inputs = map[string]any{"task": id}
		} else {
			st.transition, st.proposer = schemas.GoalResolveBlock, "alice"
			st.inputs = map[string]any{"block": core.BlockID(parent, id)}
			st.decisions = []policies.Decision{{Identity: "bob", Verdict: policies.VerdictApprove}} // goal-oversight
		}
	default:
		st.transition, st.proposer, st.evidence = schemas.GoalComplete, "scanner-a", w.evidence
		st.inputs = map[string]any{"task": w.terminal}
	}
	st.justification = fmt.Sprintf("goal step %d", n)
	return st
}

func (w *goalWorkload) done(step) { w.pos++ }
