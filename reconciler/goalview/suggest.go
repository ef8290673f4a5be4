package goalview

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

// The task types a suggestion declares as the missing prerequisite.
const (
	// SuggestStallType: someone must find out why the lineage stopped
	// moving and unblock it.
	SuggestStallType = "unstall"
	// SuggestConflictType: someone must choose between the conflicting
	// next steps before the task goes on.
	SuggestConflictType = "choose-next-step"
)

// suggest is the declare-block proposal f suggests on lineage v, as YAML
// (schemas.Proposal): instance the lineage, workflow its goal, base_state
// its hash, inputs.task the finding's task and inputs.prerequisite a task
// whose type says what is missing and whose payload names the finding
// (the stall's since, or the blocks involved), so scanning the same log
// twice suggests the same task; idem_key is derived from all of that, the
// justification is the finding's detail. "" if it cannot be encoded
// (never, for the strings it holds).
func suggest(v core.LineageView, f Finding) string {
	payload := map[string]any{"finding": string(f.Kind)}
	typ := SuggestStallType
	switch f.Kind {
	case KindStall:
		since := v.LastProgress
		if since.Compare(v.Started) < 0 {
			since = v.Started
		}
		payload["since"] = since.String()
	case KindConflict:
		typ = SuggestConflictType
		payload["blocks"] = f.Blocks
	}
	if f.Kind == KindAmbiguity && len(f.Blocks) > 0 {
		return suggestRefute(v, f)
	}
	prereq := map[string]any{"type": typ, "payload": payload}
	key, err := schemas.CanonicalJSON(map[string]any{"lineage": v.ID, "task": f.Task, "prerequisite": prereq})
	if err != nil {
		return ""
	}
	p := schemas.Proposal{
		Instance:   v.ID,
		Workflow:   v.Goal,
		Transition: schemas.GoalDeclareBlock,
		BaseState:  v.Hash,
		IdemKey:    "scan-" + string(f.Kind) + "-" + ShortID(schemas.HashBytes(key)),
		Inputs: map[string]any{
			schemas.GoalInputTask:         f.Task,
			schemas.GoalInputPrerequisite: prereq,
		},
		Justification: "writ scan: " + f.Detail,
	}
	return proposalYAML(p)
}

// suggestRefute is the suggestion for an ambiguity: an ended lineage takes
// no declarations, and a block still open when the terminal task completed
// is exactly what a refutation says (the blocked task was done without its
// prerequisite), so it suggests refuting the first open block, with the
// terminal task's completion as the evidence to check and replace.
func suggestRefute(v core.LineageView, f Finding) string {
	key, err := schemas.CanonicalJSON(map[string]any{"lineage": v.ID, "refute": f.Blocks[0]})
	if err != nil {
		return ""
	}
	p := schemas.Proposal{
		Instance:      v.ID,
		Workflow:      v.Goal,
		Transition:    schemas.GoalRefuteBlock,
		BaseState:     v.Hash,
		IdemKey:       "scan-" + string(f.Kind) + "-" + ShortID(schemas.HashBytes(key)),
		Inputs:        map[string]any{schemas.GoalInputBlock: f.Blocks[0]},
		Evidence:      []schemas.Evidence{{Name: "terminal task " + ShortID(v.Terminal) + " completed while this block was open"}},
		Justification: "writ scan: " + f.Detail,
	}
	return proposalYAML(p)
}

// proposalYAML is a suggested proposal as the YAML a proposer would write,
// ending in one newline; empty if it cannot be written.
func proposalYAML(p schemas.Proposal) string {
	out, err := yaml.Marshal(&p)
	if err != nil {
		return ""
	}
	return strings.TrimRight(string(out), "\n") + "\n"
}
