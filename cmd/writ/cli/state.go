package cli

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/writ-dev/writ/cmd/writ/internal/index"
	"github.com/writ-dev/writ/reconciler/core"
)

func (a *app) stateCommand() *cobra.Command {
	var asJSON bool
	var workflow, inState string
	cmd := &cobra.Command{
		Use:   "state",
		Short: "List instances and their states",
		Long: `state prints every instance with its workflow, state (and region
sub-states), version and instance hash (the base_state a proposal must name),
then the repository state hash. --workflow and --state filter through the
instance index.`,
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
			list, err := idx.All()
			switch {
			case workflow != "":
				list, err = idx.By("workflow", workflow)
			case inState != "":
				list, err = idx.By("state", inState)
			}
			if err != nil {
				return err
			}
			type row struct {
				*core.Instance
				Hash string `json:"hash"`
			}
			rows := make([]row, 0, len(list))
			for _, in := range list {
				if inState != "" && in.State != inState {
					continue
				}
				hash, err := state.InstanceHash(in.ID)
				if err != nil {
					return err
				}
				rows = append(rows, row{in, hash})
			}
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"state": res.State.Hash(), "main": res.Head.String(), "instances": rows})
			}
			for _, r := range rows {
				fmt.Fprintf(a.out, "%-20s %-12s %-14s v%-3d %s%s\n", r.ID, r.Workflow, r.State, r.Version, r.Hash, regions(r.Regions))
			}
			fmt.Fprintf(a.out, "state %s (%d instances, %d entries)\n", res.State.Hash(), res.State.Len(), res.State.Entries())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&workflow, "workflow", "", "only instances of this workflow")
	cmd.Flags().StringVar(&inState, "state", "", "only instances in this state")
	return cmd
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
