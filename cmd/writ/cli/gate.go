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
}

// printGate evaluates and prints one proposal against what the command
// loaded, as JSON or as text. With exit set, the verdict becomes the exit
// code.
func (a *app) printGate(e *reconciler.Engine, l *reconciler.Loaded, name string, exit, asJSON bool) error {
	p, err := e.PendingWith(l, name)
	if err != nil {
		return err
	}
	state, err := e.RestoreLoaded(l, p.Needs(l.State))
	if err != nil {
		return fmt.Errorf("load state: %w", err)
	}
	g, err := intake.Gate(state, p, core.NextHLC(state.Clock().HLC, a.now().UnixMilli()))
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(a.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(gateJSON{Proposal: p.Branch, Verdict: g.Verdict, Reason: g.Reason, Proposer: p.Proposer,
			Subject: p.Subject, Guards: g.Outcome.Guards, Policy: g.Outcome.Policy, Ignored: g.Ignored(), Problems: p.Problems}); err != nil {
			return err
		}
	} else {
		renderGate(a.out, g)
	}
	if !exit {
		return nil
	}
	if code := verdictCode(g.Verdict); code != ExitOK {
		return &exitError{code: code}
	}
	return nil
}

// renderGate prints a gate result as an indented explanation.
func renderGate(w io.Writer, g intake.GateResult) {
	p := g.Pending
	fmt.Fprintf(w, "gate %s: %s\n", p.Branch, strings.ToUpper(string(g.Verdict)))
	fmt.Fprintf(w, "  why: %s\n", g.Reason)
	if p.Proposal != nil {
		fmt.Fprintf(w, "  proposal: %s/%s on instance %s by %s (commit %s)\n",
			p.Proposal.Workflow, p.Proposal.Transition, p.Proposal.Instance, p.Proposer, short(p.Subject.Commit))
	}
	for _, pr := range p.Problems {
		fmt.Fprintf(w, "  problem: %s\n", pr)
	}
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
		g.Outcome.Policy.Render(&b)
		for _, line := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
			fmt.Fprintln(w, "    "+line)
		}
	}
	for _, ig := range g.Ignored() {
		by := "by " + ig.Identity
		if ig.Identity == "" {
			by = "(no identity read)"
		}
		fmt.Fprintf(w, "  ignored decision %s %s: %s\n", short(ig.Commit), by, ig.Reason)
	}
}
