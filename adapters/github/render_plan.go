package github

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/reconciler/plan"
)

// planSection writes one proposal's part of the plan comment: the state
// change, the instance before and after, the guards, the approvals still
// needed, who is notified, and the statechart. Every line of user or
// rules text is escaped; the chart is fenced as mermaid.
func planSection(s *strings.Builder, r ProposalReport) {
	fmt.Fprintf(s, "#### %s: %s\n\n", codeSpan(r.Path), escapeText(r.Verdict))
	change := "no state change"
	if r.Change != "" {
		change = escapeText(oneLine(r.Change))
	}
	whySection(s, r)
	fmt.Fprintf(s, "- **state change:** %s\n", change)
	if r.Before != "" {
		fmt.Fprintf(s, "- **before:** %s\n", escapeText(oneLine(r.Before)))
	}
	if r.After != "" {
		fmt.Fprintf(s, "- **after:** %s\n", escapeText(oneLine(r.After)))
	}
	if len(r.Guards) > 0 {
		s.WriteString("- **guards:**\n")
		for _, g := range r.Guards {
			fmt.Fprintf(s, "  - %s\n", escapeText(oneLine(g)))
		}
	}
	if len(r.Needed) > 0 {
		s.WriteString("- **approvals still needed:**\n")
		for _, n := range r.Needed {
			fmt.Fprintf(s, "  - %s\n", escapeText(oneLine(n)))
		}
	} else if r.Before != "" || r.After != "" {
		s.WriteString("- **approvals still needed:** none\n")
	}
	switch {
	case len(r.Notifications) > 0:
		s.WriteString("- **notifies:**\n")
		for _, n := range r.Notifications {
			fmt.Fprintf(s, "  - %s\n", escapeText(oneLine(n)))
		}
	case r.NotifyNote != "":
		fmt.Fprintf(s, "- **notifies:** nobody: %s\n", escapeText(oneLine(r.NotifyNote)))
	default:
		s.WriteString("- **notifies:** nobody\n")
	}
	if r.Plan != "" {
		fmt.Fprintf(s, "- **plan:** %s (to approve exactly this plan, put the line %s in your review)\n",
			codeSpan(r.Plan), codeSpan(PlanTrailer+" "+r.Plan))
	}
	s.WriteString("\n")
	filesSection(s, r)
	if chart := strings.TrimRight(r.Chart, "\n"); chart != "" && !strings.Contains(chart, "```") {
		s.WriteString("```mermaid\n" + truncate(chart, 20000) + "\n```\n\n")
	}
}

// whySection writes the proposal's own words: justification, evidence
// and inputs, each neutralised (plan.Clean) and escaped.
func whySection(s *strings.Builder, r ProposalReport) {
	if r.Justification != "" {
		fmt.Fprintf(s, "- **justification:** %s\n", escapeText(plan.Clean(oneLine(r.Justification))))
	}
	if len(r.Evidence) > 0 {
		s.WriteString("- **evidence:**\n")
		for _, e := range r.Evidence {
			fmt.Fprintf(s, "  - %s\n", escapeText(plan.Clean(oneLine(e))))
		}
	}
	if len(r.Inputs) > 0 {
		s.WriteString("- **inputs:**\n")
		for _, in := range r.Inputs {
			fmt.Fprintf(s, "  - %s\n", codeSpan(plan.Clean(in)))
		}
	}
	if r.Judge != "" {
		fmt.Fprintf(s, "- **judged by:** %s\n", escapeText(oneLine(r.Judge)))
	}
}

// filesSection writes the diff of every changed file of a rules change,
// each folded in a details block and fenced as diff.
func filesSection(s *strings.Builder, r ProposalReport) {
	if len(r.Files) == 0 {
		return
	}
	s.WriteString("- **changed files:**\n\n")
	for _, f := range r.Files {
		fmt.Fprintf(s, "<details><summary>%s (%s)</summary>\n\n", escapeText(oneLine(f.Path)), escapeText(oneLine(f.Change)))
		if diff := strings.TrimRight(f.Diff, "\n"); diff != "" {
			lines := strings.Split(truncate(diff, 20000), "\n")
			for i, l := range lines {
				lines[i] = plan.CleanKeepTabs(l)
			}
			diff = strings.Join(lines, "\n")
			ticks := strings.Repeat("`", max(3, longestRun(diff, '`')+1))
			s.WriteString(ticks + "diff\n" + diff + "\n" + ticks + "\n\n")
		}
		if f.Note != "" {
			fmt.Fprintf(s, "%s\n\n", escapeText(oneLine(f.Note)))
		}
		s.WriteString("</details>\n\n")
	}
}
