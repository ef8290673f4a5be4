package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable renders reports as a table, one row per repo, then how each
// figure compares with its target.
func WriteTable(w io.Writer, reports []*Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "entries\tcommits\tsignatures\treplay\tµs/entry\tread alone\tverify alone\tratio\tCPU s: replay/read/verify\tshow-signature*\tspeedup\tpropose\treconcile (max)\tpeak RSS\t")
	for _, r := range reports {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0f\t%s\t%s\t%.2f×\t%.2f/%.2f/%.2f\t%s\t%.0f×\t%s\t%s (%s)\t%s\t\n",
			group(r.Entries), group(r.Commits), group(r.Signatures), secs(r.Replay), r.Replay/float64(r.Entries)*1e6,
			secs(r.ReadAlone), secs(r.VerifyAlone), r.Ratio(), r.ReplayCPU, r.ReadCPU, r.VerifyCPU, secs(r.ShowSignature), r.Speedup(),
			ms(r.Propose), ms(r.Reconcile), ms(r.ReconcileMax), mb(r.PeakRSS))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(reports) == 0 {
		return nil
	}
	r0 := reports[0]
	fmt.Fprintf(w, "\nreplay: `writ replay` in process, every entry verified and applied; read alone: `git log --format='%%H %%B' main`;\n")
	fmt.Fprintf(w, "verify alone: the same signatures, extracted beforehand, verified on %d cores; ratio = replay / (read + verify);\n", r0.Cores)
	fmt.Fprintf(w, "* `git log --show-signature` on the newest %d commits, extrapolated to all commits; speedup = that / replay;\n", r0.ShowSignatureSample)
	fmt.Fprintf(w, "propose, reconcile: median of %d one-entry rounds on top of the repo (checkpoint at head); peak RSS: %s.\n", r0.Incremental, r0.RSSSource)
	fmt.Fprintf(w, "Timings are the fastest of %d runs (replay and its two baselines in interleaved rounds); 1-minute load average %.1f before, %.1f after.\n\n", r0.Repeat, r0.LoadBefore, r0.LoadAfter)
	writeBranches(w, reports)
	for _, r := range reports {
		var checks []string
		checks = append(checks, verdict(r.Ratio() <= TargetRatio, "replay %.2f× (read+verify), target ≤ %.1f×", r.Ratio(), TargetRatio))
		checks = append(checks, verdict(r.Speedup() >= TargetSpeedup, "%.0f× faster than git log --show-signature, target ≥ %d×", r.Speedup(), TargetSpeedup))
		checks = append(checks, verdict(r.ReconcileMax < TargetReconcile, "reconcile %s (max %s), target < %s", ms(r.Reconcile), ms(r.ReconcileMax), ms(TargetReconcile)))
		checks = append(checks, verdict(r.PeakRSS < TargetPeakRSS, "peak RSS %s, target < %s at 100,000 entries", mb(r.PeakRSS), mb(TargetPeakRSS)))
		if b := r.Branches; b != nil {
			checks = append(checks, verdict(b.Noop < TargetNoopReconcile, "no-op reconcile %s with %s closed branches, target < %s", ms(b.Noop), group(b.Count), ms(TargetNoopReconcile)))
			checks = append(checks, verdict(b.OneEntryMax < TargetOneEntryWithPruned, "one-entry reconcile %s (max %s) with them, target < %s", ms(b.OneEntry), ms(b.OneEntryMax), ms(TargetOneEntryWithPruned)))
		}
		fmt.Fprintf(w, "%s entries: %s\n", group(r.Entries), strings.Join(checks, "; "))
	}
	return nil
}

func verdict(ok bool, format string, args ...any) string {
	mark := "MISSED"
	if ok {
		mark = "ok"
	}
	return fmt.Sprintf(format, args...) + " " + mark
}

// secs formats seconds with three significant digits (at least one
// decimal), so ratios can be checked from the printed figures.
func secs(s float64) string {
	switch {
	case s < 1:
		return fmt.Sprintf("%.3fs", s)
	case s < 10:
		return fmt.Sprintf("%.2fs", s)
	}
	return fmt.Sprintf("%.1fs", s)
}

func ms(s float64) string { return fmt.Sprintf("%.1fms", s*1000) }

func mb(b int64) string {
	if b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MB", float64(b)/1e6)
}

// group renders n with thousands separators.
func group(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
