package github

import (
	"fmt"
	"strings"
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
	s.WriteString("\n")
	if chart := strings.TrimRight(r.Chart, "\n"); chart != "" && !strings.Contains(chart, "```") {
		s.WriteString("```mermaid\n" + truncate(chart, 20000) + "\n```\n\n")
	}
}
