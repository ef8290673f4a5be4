package bench

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// writeBranches renders the reconciles timed with closed proposal
// branches, each also as a ratio to the one-entry reconcile of the same
// run without branches (the baseline).
func writeBranches(w io.Writer, reports []*Report) {
	any := false
	for _, r := range reports {
		any = any || r.Branches != nil
	}
	if !any {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "entries\tclosed branches\tno-op, kept\tprune once\tno-op\tone entry (max)\tbaseline\tkept/baseline\tno-op/baseline\tone entry/baseline\t")
	for _, r := range reports {
		b := r.Branches
		if b == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s (%s)\t%s\t%.2f×\t%.2f×\t%.2f×\t\n",
			group(r.Entries), group(b.Count), ms(b.NoopKept), ms(b.Prune), ms(b.Noop), ms(b.OneEntry), ms(b.OneEntryMax), ms(r.Reconcile),
			b.NoopKept/r.Reconcile, b.Noop/r.Reconcile, b.OneEntry/r.Reconcile)
	}
	_ = tw.Flush()
	fmt.Fprintln(w, "\nclosed branches: one proposal branch per proposal on main (applied or rejected), packed; no-op, kept: fastest reconcile")
	fmt.Fprintln(w, "that keeps them (--keep-branches, what every run paid before pruning); prune once: the reconcile that deletes them;")
	fmt.Fprintln(w, "no-op and one entry: medians after that, in process, each opening the repository afresh; baseline: the one-entry")
	fmt.Fprintln(w, "reconcile above, measured in the same run on a repository without branches.")
	fmt.Fprintln(w)
}
