package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/reconciler"
	"github.com/writ-dev/writ/reconciler/audit"
)

func (a *app) showCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show PROPOSAL | ENTRY",
		Short: "Show what a proposal decides, for its approvers, or what a WAL entry decided, for auditors",
		Long: `show PROPOSAL prints what an approver of proposals/<PROPOSAL> decides: the
proposer and the signature of its commit, the justification, evidence and
inputs, the instance's state before and after (regions included), the
guards, what each rule of the policy still needs and the policy that judges
it (name, version and the rules in force), and for a rules change the
unified diff of every changed file against main.

show ENTRY explains a WAL entry from the repository alone (a clone, offline):
it replays and verifies main up to the entry, then prints its kind, commit,
clock and signer, who proposed it (the signed proposal commit) and with what
words, the instance's state before and after, the guards, the policy that
judged it with its version and the rules in force, and every decision: the
verdict, the decider and role, the justification, the commit and content it
covers, where it is recorded, and the plan its decider was shown, compared
with the entry's plan recomputed from the clone. Then it re-renders that
plan as writ show PROPOSAL printed it before any decision (for a rules
change, with the diff of every changed file).

PROPOSAL is INSTANCE/NAME or proposals/INSTANCE/NAME (a proposal branch);
ENTRY is any revision git resolves to a commit on main's first-parent
history: a full or abbreviated hash, main~2. An argument that names both is
refused as ambiguous: give the entry's full hash. Text a proposer or decider
chose is printed inert: control characters and escapes are spelled out.

It writes nothing. Exit codes: 0 shown (whatever the verdict), 1 error (no
such proposal or entry, an ambiguous name, a WAL that does not verify), 4
ENTRY is, or follows, a commit writ did not write.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := a.engine()
			if err != nil {
				return err
			}
			target, err := e.ResolveShow(args[0])
			if err != nil {
				return err
			}
			if !target.Proposal {
				return a.showEntry(e, target.Entry, asJSON)
			}
			l, err := e.Load()
			if err != nil {
				return err
			}
			a.noteForeign(l)
			g, view, err := a.judge(e, l, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(view)
			}
			view.Text(a.out)
			if t := g.Pending.Tracking; t != "" {
				fmt.Fprintf(a.out, "  read from %s: there is no local branch (writ approve sets one up)\n", strings.TrimPrefix(t, "refs/remotes/"))
			}
			view.DecideHint(a.out)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the view as JSON")
	return cmd
}

// showEntry prints WAL entry h as `writ show ENTRY` does.
func (a *app) showEntry(e *reconciler.Engine, h plumbing.Hash, asJSON bool) error {
	en, err := e.AuditEntry(h)
	if err != nil {
		return err
	}
	if asJSON {
		return a.printJSON(en)
	}
	printEntry(a.out, en)
	return nil
}

// printEntry writes an entry's audit text and, when it has one, the plan
// its deciders were shown, indented under a heading.
func printEntry(w io.Writer, en audit.Entry) {
	en.Text(w)
	if en.Shown == nil {
		return
	}
	var b strings.Builder
	en.Shown.Text(&b)
	if len(en.Decisions) > 0 {
		fmt.Fprintf(w, "  what the deciders were shown (re-rendered from this repository: plan %s, as writ show printed it before any decision):\n", en.Plan)
	} else {
		fmt.Fprintf(w, "  its plan (re-rendered from this repository: plan %s; no decision was recorded):\n", en.Plan)
	}
	for _, l := range strings.SplitAfter(strings.TrimRight(b.String(), "\n"), "\n") {
		fmt.Fprintf(w, "    %s", l)
	}
	fmt.Fprintln(w)
}
