package github

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// ProposalReport is one proposal's result as the caller (the engine) has
// already worded it. The renderers take only strings so that they do not
// depend on engine types.
type ProposalReport struct {
	// Path is the proposal file, e.g. proposals/web-1/ship.yaml.
	Path string
	// Verdict is the gate's verdict: ready, waiting, rejected, refused or
	// merged.
	Verdict string
	// Reason is the verdict's one-line reason ("needs 1 more approval from
	// role sre; alice's approval was on an older commit").
	Reason string
	// Guards are one line per guard outcome ("capability pass: deploy-agent
	// holds propose:release").
	Guards []string
	// Explanation is the policy's explanation tree, rendered as text.
	Explanation string
	// Change is the state change applying it would make ("web-1: approved
	// → released"); empty if none.
	Change string
	// Before and After are the instance's state before and after applying
	// it, regions included ("verifying (security: scanning, tests:
	// passed)"); empty when unknown. Before is "(none)" for an instance the
	// proposal creates.
	Before, After string
	// Needed are the approvals still needed, one line per unsatisfied rule;
	// empty when none are.
	Needed []string
	// Notifications are the notifications applying it would send, one line
	// each.
	Notifications []string
	// NotifyNote says what the workflow declares about notifications, shown
	// when Notifications is empty ("workflow release declares no
	// notifications").
	NotifyNote string
	// Chart is the workflow's statechart in Mermaid (stateDiagram-v2) with
	// the current and next state highlighted; empty for none.
	Chart string
	// Justification, Evidence ("name: uri (digest)") and Inputs ("name =
	// canonical JSON value") are the proposal's own words, unescaped.
	Justification string
	Evidence      []string
	Inputs        []string
	// Judge names the policy that judges the proposal in the rules in
	// force, with its version (for a rules change: the governance policy
	// of the rules before it); empty when none does.
	Judge string
	// Files are the changed governed files of a rules change, each with
	// its unified diff against main.
	Files []FileChange
	// Plan is the digest of the plan shown (plan.View.Plan), which a
	// review binds to with a "Writ-Plan:" line; empty once applied.
	Plan string
}

// FileChange is one changed file of a rules change: its path, how it
// changes (added, modified, deleted), its unified diff, and a note when
// the diff is cut or not shown.
type FileChange struct {
	Path, Change, Diff, Note string
}

// CheckOutput is a rendered check run. An empty Conclusion means in
// progress.
type CheckOutput struct {
	Conclusion string
	Title      string
	Summary    string
	Text       string
}

// verdictRank orders verdicts from best to worst; the check run shows the
// worst. An unknown verdict ranks with waiting.
var verdictRank = map[string]int{"merged": 0, "ready": 1, VerdictHeld: 2, "waiting": 3, "withdrawn": 4, "rejected": 4, "refused": 5}

// VerdictHeld is the check run's verdict for a proposal judged ready that
// writ will not apply from this pull request (a fork's, a draft, a
// read-only run): neutral, never success.
const VerdictHeld = "held"

func rank(v string) int {
	if r, ok := verdictRank[v]; ok {
		return r
	}
	return verdictRank["waiting"]
}

// Conclusion maps a gate verdict to a check run conclusion: ready and
// merged succeed, rejected and refused fail, waiting is "" (the run stays
// in progress until a human acts), and anything else (held and withdrawn
// included) is neutral.
func Conclusion(verdict string) string {
	switch verdict {
	case "ready", "merged":
		return "success"
	case "rejected", "refused":
		return "failure"
	case "waiting":
		return ""
	}
	return "neutral"
}

// RenderCheck renders writ's check run for one head: the worst verdict
// decides the conclusion; the title names it; the summary is a table of
// every proposal; the text explains each (reason, guards, explanation
// tree). Free text from users (reasons, justifications) is escaped, and
// blocks are fenced, so no review body can inject Markdown, HTML or
// @-mentions. Output fits GitHub's limits. It is pure.
func RenderCheck(repository, head string, reports []ProposalReport) CheckOutput {
	rs := sortedReports(reports)
	out := CheckOutput{Conclusion: "success"}
	if len(rs) == 0 {
		out.Conclusion = "neutral"
		out.Title = "no proposals"
		out.Summary = fmt.Sprintf("**%s** found no proposal in this pull request at `%s`.\n", escapeText(CheckName(repository)), short(head))
		return out
	}
	worst := rs[0].Verdict
	counts := map[string]int{}
	for _, r := range rs {
		counts[r.Verdict]++
		if rank(r.Verdict) > rank(worst) {
			worst = r.Verdict
		}
	}
	out.Conclusion = Conclusion(worst)
	if len(rs) == 1 {
		out.Title = truncate(oneLine(rs[0].Verdict+": "+rs[0].Reason), 200)
	} else {
		var parts []string
		for _, v := range sortedKeys(counts) {
			parts = append(parts, fmt.Sprintf("%d %s", counts[v], v))
		}
		out.Title = fmt.Sprintf("%d proposals: %s", len(rs), strings.Join(parts, ", "))
	}

	var sum strings.Builder
	fmt.Fprintf(&sum, "**%s** judged head `%s`.\n\n", escapeText(CheckName(repository)), short(head))
	sum.WriteString("| proposal | verdict | reason |\n|---|---|---|\n")
	for _, r := range rs {
		fmt.Fprintf(&sum, "| %s | **%s** | %s |\n", codeSpan(r.Path), escapeText(r.Verdict), escapeText(oneLine(r.Reason)))
	}
	out.Summary = truncate(sum.String(), maxCheckField)

	var text strings.Builder
	for i, r := range rs {
		section := renderSection(r)
		if text.Len()+len(section) > maxCheckField-200 {
			fmt.Fprintf(&text, "\n… %d more proposals not shown; run `writ gate` for each.\n", len(rs)-i)
			break
		}
		text.WriteString(section)
	}
	out.Text = text.String()
	return out
}

// renderSection is one proposal's part of the check run text.
func renderSection(r ProposalReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s: %s\n\n", codeSpan(r.Path), escapeText(r.Verdict))
	if r.Reason != "" {
		fmt.Fprintf(&b, "%s\n\n", escapeText(oneLine(r.Reason)))
	}
	if len(r.Guards) > 0 {
		b.WriteString("**Guards**\n\n")
		b.WriteString(fence(strings.Join(r.Guards, "\n")))
	}
	if strings.TrimSpace(r.Explanation) != "" {
		b.WriteString("**Policy**\n\n")
		b.WriteString(fence(strings.TrimRight(r.Explanation, "\n")))
	}
	return b.String()
}

// RenderPlan renders the body of the plan comment (PlanMarker first): for
// each proposal, its verdict, the state change it would make and the
// notifications it would send. It is pure.
func RenderPlan(repository, head string, reports []ProposalReport) string {
	rs := sortedReports(reports)
	var b strings.Builder
	b.WriteString(PlanMarker + "\n")
	fmt.Fprintf(&b, "### writ plan for %s at `%s`\n\n", codeSpan(repository), short(head))
	if len(rs) == 0 {
		b.WriteString("This pull request adds no proposal.\n")
		return b.String()
	}
	for i, r := range rs {
		var s strings.Builder
		planSection(&s, r)
		if b.Len()+s.Len() > maxCommentBody-200 {
			fmt.Fprintf(&b, "… %d more proposals not shown.\n", len(rs)-i)
			break
		}
		b.WriteString(s.String())
	}
	b.WriteString("_This comment is edited in place on every run._\n")
	return b.String()
}

func sortedReports(reports []ProposalReport) []ProposalReport {
	rs := append([]ProposalReport(nil), reports...)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Path < rs[j].Path })
	return rs
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if rank(keys[i]) != rank(keys[j]) {
			return rank(keys[i]) > rank(keys[j])
		}
		return keys[i] < keys[j]
	})
	return keys
}

// escapeText makes user text inert in GitHub Markdown: punctuation that
// could start emphasis, links, HTML, headings or table cells is
// backslash-escaped, and an @ gets a zero-width space after it so it never
// mentions anyone.
func escapeText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '#', '~', '!', '&':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '@':
			b.WriteString("@\u200b")
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// codeSpan wraps s in an inline code span with enough backticks, and
// escapes pipes (GitHub tables split on them even inside code).
func codeSpan(s string) string {
	s = strings.ReplaceAll(oneLine(s), "|", `\|`)
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return ticks + pad + s + pad + ticks
}

// fence puts s in a fenced text block longer than any backtick run in it,
// capped so one block cannot crowd out the rest.
func fence(s string) string {
	s = truncate(s, 20000)
	ticks := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return ticks + "text\n" + s + "\n" + ticks + "\n\n"
}

func longestRun(s string, c rune) int {
	best, n := 0, 0
	for _, r := range s {
		if r == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "\n… (truncated)"
	cut := max(0, n-len(mark))
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
