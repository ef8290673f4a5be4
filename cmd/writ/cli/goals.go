package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/cmd/writ/internal/readgc"
	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/goalview"
)

func (a *app) goalsCommand() *cobra.Command {
	var asJSON bool
	var lineage string
	cmd := &cobra.Command{
		Use:   "goals",
		Short: "Show goal lineages as trees: tasks, blocks and who decided them",
		Long: `goals prints every lineage of every goal as a tree: a header (lineage id,
goal, who started it, active or done, tasks complete), then the terminal
task at the root and under each task its prerequisites, a barrier's
members under the barrier. Each task line shows its short id (the first 12
hex digits of its id), type, payload, depth and status, then the block
that leads to it: its status (a degraded confirmation with its shortfall),
who declared, confirmed, refuted and resolved it. A vote that did not
count follows on its own line with the reason, such as a trust level
below the goal's minimum. Writes nothing.

--lineage ID prints that lineage only. --json prints the lineages as one
object (writ schema output/goals).

Examples:
  writ goals
  writ goals --lineage rel-1
  writ goals --json | jq '.lineages[] | select(.done | not) | .id'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			defer readgc.Pause()()
			e, err := a.engine()
			if err != nil {
				return err
			}
			state, err := a.goalState(e)
			if err != nil {
				return err
			}
			var views []core.LineageView
			if lineage == "" {
				if views, err = state.Lineages(); err != nil {
					return fmt.Errorf("load lineages: %w", err)
				}
			} else {
				v, ok, err := state.Lineage(lineage)
				switch {
				case err != nil:
					return fmt.Errorf("load lineage %s: %w", lineage, err)
				case !ok:
					return fmt.Errorf("--lineage %s: no such lineage (writ goals lists them)", lineage)
				}
				views = []core.LineageView{v}
			}
			if asJSON {
				return a.printJSON(goalview.ToGoalsJSON(views))
			}
			return goalview.Tree(a.out, views)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&lineage, "lineage", "", "only this lineage")
	return cmd
}

// goalState is the verified state at main with every bucket that may hold
// a goal's lineage restored (and checked, as writ state restores them):
// what the goal views read. Buckets of workflow instances only are not
// read.
func (a *app) goalState(e *reconciler.Engine) (core.State, error) {
	res, err := a.state(e)
	if err != nil {
		return core.State{}, err
	}
	state, err := e.RestoreBuckets(res.State, res.Checkpoint, res.State.GoalBuckets())
	if err != nil {
		return core.State{}, fmt.Errorf("load state: %w", err)
	}
	return state, nil
}
