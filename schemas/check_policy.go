package schemas

import (
	"path"
	"slices"
)

// checkPolicy runs the checks that need only the policy itself.
func checkPolicy(p *Policy, pos *Positions) Problems {
	c := &checker{pos: pos}
	rules := c.uniqueNames("rule", len(p.Rules), func(i int) (string, Path) {
		return p.Rules[i].Name, At("rules", i, "name")
	})
	names := make([]string, len(p.Rules))
	for i, r := range p.Rules {
		names[i] = r.Name
		if r.Quorum != nil {
			c.checkRuleQuorum(r.Quorum, At("rules", i, "quorum"))
		}
		if r.If == nil {
			continue
		}
		for k := range r.If.Inputs {
			c.checkCondition(&r.If.Inputs[k], At("rules", i, "if", "inputs", k))
		}
		for k, pat := range r.If.ChangedFiles {
			if _, err := path.Match(pat, ""); err != nil {
				c.at(At("rules", i, "if", "changed_files", k), "invalid file pattern %q: %v", pat, err)
			}
		}
	}
	c.checkTimeout(At(), p.Timeout, p.OnTimeout)
	c.checkEscalate(At(), p.Escalate, p.Timeout)
	if p.Require != nil {
		used := map[string]bool{}
		c.checkRequirement(p.Require, At("require"), rules, names, used)
		for i, r := range p.Rules {
			if first := rules[r.Name]; first == i && !used[r.Name] {
				c.at(At("rules", i, "name"), "rule %q is never used: require does not name it", r.Name)
			}
		}
	}
	return c.problems
}

func (c *checker) checkRequirement(q *Requirement, qp Path, rules map[string]int, names []string, used map[string]bool) {
	if q.Rule != "" {
		at := qp
		if c.pos.has(child(qp, "rule")) {
			at = child(qp, "rule")
		}
		if _, ok := rules[q.Rule]; !ok {
			c.at(at, "unknown rule %q (%s)", q.Rule, knownList("rules", names))
		}
		used[q.Rule] = true
	}
	for i := range q.All {
		c.checkRequirement(&q.All[i], At(append(slices.Clone(qp), "all", i)...), rules, names, used)
	}
	for i := range q.Any {
		c.checkRequirement(&q.Any[i], At(append(slices.Clone(qp), "any", i)...), rules, names, used)
	}
}

// checkRuleQuorum checks the quorum of a policy rule, at qp: the fields its
// mode uses, and none of those that have no meaning for approvals. The
// schema has checked the ranges of min and trust_level.
func (c *checker) checkRuleQuorum(q *Quorum, qp Path) {
	mode := q.Mode
	if mode == "" {
		mode = QuorumMulti
	}
	refuse := func(field, msg string) {
		if c.pos.has(child(qp, field)) {
			c.at(child(qp, field), msg, field)
		}
	}
	refuse("max", "max is meaningless for approvals: every approval from a distinct eligible human counts and more never undo a quorum; remove %s")
	for _, field := range []string{"window", "on_short"} {
		refuse(field, "time limits on approvals are not supported yet: remove %s; the rule waits for its approvals however long they take")
	}
	refuse("refutations", "refutations is for goal quorums: in a policy one rejection by an eligible human blocks the rule; remove %s")
	if mode != QuorumMulti && c.pos.has(child(qp, "min")) {
		c.at(child(qp, "min"), "min is only for mode multi; this quorum's mode is %s", mode)
	}
	switch {
	case mode != QuorumAny && c.pos.has(child(qp, "trust_level")):
		c.at(child(qp, "trust_level"), "trust_level is only for mode any; this quorum's mode is %s (use min_trust_level to count only humans at a level)", mode)
	case mode == QuorumAny && !c.pos.has(child(qp, "trust_level")):
		c.at(qp, "mode any needs trust_level: the lowest trust level (%d to %d) whose approval alone satisfies the rule", MinTrustLevel, MaxTrustLevel)
	}
}
