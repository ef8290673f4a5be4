package github

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	writplan "github.com/writ-dev/writ/reconciler/plan"
	"github.com/writ-dev/writ/schemas"
	"github.com/writ-dev/writ/schemas/chart"
)

// withPlan fills the plan comment's part of a pull request's report from
// what the loop computed (the gate's Plan, guards and policy result) and
// the workflow in rules (the rules in force, whose hash is rulesHash):
// the proposal's justification, evidence and inputs, the judging policy,
// for a rules change the diff of every changed file against old (their
// bytes on main, intake.MainFiles), the instance before and after, the
// approvals still needed, the notifications, and the statechart. It
// judges nothing.
func withPlan(rep ProposalReport, p PullResult, rules *schemas.Bundle, rulesHash string, old map[string][]byte) ProposalReport {
	g := p.Gate
	v := writplan.Build(writplan.Input{Gate: g, Rules: rules, RulesHash: rulesHash, Old: old})
	if p.Applied || g.Verdict == intake.VerdictMerged {
		// main already holds it: the rules in force and main's files are
		// its own, so neither a judge nor a diff against them would say
		// what was decided.
		v.Judge, v.Files, v.Plan = nil, nil, ""
	}
	rep = withWhy(rep, v)
	plan := g.Plan
	if plan == nil {
		return rep
	}
	rep.Before, rep.After = "(none: the proposal creates it)", "(none: the workflow allows no such move)"
	if plan.Before != nil {
		rep.Before = describeInstance(plan.Before)
	}
	if plan.After != nil {
		rep.After = describeInstance(plan.After)
	}
	switch {
	case g.Verdict == intake.VerdictRefused || g.Verdict == intake.VerdictMerged:
		// Nothing will change: say what was judged, not a move.
	case g.Entry.Kind == core.KindReject && plan.Before != nil && plan.After != nil && plan.After.State != plan.Before.State:
		rep.Change = fmt.Sprintf("rejected, on_reject: %s (%s): %s → %s", plan.Instance, plan.Workflow, stateOf(plan.Before), describeInstance(plan.After))
	case g.Entry.Kind == core.KindReject && plan.Before != nil:
		rep.Change = fmt.Sprintf("none: rejected, %s stays in %s", plan.Instance, plan.Before.State)
	case g.Entry.Kind == core.KindWithdraw:
		rep.Change = "none: withdrawn"
	case plan.After != nil:
		rep.Change = fmt.Sprintf("%s (%s): %s → %s by %s", plan.Instance, plan.Workflow, stateOf(plan.Before), describeInstance(plan.After), plan.Transition)
	}
	rep.Needed = stillNeeded(g.Outcome.Policy)
	rep.NotifyNote = fmt.Sprintf("workflow %s declares no notifications", plan.Workflow)
	rep.Notifications = gitHubEffects(p)
	if rules == nil {
		return rep
	}
	if wf, ok := rules.Workflow(plan.Workflow); ok {
		rep.Chart = chart.Mermaid(wf, writplan.HighlightOf(plan, g.Entry.Kind != core.KindReject))
	}
	return rep
}

// gitHubEffects says what writ itself will tell on GitHub when it applies
// the proposal (the workflow declares nothing more).
func gitHubEffects(p PullResult) []string {
	n := "pull request #" + strconv.Itoa(p.Number)
	switch {
	case p.Applied && p.Gate.Verdict == intake.VerdictRejected:
		return []string{n + ": closed, with a comment naming who rejected it and why"}
	case p.Applied && p.Gate.Verdict == intake.VerdictWithdrawn:
		return []string{n + ": closed, with a comment naming who withdrew it and why"}
	case p.Applied:
		return []string{n + ": shown merged, its head being part of main"}
	case p.Gate.Verdict == intake.VerdictRejected && p.Held == "":
		return []string{n + ": closed once the rejection is recorded, with a comment naming who rejected it and why"}
	}
	return nil
}

// stateOf is an instance's state, "(none)" before it exists.
func stateOf(in *core.Instance) string {
	if in == nil {
		return "(none)"
	}
	return describeInstance(in)
}

// describeInstance is "state" or "state (region: sub, ...)", regions in
// name order.
func describeInstance(in *core.Instance) string {
	if len(in.Regions) == 0 {
		return in.State
	}
	names := make([]string, 0, len(in.Regions))
	for r := range in.Regions {
		names = append(names, r)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, r := range names {
		parts[i] = r + ": " + in.Regions[r]
	}
	return in.State + " (" + strings.Join(parts, ", ") + ")"
}

// stillNeeded lists the rules of a policy result that are not satisfied,
// with the policy's own words; nil when none is.
func stillNeeded(r *policies.Result) []string {
	if r == nil || r.Status == policies.StatusSatisfied {
		return nil
	}
	var out []string
	var walk func(n policies.Result)
	walk = func(n policies.Result) {
		if n.Kind == policies.KindRule && (n.Status == policies.StatusPending || n.Status == policies.StatusBlocked) {
			out = append(out, fmt.Sprintf("rule %s (%s): %s", n.Name, n.Status, n.Description))
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(*r)
	if len(out) == 0 {
		out = []string{fmt.Sprintf("policy %s (%s): %s", r.Name, r.Status, r.Description)}
	}
	return out
}

// withWhy copies into rep the parts of what an approver sees (the plan
// package's View) that the plan comment shows beside the move.
func withWhy(rep ProposalReport, v writplan.View) ProposalReport {
	rep.Justification = v.Justification
	for _, e := range v.Evidence {
		line := e.Name
		if e.URI != "" {
			line += ": " + e.URI
		}
		if e.Digest != "" {
			line += " (" + e.Digest + ")"
		}
		rep.Evidence = append(rep.Evidence, line)
	}
	for _, in := range v.Inputs {
		rep.Inputs = append(rep.Inputs, in.Name+" = "+in.Value)
	}
	rep.Plan = v.Plan
	if j := v.Judge; j != nil {
		what := "policy"
		if j.Governance {
			what = "governance policy"
		}
		rep.Judge = fmt.Sprintf("%s %s, version %s, of the rules in force %s", what, j.Policy, j.Version, j.Rules)
	}
	for _, f := range v.Files {
		fc := FileChange{Path: f.Path, Change: f.Change, Diff: f.Diff}
		switch {
		case f.Binary:
			fc.Note = fmt.Sprintf("binary file (%d → %d bytes): no diff shown", f.OldSize, f.NewSize)
		case f.Truncated:
			fc.Note = fmt.Sprintf("diff truncated: %d of %d lines shown", strings.Count(f.Diff, "\n"), f.Lines)
		}
		rep.Files = append(rep.Files, fc)
	}
	return rep
}
