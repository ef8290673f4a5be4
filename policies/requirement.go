package policies

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// Limits on a requirement tree. YAML cannot express a cycle, but Go values
// can (a slice holding itself); a deeper or larger tree is treated as broken
// (blocked), so evaluation always ends quickly.
const (
	maxDepth = 32
	maxNodes = 4096
)

// node is a Result under construction, plus the phrase that says what it
// still needs (only when pending), used to write the policy's one-line
// summary. parts counts the alternatives or conjuncts in need and join is
// how they were joined, so a parent knows when to add parentheses.
type node struct {
	res   Result
	need  string
	parts int
	join  string
}

const (
	joinAnd = " and "
	joinOr  = " or "
)

// evaluator evaluates each rule at most once per Evaluate, however often
// the requirement tree names it.
type evaluator struct {
	facts *Facts
	ix    *index
	rules map[string]node
	nodes int // requirement nodes visited, capped by maxNodes
}

func (e *evaluator) rule(name string) node {
	if n, ok := e.rules[name]; ok {
		return n
	}
	for _, r := range e.facts.Policy.Rules {
		if r.Name == name {
			n := evalRule(r, e.facts, e.ix)
			e.rules[name] = n
			return n
		}
	}
	return broken(KindRule, name, fmt.Sprintf("policy names unknown rule %q", name))
}

// requirement evaluates one node of Policy.Require. It is pure.
func (e *evaluator) requirement(req schemas.Requirement, depth int) node {
	e.nodes++
	switch {
	case depth > maxDepth:
		return broken(KindAll, "", fmt.Sprintf("requirements nest deeper than %d", maxDepth))
	case e.nodes > maxNodes:
		return broken(KindAll, "", fmt.Sprintf("requirements have more than %d nodes", maxNodes))
	}
	set := 0
	for _, s := range []bool{req.Rule != "", req.All != nil, req.Any != nil} {
		if s {
			set++
		}
	}
	if set != 1 {
		return broken(KindRule, req.Rule, "requirement must set exactly one of rule, all, any")
	}
	switch {
	case req.Rule != "":
		return e.rule(req.Rule)
	case req.All != nil:
		return combine(KindAll, "", e.each(req.All, depth))
	default:
		return combine(KindAny, "", e.each(req.Any, depth))
	}
}

func (e *evaluator) each(reqs []schemas.Requirement, depth int) []node {
	out := make([]node, len(reqs))
	for i, r := range reqs {
		out[i] = e.requirement(r, depth+1)
	}
	return out
}

// broken is a node that cannot be satisfied because the policy itself is
// wrong. It fails closed: blocked until someone fixes the policy.
func broken(kind Kind, name, why string) node {
	return node{res: Result{Name: name, Kind: kind, Status: StatusBlocked, Description: why}}
}

// combine judges an "all", an "any" or the policy root (which behaves as an
// "all") from its children:
//   - any blocked child blocks it;
//   - "all": satisfied when every child is satisfied or skipped;
//   - "any": satisfied when some child is satisfied, skipped when every
//     child is skipped (also when it has none), pending otherwise.
func combine(kind Kind, name string, kids []node) node {
	n := node{res: Result{Name: name, Kind: kind}}
	var satisfied, pending, blocked []Result
	var needs []node
	for _, k := range kids {
		n.res.Children = append(n.res.Children, k.res)
		switch k.res.Status {
		case StatusSatisfied:
			satisfied = append(satisfied, k.res)
		case StatusPending:
			pending = append(pending, k.res)
			needs = append(needs, k)
		case StatusBlocked:
			blocked = append(blocked, k.res)
		}
	}
	unsatisfied := append(append([]Result(nil), pending...), blocked...)

	switch {
	case len(blocked) > 0:
		n.res.Status = StatusBlocked
	case kind == KindAny && len(satisfied) > 0:
		n.res.Status = StatusSatisfied
	case kind == KindAny && len(pending) == 0:
		n.res.Status = StatusSkipped
	case len(pending) > 0:
		n.res.Status = StatusPending
	default:
		n.res.Status = StatusSatisfied
	}

	if n.res.Status == StatusPending || n.res.Status == StatusBlocked {
		for i, u := range unsatisfied {
			switch {
			case kind != KindAny:
				n.res.Needed += u.Needed
			case i == 0 || u.Needed < n.res.Needed:
				n.res.Needed = u.Needed
			}
		}
	}

	join := joinAnd
	if kind == KindAny {
		join = joinOr
	}
	if n.res.Status == StatusPending {
		phrases := make([]string, len(needs))
		for i, k := range needs {
			phrases[i] = k.need
			if len(needs) > 1 && k.parts > 1 && k.join != join {
				phrases[i] = "(" + k.need + ")"
			}
		}
		if len(needs) == 1 {
			n.parts, n.join = needs[0].parts, needs[0].join
		} else {
			n.parts, n.join = len(needs), join
		}
		n.need = strings.Join(phrases, join)
	}

	if kind == KindPolicy {
		return n // the policy root describes itself from the whole tree
	}
	switch n.res.Status {
	case StatusBlocked:
		n.res.Description = "blocked by " + labels(blocked)
	case StatusPending:
		n.res.Description = "needs " + n.need
	case StatusSkipped:
		n.res.Description = "every option skipped"
	case StatusSatisfied:
		if kind == KindAny {
			n.res.Description = "satisfied by " + label(satisfied[0])
		} else {
			n.res.Description = "every requirement satisfied or skipped"
		}
	}
	return n
}

// label names a node in a description: "rule sre-pair", "all", "any".
func label(r Result) string {
	if r.Kind == KindRule || r.Kind == KindPolicy {
		return string(r.Kind) + " " + r.Name
	}
	return string(r.Kind)
}

func labels(rs []Result) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = label(r)
	}
	return strings.Join(out, ", ")
}
