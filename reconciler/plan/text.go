package plan

import (
	"fmt"
	"io"
	"strings"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// Text writes the whole view for a terminal: a header with the verdict
// and why, then Details, then the guards. Every untrusted string is
// neutralised (Clean); nothing is coloured.
func (v View) Text(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "proposal %s: %s\n", Clean(v.Proposal), strings.ToUpper(string(v.Verdict)))
	fmt.Fprintf(&b, "  why: %s\n", Clean(v.Reason))
	for _, pr := range v.Problems {
		fmt.Fprintf(&b, "  problem: %s\n", Clean(pr))
	}
	v.details(&b)
	if len(v.Guards) > 0 {
		b.WriteString("  guards:\n")
		writeGuards(&b, v.Guards, "    ")
	}
	_, _ = io.WriteString(w, b.String())
}

// Details writes what is decided, indented by two spaces: the move,
// proposer and signer, justification, evidence, inputs, the instance
// before and after, what each rule still needs, the judging policy and,
// for a rules change, the diff of every changed file. `writ gate` prints
// it between its verdict and its guards.
func (v View) Details(w io.Writer) {
	var b strings.Builder
	v.details(&b)
	_, _ = io.WriteString(w, b.String())
}

func (v View) details(b *strings.Builder) {
	switch v.Kind {
	case KindRules:
		fmt.Fprintf(b, "  rules change: %s\n", Clean(v.Path))
	case KindRecover:
		fmt.Fprintf(b, "  recovery: %s\n", Clean(v.Path))
	default:
		if v.Transition != "" {
			fmt.Fprintf(b, "  transition: %s on instance %s (workflow %s)\n", Clean(v.Transition), Clean(v.Instance), Clean(v.Workflow))
		}
	}
	if v.Proposer != "" {
		fmt.Fprintf(b, "  proposer: %s\n", Clean(v.Proposer))
	}
	if s := v.Signer; s != nil {
		fmt.Fprintf(b, "  signer: %s", Clean(s.Identity))
		if s.Signer != "" {
			fmt.Fprintf(b, " (signer %s)", Clean(s.Signer))
		}
		if s.Format != "" {
			fmt.Fprintf(b, ", %s %s", Clean(s.Format), Clean(s.Fingerprint))
		}
		if s.Subject != "" {
			fmt.Fprintf(b, ", certificate %s", Clean(s.Subject))
		}
		if s.Issuer != "" {
			fmt.Fprintf(b, " issued by %s", Clean(s.Issuer))
		}
		fmt.Fprintf(b, ", commit %s\n", shortHash(v.Commit))
	}
	if v.Justification == "" {
		b.WriteString("  justification: (none given)\n")
	} else {
		b.WriteString("  justification:\n")
		for _, l := range cleanLines(v.Justification) {
			fmt.Fprintf(b, "    | %s\n", l)
		}
	}
	if len(v.Evidence) > 0 {
		b.WriteString("  evidence:\n")
		for _, e := range v.Evidence {
			fmt.Fprintf(b, "    - %s", Clean(e.Name))
			if e.URI != "" {
				fmt.Fprintf(b, ": %s", Clean(e.URI))
			}
			if e.Digest != "" {
				fmt.Fprintf(b, " (%s)", Clean(e.Digest))
			}
			b.WriteByte('\n')
		}
	}
	if len(v.Inputs) > 0 {
		b.WriteString("  inputs:\n")
		for _, in := range v.Inputs {
			fmt.Fprintf(b, "    %s = %s\n", Clean(in.Name), Clean(in.Value))
		}
	}
	if v.Kind == KindGoal {
		fmt.Fprintf(b, "  lineage: %s, goal %s (writ goals --lineage %s shows its tree)\n", Clean(v.Instance), Clean(v.Workflow), Clean(v.Instance))
	}
	if v.Kind == KindTransition && (v.Before != nil || v.After != nil || v.Transition != "") {
		fmt.Fprintf(b, "  state: %s\n", Clean(v.move()))
		fmt.Fprintf(b, "    before: %s\n", Clean(v.Before.String()))
		after := v.After.String()
		if v.After == nil {
			after = "(none: the workflow allows no such move)"
		}
		fmt.Fprintf(b, "    after:  %s\n", Clean(after))
	}
	if j := v.Judge; j != nil {
		what := "policy"
		if j.Governance {
			what = "governance policy"
		}
		fmt.Fprintf(b, "  judged by: %s %s, version %s, of the rules in force %s\n", what, Clean(j.Policy), j.Version, j.Rules)
		if j.Description != "" {
			fmt.Fprintf(b, "    %s\n", Clean(j.Description))
		}
	}
	switch {
	case len(v.Needs) > 0:
		b.WriteString("  still needed:\n")
		for _, n := range v.Needs {
			if n.Status == policies.StatusBlocked {
				fmt.Fprintf(b, "    - rule %s (blocked): %s\n", Clean(n.Rule), Clean(n.Description))
				continue
			}
			fmt.Fprintf(b, "    - rule %s (%s, %d more): %s\n", Clean(n.Rule), n.Status, n.Needed, Clean(n.Description))
		}
	case v.Judge != nil && (v.Verdict == "ready" || v.Verdict == "rejected"):
		b.WriteString("  still needed: nothing\n")
	}
	if v.Waiting != nil {
		fmt.Fprintf(b, "  %s\n", Clean(v.Waiting.String()))
	}
	if v.WaitsBehind != "" {
		fmt.Fprintf(b, "  %s\n", Clean(v.WaitsBehind))
	}
	if len(v.Files) > 0 {
		b.WriteString("  changed files:\n")
		for _, f := range v.Files {
			writeFile(b, f)
		}
	}
	if v.Plan != "" {
		fmt.Fprintf(b, "  plan: %s\n", v.Plan)
	}
}

// move is "before → after by transition", or what stops the move.
func (v View) move() string {
	switch {
	case v.After == nil:
		return fmt.Sprintf("%s: no move by %s", v.Before, v.Transition)
	case !v.Moves:
		return fmt.Sprintf("none: rejected, %s stays in %s", v.Instance, v.Before)
	}
	return fmt.Sprintf("%s → %s by %s", v.Before, v.After, v.Transition)
}

func writeFile(b *strings.Builder, f FileDiff) {
	fmt.Fprintf(b, "    %s (%s, %d → %d bytes)\n", Clean(f.Path), f.Change, f.OldSize, f.NewSize)
	if f.Binary {
		b.WriteString("      (binary file: no diff shown)\n")
		return
	}
	for _, l := range strings.Split(strings.TrimRight(f.Diff, "\n"), "\n") {
		if l != "" {
			fmt.Fprintf(b, "      %s\n", CleanKeepTabs(l))
		}
	}
	if f.Truncated {
		fmt.Fprintf(b, "      … diff truncated: %d of %d lines shown\n", strings.Count(f.Diff, "\n"), f.Lines)
	}
}

func writeGuards(b *strings.Builder, guards []core.GuardResult, pad string) {
	for _, g := range guards {
		mark := "✓"
		if !g.Passed {
			mark = "✗"
		}
		fmt.Fprintf(b, "%s%s %s: %s\n", pad, mark, Clean(g.Name), Clean(g.Detail))
	}
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// DecideHint writes, for a waiting proposal, the command that decides on
// exactly this plan (`writ approve P --plan DIGEST`); nothing otherwise.
func (v View) DecideHint(w io.Writer) {
	if v.Plan == "" || v.Verdict != intake.VerdictWaiting {
		return
	}
	fmt.Fprintf(w, "  to decide on exactly this plan: writ approve %s --as YOU --plan %s (or --reject)\n",
		Clean(strings.TrimPrefix(v.Proposal, schemas.ProposalBranchPrefix)), v.Plan)
}
