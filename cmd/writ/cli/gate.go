package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/plan"
)

func (a *app) gateCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "gate PROPOSAL",
		Short: "Explain what a proposal still needs",
		Long: `gate judges proposals/<PROPOSAL> against the current state exactly as
reconcile would, without writing anything: signatures, capability, guards
(terminal, quarantine, parallel-region join, input guards), staleness,
idempotency and the approval policy, with who counted and who did not and why.

Exit codes: 0 ready to apply, 2 waiting for a human, 3 not applicable
(invalid, unsigned, unauthorized, stale, duplicate, rejected, or already
applied), 1 error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := a.engine()
			if err != nil {
				return err
			}
			l, err := e.Load()
			if err != nil {
				return err
			}
			a.noteForeign(l)
			return a.printGate(e, l, args[0], true, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the verdict as JSON")
	return cmd
}

// gateJSON is the --json form of a gate result.
type gateJSON struct {
	Proposal string             `json:"proposal"`
	Verdict  intake.Verdict     `json:"verdict"`
	Reason   string             `json:"reason"`
	Proposer string             `json:"proposer,omitempty"`
	Subject  policies.Subject   `json:"subject"`
	Guards   []core.GuardResult `json:"guards"`
	Policy   *policies.Result   `json:"policy,omitempty"`
	Ignored  []intake.Ignored   `json:"ignored_decisions,omitempty"`
	Problems []string           `json:"problems,omitempty"`
	// Plan is what an approver sees (the same as `writ show --json`).
	Plan *plan.View `json:"plan,omitempty"`
}

// printGate evaluates and prints one proposal against what the command
// loaded, as JSON or as text. With exit set, the verdict becomes the exit
// code.
func (a *app) printGate(e *reconciler.Engine, l *reconciler.Loaded, name string, exit, asJSON bool) error {
	g, view, err := a.judge(e, l, name)
	if err != nil {
		return err
	}
	p := g.Pending
	if asJSON {
		enc := json.NewEncoder(a.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(gateJSON{Proposal: p.Branch, Verdict: g.Verdict, Reason: g.Reason, Proposer: p.Proposer,
			Subject: p.Subject, Guards: g.Outcome.Guards, Policy: g.Outcome.Policy, Ignored: g.Ignored(), Problems: p.Problems,
			Plan: &view}); err != nil {
			return err
		}
	} else {
		renderGate(a.out, g, view)
	}
	if !exit {
		return nil
	}
	if code := verdictCode(g.Verdict); code != ExitOK {
		return &exitError{code: code}
	}
	return nil
}

// judge gates one proposal against what the command loaded and builds
// what an approver sees of it.
func (a *app) judge(e *reconciler.Engine, l *reconciler.Loaded, name string) (intake.GateResult, plan.View, error) {
	p, err := e.PendingWith(l, name)
	if err != nil {
		return intake.GateResult{}, plan.View{}, err
	}
	state, err := e.RestoreLoaded(l, p.Needs(l.State))
	if err != nil {
		return intake.GateResult{}, plan.View{}, fmt.Errorf("load state: %w", err)
	}
	g, err := intake.Gate(state, p, core.NextHLC(state.Clock().HLC, a.now().UnixMilli()))
	if err != nil {
		return g, plan.View{}, err
	}
	in, err := e.ShowInput(l, g)
	if err != nil {
		return g, plan.View{}, err
	}
	in.Now = a.now()
	return g, plan.Build(in), nil
}

// renderGate prints a gate result as an indented explanation, with what
// is being decided (v.Details) before the guards.
func renderGate(w io.Writer, g intake.GateResult, v plan.View) {
	p := g.Pending
	fmt.Fprintf(w, "gate %s: %s\n", p.Branch, strings.ToUpper(string(g.Verdict)))
	fmt.Fprintf(w, "  why: %s\n", plan.Clean(g.Reason))
	for _, pr := range p.Problems {
		fmt.Fprintf(w, "  problem: %s\n", plan.Clean(pr))
	}
	v.Details(w)
	if len(g.Outcome.Guards) > 0 {
		fmt.Fprintln(w, "  guards:")
		for _, gr := range g.Outcome.Guards {
			mark := "✓"
			if !gr.Passed {
				mark = "✗"
			}
			fmt.Fprintf(w, "    %s %s: %s\n", mark, gr.Name, gr.Detail)
		}
	}
	if g.Outcome.Policy != nil {
		fmt.Fprintln(w, "  approvals:")
		var b strings.Builder
		plan.CleanResult(*g.Outcome.Policy).Render(&b)
		for _, line := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
			fmt.Fprintln(w, "    "+line)
		}
	}
	for _, ig := range g.Ignored() {
		by := "by " + plan.Clean(ig.Identity)
		if ig.Identity == "" {
			by = "(no identity read)"
		}
		fmt.Fprintf(w, "  ignored decision %s %s: %s\n", plan.Clean(short(ig.Commit)), by, plan.Clean(ig.Reason))
	}
}
