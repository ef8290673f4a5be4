package policies

import (
	"slices"
	"sort"
	"strings"
)

// Evaluate judges the facts against their policy and returns the
// explanation tree: a root of Kind "policy" whose Status is satisfied,
// pending or blocked, and whose Description says in one line what is still
// needed. Without Policy.Require the root's children are the rules in
// declared order; with it, the root has one child, the requirement tree.
//
// Evaluate is the only judge of who counts, overrides included: the root's
// Override is the break-glass override that stands in for an unsatisfied
// policy (see Facts.Overridable), and the root's Ignored lists every
// decision that changes nothing (an override that does not stand, an
// approval or rejection no rule counts), with its reason. The root's Status
// is the rules' alone: an override never makes it satisfied, and a decision
// that does not count never makes it pending or blocked.
//
// Evaluate is pure: no clock, no I/O, no goroutines, no dependence on map
// iteration order or on the order of Facts.Identities. The same facts give
// a deep-equal Result every time. Decision order matters only between
// decisions of one identity. Evaluate does not modify f.
func Evaluate(f Facts) Result {
	e := &evaluator{facts: &f, ix: newIndex(&f), rules: map[string]node{}}
	var kids []node
	if f.Policy.Require == nil {
		for _, r := range f.Policy.Rules {
			kids = append(kids, e.rule(r.Name))
		}
	} else {
		kids = []node{e.requirement(*f.Policy.Require, 0)}
	}
	root := combine(KindPolicy, f.Policy.Name, kids)
	root.res.Override, root.res.Ignored = judgeOverrides(&f, e.ix, root.res.Status)
	root.res.Ignored = append(root.res.Ignored, e.unused()...)
	sortVotes(root.res.Ignored)
	root.res.Description = describePolicy(root, e.quorumHints(root.res))
	return root.res
}

// unused lists the approvals and rejections that no evaluated rule counted
// or took as a blocker, each with the first reason a rule gave (or, when no
// rule applies, that none does).
func (e *evaluator) unused() []Vote {
	var out []Vote
	for i, d := range e.facts.Decisions {
		if d.Verdict == VerdictOverride || e.ix.used[i] {
			continue
		}
		why := e.ix.why[i]
		if why == "" {
			why = "no rule of the policy applies"
		}
		out = append(out, Vote{Identity: d.Identity, Verdict: d.Verdict, Commit: d.Commit, Content: d.Content, Ref: d.Ref, Reason: why})
	}
	return out
}

// sortVotes sorts votes by identity, keeping each identity's in decision
// order.
func sortVotes(votes []Vote) {
	sort.SliceStable(votes, func(i, j int) bool { return votes[i].Identity < votes[j].Identity })
}

// describePolicy writes the root's one-line summary: who approved, what is
// still needed (with stale approvals worth re-requesting, then the
// quorumHints given), or what blocks.
func describePolicy(root node, quorumHints []string) string {
	r := root.res
	switch r.Status {
	case StatusSatisfied:
		votes := r.CountedApprovals()
		if len(votes) == 0 {
			return "no approval required"
		}
		names := make([]string, len(votes))
		for i, v := range votes {
			names[i] = v.Identity
		}
		return "approved by " + strings.Join(names, ", ")
	case StatusPending:
		parts := []string{"needs " + root.need}
		parts = append(parts, staleHints(r)...)
		parts = append(parts, quorumHints...)
		return strings.Join(append(parts, overrideHints(r)...), "; ")
	default:
		return strings.Join(append(blockReasons(r), overrideHints(r)...), "; ")
	}
}

// overrideHints says, for each override that does not stand, why not:
// "bob's override does not count: lacks capability override".
func overrideHints(r Result) []string {
	var hints []string
	for _, v := range r.Ignored {
		if v.Verdict == VerdictOverride {
			hints = append(hints, v.Identity+"'s override does not count: "+v.Reason)
		}
	}
	return hints
}

// staleHints names, once each and sorted, the identities whose approval in
// a pending rule was on an older commit and who have no counted approval
// there: re-approving is all they need do.
func staleHints(r Result) []string {
	stale := map[string]bool{}
	var walk func(n Result)
	walk = func(n Result) {
		if n.Status != StatusPending {
			return
		}
		counted := map[string]bool{}
		for _, v := range n.Counted {
			counted[v.Identity] = true
		}
		for _, v := range n.NotCounted {
			if v.Verdict == VerdictApprove && v.Reason == ReasonOlderCommit && !counted[v.Identity] {
				stale[v.Identity] = true
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(r)
	names := make([]string, 0, len(stale))
	for name := range stale {
		names = append(names, name)
	}
	sort.Strings(names)
	hints := make([]string, len(names))
	for i, name := range names {
		hints[i] = name + "'s approval was on an older commit"
	}
	return hints
}

// blockReasons lists what blocks the policy, in tree order: each rejection
// once, with every rule it blocks ("rejected by erin (rules a, b): why"),
// then any part of the policy that is broken.
func blockReasons(r Result) []string {
	type rejection struct {
		who, why string
		rules    []string
	}
	var rejections []*rejection
	byKey := map[[2]string]*rejection{}
	var broken []string
	seenBroken := map[string]bool{}
	var walk func(n Result)
	walk = func(n Result) {
		if n.Status != StatusBlocked {
			return
		}
		for _, b := range n.Blockers {
			key := [2]string{b.Identity, b.Reason}
			rj := byKey[key]
			if rj == nil {
				rj = &rejection{who: b.Identity, why: b.Reason}
				byKey[key] = rj
				rejections = append(rejections, rj)
			}
			if !slices.Contains(rj.rules, n.Name) {
				rj.rules = append(rj.rules, n.Name)
			}
		}
		if len(n.Blockers) == 0 && len(n.Children) == 0 && !seenBroken[n.Description] {
			seenBroken[n.Description] = true
			broken = append(broken, n.Description)
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(r)
	var out []string
	for _, rj := range rejections {
		s := "rejected by " + rj.who + " (rule " + rj.rules[0] + ")"
		if len(rj.rules) > 1 {
			s = "rejected by " + rj.who + " (rules " + strings.Join(rj.rules, ", ") + ")"
		}
		if rj.why != "" {
			s += ": " + rj.why
		}
		out = append(out, s)
	}
	return append(out, broken...)
}
