package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/goalview"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/plan"
	"github.com/writ-dev/writ/schemas/chart"
)

func (a *app) graphCommand() *cobra.Command {
	var instance, next, proposal, format, goal string
	cmd := &cobra.Command{
		Use:   "graph (WORKFLOW | --goal ID)",
		Short: "Draw a workflow's statechart or a goal lineage (mermaid, dot or svg)",
		Long: `graph draws WORKFLOW of the rules in force as a statechart: states,
parallel regions, and transitions labelled with their names.

--instance ID highlights the instance's current state (and the sub-state of
each region); --next TRANSITION highlights where that transition would take
it; --proposal P highlights both from the pending proposal P (its instance,
and where it moves it once approved). --format picks the output: mermaid
(stateDiagram-v2), dot (Graphviz) or svg (laid out by writ itself: no
external tool, no network). It writes nothing to the repository.

--goal ID draws a goal lineage instead of a workflow (ID: a lineage id, or
the name of a goal that has exactly one lineage): one node per task,
labelled with its type and short id and coloured by status (complete
green, actionable blue, blocked yellow, proposed and dismissed grey and
dashed), one arrow per block from the waiting task to its prerequisite,
labelled with the block's status (dashed unless confirmed or resolved),
and an arrow "member" from a barrier to each member.

Examples:
  writ graph release --instance web-1 --format svg > web-1.svg
  writ graph --goal rel-1 --format dot | dot -Tpng > rel-1.png`,
		Args: func(cmd *cobra.Command, args []string) error {
			if goal != "" {
				if len(args) > 0 || instance != "" || next != "" || proposal != "" {
					return fmt.Errorf("--goal draws a lineage: give it without a WORKFLOW, --instance, --next or --proposal")
				}
				return nil
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "mermaid" && format != "dot" && format != "svg" {
				return fmt.Errorf("--format %q: want mermaid, dot or svg", format)
			}
			if goal != "" {
				return a.graphGoal(goal, format)
			}
			if proposal != "" && (instance != "" || next != "") {
				return fmt.Errorf("--proposal derives the instance and the next state: give it without --instance and --next")
			}
			if next != "" && instance == "" {
				return fmt.Errorf("--next needs --instance")
			}
			e, err := a.engine()
			if err != nil {
				return err
			}
			l, err := e.Load()
			if err != nil {
				return err
			}
			a.noteForeign(l)
			wf, found := l.Rules.Workflow(args[0])
			if !found {
				return fmt.Errorf("no workflow %q in the rules in force", args[0])
			}
			var h chart.Highlight
			switch {
			case proposal != "":
				g, _, err := a.judge(e, l, proposal)
				if err != nil {
					return err
				}
				if g.Plan == nil || g.Plan.Workflow != wf.Name {
					return fmt.Errorf("proposal %s moves no instance of workflow %s", proposal, wf.Name)
				}
				h = plan.HighlightOf(g.Plan, g.Entry.Kind != core.KindReject && g.Verdict != intake.VerdictRefused && g.Verdict != intake.VerdictMerged)
			case instance != "":
				state, err := e.RestoreLoaded(l, l.State.Missing(instance))
				if err != nil {
					return fmt.Errorf("load state: %w", err)
				}
				in, ok, err := state.Instance(instance)
				if err != nil {
					return fmt.Errorf("load state: %w", err)
				}
				if !ok && next == "" {
					return fmt.Errorf("no instance %q (give --next with a creating transition to draw where it would start)", instance)
				}
				if ok && in.Workflow != wf.Name {
					return fmt.Errorf("instance %s follows workflow %s, not %s", instance, in.Workflow, wf.Name)
				}
				p := &core.Plan{Instance: instance, Workflow: wf.Name}
				if ok {
					p.Before = in
				}
				if next != "" {
					if p, err = plan.Preview(state, wf.Name, instance, next); err != nil {
						return err
					}
					if p.After == nil {
						return fmt.Errorf("transition %s does not move instance %s from %s", next, instance, describe(p.Before))
					}
				}
				h = plan.HighlightOf(p, true)
			}
			var out string
			switch format {
			case "mermaid":
				out = chart.Mermaid(wf, h)
			case "dot":
				out = chart.DOT(wf, h)
			default:
				out = chart.SVG(wf, h)
			}
			_, err = io.WriteString(a.out, out)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&instance, "instance", "", "highlight this instance's current state")
	f.StringVar(&next, "next", "", "with --instance: highlight where this transition would take it")
	f.StringVar(&proposal, "proposal", "", "highlight the current and next state of a pending proposal")
	f.StringVar(&format, "format", "mermaid", "output format: mermaid, dot or svg")
	f.StringVar(&goal, "goal", "", "draw this goal lineage (a lineage id, or a goal with one lineage) instead of a workflow")
	return cmd
}

// graphGoal draws lineage id in format.
func (a *app) graphGoal(id, format string) error {
	e, err := a.engine()
	if err != nil {
		return err
	}
	state, err := a.goalState(e)
	if err != nil {
		return err
	}
	views, err := state.Lineages()
	if err != nil {
		return fmt.Errorf("load lineages: %w", err)
	}
	out, err := goalview.Graph(views, id, format)
	if err != nil {
		return fmt.Errorf("--goal %s: %w", id, err)
	}
	_, err = io.WriteString(a.out, out)
	return err
}

// describe is an instance's state, "(none)" before it exists.
func describe(in *core.Instance) string {
	if in == nil {
		return "(none)"
	}
	return in.State
}
