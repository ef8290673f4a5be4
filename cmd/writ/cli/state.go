package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/cmd/writ/internal/index"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/schemas"
)

func (a *app) stateCommand() *cobra.Command {
	var asJSON bool
	var workflow, inState, owner string
	cmd := &cobra.Command{
		Use:   "state",
		Short: "List instances and their states",
		Long: `state prints every instance with its workflow, state (and region
sub-states), version, owner and instance hash (the base_state a proposal
must name) under a header, then the repository state hash. --workflow and
--state filter through the instance index; a workflow or state the rules in
force do not name (and no instance is in) is an error listing the known
ones. --owner keeps the instances of one owning team. After the table, a
"trigger of" line names what started each instance that records it (a
proposal's trigger:, or the pull request that carried a proposal naming
none; the first recorded stays), and instances that record what their proposals cost are summed per owner
and unit, exactly. --json prints the same as one object (writ schema output/state): each
instance with its trigger and cost, and "owners", the per-owner sums over
the instances listed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := a.engine()
			if err != nil {
				return err
			}
			res, err := a.state(e)
			if err != nil {
				return err
			}
			// Every instance is listed: restore every bucket of the
			// checkpoint the state came from.
			state, err := e.RestoreBuckets(res.State, res.Checkpoint, res.State.Unrestored())
			if err != nil {
				return fmt.Errorf("load state: %w", err)
			}
			idx, err := index.New(state)
			if err != nil {
				return err
			}
			all, err := idx.All()
			list := all
			switch {
			case workflow != "":
				list, err = idx.By("workflow", workflow)
			case inState != "":
				list, err = idx.By("state", inState)
			case owner != "":
				list, err = idx.By("owner", owner)
			}
			if err != nil {
				return err
			}
			rows := make([]stateRow, 0, len(list))
			for _, in := range list {
				if inState != "" && in.State != inState || owner != "" && in.Owner != owner {
					continue
				}
				hash, err := state.InstanceHash(in.ID)
				if err != nil {
					return err
				}
				rows = append(rows, stateRow{in, hash})
			}
			if len(rows) == 0 {
				if err := knownFilter(res.State.Rules(), workflow, inState); err != nil {
					return err
				}
				if err := knownOwner(all, owner); err != nil {
					return err
				}
			}
			listed := make([]*core.Instance, len(rows))
			for i, r := range rows {
				listed[i] = r.Instance
			}
			owners, err := core.CostByOwner(listed)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"state": res.State.Hash(), "main": res.Head.String(), "instances": rows, "owners": owners})
			}
			if err := writeStateTable(a.out, rows, owners); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "state %s (%d instances, %d entries)\n", res.State.Hash(), res.State.Len(), res.State.Entries())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&workflow, "workflow", "", "only instances of this workflow")
	cmd.Flags().StringVar(&inState, "state", "", "only instances in this state")
	cmd.Flags().StringVar(&owner, "owner", "", "only instances of this owning team")
	return cmd
}

// stateRow is one instance as writ state lists it.
type stateRow struct {
	*core.Instance
	Hash string `json:"hash"`
}

// writeStateTable writes the instance table, the "trigger of <instance>:"
// lines (what started each instance that records it) and the "cost of
// <owner>:" lines. The owner, the trigger and the cost units come from
// proposals anyone who can push a branch wrote: every character of theirs
// that is not printable is spelled out (printableText), so that no tab,
// escape sequence or bidi override can move a column or fake a line.
func writeStateTable(w io.Writer, rows []stateRow, owners []core.OwnerCost) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tWORKFLOW\tSTATE\tVERSION\tOWNER\tHASH")
	for _, r := range rows {
		owner := printableText(r.Owner)
		if owner == "" {
			owner = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\tv%d\t%s\t%s%s\n", printableText(r.ID), printableText(r.Workflow), printableText(r.State), r.Version, owner, r.Hash, regions(r.Regions))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rows {
		if r.Trigger != nil {
			fmt.Fprintf(w, "trigger of %s: %s\n", printableText(r.ID), triggerText(r.Trigger))
		}
	}
	for _, oc := range owners {
		if len(oc.Cost) > 0 {
			fmt.Fprintf(w, "cost of %s: %s\n", ownerName(oc.Owner), costText(oc.Cost))
		}
	}
	return nil
}

// triggerText writes a trigger as "<kind> <ref> <url>", leaving out what
// it does not name, every character that is not printable spelled out:
// a proposal's trigger comes from whoever wrote the proposal.
func triggerText(t *schemas.Trigger) string {
	parts := []string{printableText(string(t.Kind))}
	for _, v := range []string{t.Ref, t.URL} {
		if v != "" {
			parts = append(parts, printableText(v))
		}
	}
	return strings.Join(parts, " ")
}

// knownOwner is nil when owner is empty or some instance has it, else an
// error listing the owners there are.
func knownOwner(all []*core.Instance, owner string) error {
	if owner == "" {
		return nil
	}
	var owners []string
	for _, in := range all {
		if in.Owner == owner {
			return nil
		}
		if in.Owner != "" && !slices.Contains(owners, printableText(in.Owner)) {
			owners = append(owners, printableText(in.Owner))
		}
	}
	sort.Strings(owners)
	if len(owners) == 0 {
		return fmt.Errorf("--owner %s: no instance has an owner", printableText(owner))
	}
	return fmt.Errorf("--owner %s: no instance has this owner (owners: %s)", printableText(owner), strings.Join(owners, ", "))
}

// ownerName is an owner as the cost lines write it, spelled out where
// not printable.
func ownerName(owner string) string {
	if owner == "" {
		return "instances without an owner"
	}
	return printableText(owner)
}

// costText writes costs as "13.35 USD, 3400 tokens".
func costText(cs []schemas.Cost) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = printableText(c.Amount) + " " + printableText(c.Unit)
	}
	return strings.Join(parts, ", ")
}

func regions(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return "  [" + strings.Join(parts, " ") + "]"
}

// knownFilter is nil when the filters name a workflow and a state the
// rules declare, else an error listing the known ones. A state is known
// when a workflow (the filtered one, if any) declares it, or it is the
// built-in "quarantined".
func knownFilter(rules *schemas.Bundle, workflow, state string) error {
	if rules == nil {
		return nil
	}
	var workflows, states []string
	wfKnown, stateKnown := workflow == "", state == "" || state == "quarantined"
	for _, wf := range rules.Workflows {
		workflows = append(workflows, wf.Name)
		if workflow != "" && wf.Name != workflow {
			continue
		}
		wfKnown = wfKnown || wf.Name == workflow
		for _, st := range wf.States {
			states = append(states, st.Name)
			stateKnown = stateKnown || st.Name == state
		}
	}
	switch {
	case !wfKnown:
		return fmt.Errorf("--workflow %s: no such workflow in the rules in force (workflows: %s)", workflow, strings.Join(workflows, ", "))
	case !stateKnown:
		return fmt.Errorf("--state %s: no workflow declares that state (states: %s)", state, strings.Join(append(states, "quarantined"), ", "))
	}
	return nil
}
