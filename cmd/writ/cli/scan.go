package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/goalview"
	"github.com/writ-dev/writ/reconciler/plan"
	"github.com/writ-dev/writ/schemas"
)

func (a *app) scanCommand() *cobra.Command {
	var asJSON bool
	var at string
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Report stalled lineages, conflicting next steps and ambiguous completions",
		Long: `scan reads the goal lineages in the log and reports what needs a human:

  stall      a lineage not done in which no task completed and no block
             changed for longer than its goal's stall_after
  conflict   open blocks on one task that name different prerequisites and
             were declared by disjoint sets of identities
  ambiguity  a done lineage with a block still claimed or confirmed

Each finding carries the proposal an identity could make of it: a
declare-block for a stall or a conflict (the lineage, its hash as
base_state, the task and a prerequisite naming the finding), a
refute-block of the open block for an ambiguity (an ended lineage takes no
declarations); scan has no authority and writes nothing, so a finding
counts only once someone proposes it like any other goal action.

Time is measured at the wall clock, or at --at (RFC 3339). --json prints
the findings as one object (writ schema output/scan).

Exit codes: 0 no findings, 2 findings for a human to look at (as gate
signals a proposal waiting for one), 1 an error.

Examples:
  writ scan
  writ scan --at 2026-12-06T12:00:00Z
  writ scan --json | jq -r '.findings[0].suggest' > unstall.yaml
  writ propose --as alice --file unstall.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			now := a.now()
			if at != "" {
				t, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return fmt.Errorf("--at %q: want an RFC 3339 time such as 2026-12-06T12:00:00Z", at)
				}
				now = t
			}
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
			var goals []schemas.Goal
			if rules := state.Rules(); rules != nil {
				goals = rules.Goals
			}
			hlc := core.HLC{Wall: now.UnixMilli()}
			findings := goalview.Scan(views, goals, hlc)
			if asJSON {
				if err := a.printJSON(goalview.ToScanJSON(hlc, findings)); err != nil {
					return err
				}
				return scanExit(findings)
			}
			a.printFindings(views, findings)
			return scanExit(findings)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&at, "at", "", "measure stalls at this RFC 3339 time instead of now")
	return cmd
}

// scanExit is scan's outcome: nil with no findings, else ExitWaiting
// (nothing printed: the findings are the message).
func scanExit(findings []goalview.Finding) error {
	if len(findings) == 0 {
		return nil
	}
	return &exitError{code: ExitWaiting}
}

// printFindings writes scan's text: one paragraph per finding (kind,
// lineage, task, blocks, detail and the suggested proposal, indented), or
// why there is nothing.
func (a *app) printFindings(views []core.LineageView, findings []goalview.Finding) {
	if len(views) == 0 {
		fmt.Fprintln(a.out, "no lineages")
		return
	}
	if len(findings) == 0 {
		fmt.Fprintf(a.out, "nothing found in %d %s\n", len(views), plural(len(views), "lineage"))
		return
	}
	for i, f := range findings {
		if i > 0 {
			fmt.Fprintln(a.out)
		}
		fmt.Fprintf(a.out, "%s in lineage %s, task %s\n", strings.ToUpper(string(f.Kind)), plan.Clean(f.Lineage), goalview.ShortID(f.Task))
		if len(f.Blocks) > 0 {
			short := make([]string, len(f.Blocks))
			for j, b := range f.Blocks {
				short[j] = goalview.ShortID(b)
			}
			fmt.Fprintf(a.out, "  blocks: %s\n", strings.Join(short, ", "))
		}
		fmt.Fprintf(a.out, "  %s\n", plan.Clean(f.Detail))
		fmt.Fprintf(a.out, "  suggested %s (scan proposes nothing; propose it to make it count):\n", suggestedAction(f.Suggest))
		for _, l := range strings.Split(strings.TrimRight(f.Suggest, "\n"), "\n") {
			fmt.Fprintf(a.out, "    %s\n", plan.CleanKeepTabs(l))
		}
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// suggestedAction names the goal action a suggestion proposes (its
// transition line), "proposal" when it cannot tell.
func suggestedAction(suggest string) string {
	for _, l := range strings.Split(suggest, "\n") {
		if tr, ok := strings.CutPrefix(l, "transition: "); ok {
			return plan.Clean(tr)
		}
	}
	return "proposal"
}
