package policies

import (
	"fmt"
	"io"
	"strings"
)

// Render writes the tree as indented text for the CLI, one node per line
// with its votes beneath, for example:
//
//	✗ policy release-approval: pending — needs 1 more approval from role sre (rule sre-pair)
//	  ✗ rule sre-pair: pending — 1 of 2 approvals from role sre
//	      counted: alice (sre) on 3f2a1c9
//	      not counted: deploy-agent — agent cannot approve
//	  – rule security-signoff: skipped — input environment is "staging", rule needs "production"
//
// Commits are shortened to 7 characters. The output is a pure function of
// the Result. Write errors are ignored; Render makes a single Write.
func (r Result) Render(w io.Writer) {
	var b strings.Builder
	renderNode(&b, r, 0)
	_, _ = io.WriteString(w, b.String())
}

func renderNode(b *strings.Builder, r Result, depth int) {
	pad := strings.Repeat("  ", depth)
	fmt.Fprintf(b, "%s%s %s: %s", pad, symbol(r.Status), label(r), r.Status)
	if r.Description != "" {
		b.WriteString(" — " + r.Description)
	}
	b.WriteByte('\n')
	votePad := pad + "    "
	for _, v := range r.Counted {
		fmt.Fprintf(b, "%scounted: %s\n", votePad, voteText(v))
	}
	for _, v := range r.Blockers {
		fmt.Fprintf(b, "%srejected: %s", votePad, voteText(v))
		if v.Reason != "" {
			b.WriteString(" — " + v.Reason)
		}
		b.WriteByte('\n')
	}
	for _, v := range r.NotCounted {
		who := v.Identity
		if v.Verdict != VerdictApprove {
			who += fmt.Sprintf(" (%s)", v.Verdict)
		}
		fmt.Fprintf(b, "%snot counted: %s — %s\n", votePad, who, v.Reason)
	}
	if r.Override != nil {
		fmt.Fprintf(b, "%soverride: %s — %s\n", votePad, voteText(*r.Override), r.Override.Reason)
	}
	// Ignored approvals and rejections show under their rules; overrides
	// have no rule, so they show here.
	for _, v := range r.Ignored {
		if v.Verdict == VerdictOverride {
			fmt.Fprintf(b, "%signored: %s (override) — %s\n", votePad, v.Identity, v.Reason)
		}
	}
	for _, c := range r.Children {
		renderNode(b, c, depth+1)
	}
}

// RoleText is a vote's role as the explanation says it: the role itself,
// or for one counted through escalation "through escalation step 1
// (sre-lead, carol)".
func RoleText(role string) string {
	rest, ok := strings.CutPrefix(role, EscalatedRolePrefix)
	if !ok {
		return role
	}
	step, who, _ := strings.Cut(rest, ":")
	return "through escalation step " + step + " (" + strings.ReplaceAll(who, ",", ", ") + ")"
}

// voteText is "alice (sre) on 3f2a1c9".
func voteText(v Vote) string {
	s := v.Identity
	if v.Role != "" {
		s += " (" + RoleText(v.Role) + ")"
	}
	if v.Commit != "" {
		s += " on " + shortCommit(v.Commit)
	}
	return s
}

func shortCommit(c string) string {
	if len(c) > 7 {
		return c[:7]
	}
	return c
}

func symbol(s Status) string {
	switch s {
	case StatusSatisfied:
		return "✓"
	case StatusSkipped:
		return "–"
	default:
		return "✗"
	}
}
