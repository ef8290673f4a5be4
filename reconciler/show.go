package reconciler

import (
	"fmt"

	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/plan"
)

// ShowInput reads what plan.Build needs beside a gate result judged
// against l: the rules in force and their hash and, for a rules change,
// the bytes on main of every governed file it changes or deletes
// (intake.MainFiles), and the proposal's recorded wait. Its error names the path that could not be read.
func (e *Engine) ShowInput(l *Loaded, g intake.GateResult) (plan.Input, error) {
	old, err := intake.MainFiles(e.Store, l.Head, g.Pending)
	if err != nil {
		return plan.Input{}, fmt.Errorf("show %w", err)
	}
	return plan.Input{Gate: g, Rules: l.Rules, RulesHash: l.State.RulesHash(), Old: old,
		Wait:   plan.WaitOf(l.State, g.Pending.Path, g.Pending.Subject.Content),
		Behind: plan.BehindOf(l.State, g.Pending.Path, g.Pending.Subject.Content)}, nil
}
