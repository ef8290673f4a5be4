package reconciler

import (
	"errors"
	"fmt"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/plan"
)

// ShowInput reads what plan.Build needs beside a gate result judged
// against l: the rules in force and their hash and, for a rules change,
// the bytes on main of every governed file it changes or deletes (a file
// missing on main is one the change adds). Its error names the path that
// could not be read.
func (e *Engine) ShowInput(l *Loaded, g intake.GateResult) (plan.Input, error) {
	in := plan.Input{Gate: g, Rules: l.Rules, RulesHash: l.State.RulesHash()}
	p := g.Pending
	if !p.IsRules() || l.Head.IsZero() {
		return in, nil
	}
	in.Old = map[string][]byte{}
	for _, path := range p.ChangedFiles() {
		if path == p.Path {
			continue
		}
		b, err := e.Store.ReadFile(l.Head, path)
		switch {
		case errors.Is(err, gitstore.ErrNotFound):
			continue
		case err != nil:
			return in, fmt.Errorf("show %s: the file on main: %w", p.Branch, err)
		}
		in.Old[path] = b
	}
	return in, nil
}
