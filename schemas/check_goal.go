package schemas

import (
	"fmt"
	"regexp"
	"slices"
)

// capabilityRE is the form of a capability name, as writ.yaml's schema
// spells it for identities: a verb, optionally scoped ("propose:release").
var capabilityRE = regexp.MustCompile(`^[a-z-]+(:[a-z0-9._-]+)?$`)

// capabilityHint says what a well-formed capability looks like.
const capabilityHint = "a verb such as 'confirm-block', optionally scoped as 'confirm-block:cve'"

// LoadGoal loads one goal and checks it on its own: max_depth in range,
// quorum counts and fields that fit its mode, durations that parse and
// well-formed, unique capability names. Its policy and capabilities are
// checked against the other files by LoadBundle. The goal is nil when
// there is any problem.
func LoadGoal(file string, data []byte) (*Goal, Problems) {
	var g Goal
	pos, ps := Decode(KindGoal, file, data, &g)
	if len(ps) > 0 {
		return nil, ps
	}
	if ps := checkGoal(&g, pos); len(ps) > 0 {
		return nil, finish(ps)
	}
	return &g, nil
}

// checkGoal runs the checks that need only the goal itself.
func checkGoal(g *Goal, pos *Positions) Problems {
	c := &checker{pos: pos}
	if g.Name == RulesInstance {
		c.at(At("name"), "goal name %q is reserved for rule changes; rename the goal", g.Name)
	}
	if pos.has(At("max_depth")) && (g.MaxDepth < 1 || g.MaxDepth > MaxGoalDepth) {
		c.at(At("max_depth"), "max_depth %d is out of range: use 1 to %d (default %d)", g.MaxDepth, MaxGoalDepth, DefaultMaxDepth)
	}
	c.duration(At("stall_after"), g.StallAfter)
	if g.Quorum != nil {
		c.checkQuorum(g.Quorum)
	}
	for _, a := range GoalActions() {
		if at := At("min_trust_level", string(a)); c.pos.has(at) {
			c.trustLevel(at, g.MinTrust(a))
		}
		caps := g.Capabilities.For(a)
		c.uniqueNames("capability", len(caps), func(i int) (string, Path) {
			return caps[i], At("capabilities", string(a), i)
		})
		for i, name := range caps {
			if !capabilityRE.MatchString(name) {
				c.at(At("capabilities", string(a), i), "capability %q is not well formed: %s", name, capabilityHint)
			}
		}
	}
	return c.problems
}

// checkQuorum checks a quorum's counts, durations and that each field it
// sets belongs to its mode.
func (c *checker) checkQuorum(q *Quorum) {
	at := func(field string) Path { return At("quorum", field) }
	mode := q.Mode
	if mode == "" {
		mode = QuorumMulti
	}
	only := func(field string, want QuorumMode) {
		if mode != want && c.pos.has(at(field)) {
			c.at(at(field), "%s is only for mode %s; this quorum's mode is %s", field, want, mode)
		}
	}
	only("min", QuorumMulti)
	only("max", QuorumMulti)
	only("on_short", QuorumMulti)
	only("trust_level", QuorumAny)
	atLeastOne := func(field string, n int) bool {
		if c.pos.has(at(field)) && n < 1 {
			c.at(at(field), "%s is %d; it must be at least 1", field, n)
			return false
		}
		return true
	}
	minOK := atLeastOne("min", q.Min)
	maxOK := atLeastOne("max", q.Max)
	atLeastOne("refutations", q.Refutations)
	if mode == QuorumMulti && minOK && maxOK && q.Max > 0 {
		if minimum := (&Goal{Quorum: q}).QuorumOrDefault().Min; q.Max < minimum {
			c.at(at("max"), "max %d is below min %d: a quorum could never be reached", q.Max, minimum)
		}
	}
	if mode == QuorumAny {
		if !c.pos.has(at("trust_level")) {
			c.at(At("quorum"), "mode any needs trust_level: the lowest trust level (%d to %d) whose confirmation counts", MinTrustLevel, MaxTrustLevel)
		} else {
			c.trustLevel(at("trust_level"), q.TrustLevel)
		}
	}
	c.duration(at("window"), q.Window)
	if q.OnShort != "" && q.Window == "" {
		c.at(at("on_short"), "on_short needs a window: it says what happens when the window closes under min")
	}
}

// duration reports a duration written at path that ParseDuration refuses.
func (c *checker) duration(path Path, s string) {
	if !c.pos.has(path) {
		return
	}
	if _, err := ParseDuration(s); err != nil {
		c.at(path, "invalid duration %q: %v", s, err)
	}
}

// trustLevel reports a trust level outside MinTrustLevel..MaxTrustLevel.
func (c *checker) trustLevel(path Path, n int) {
	if n < MinTrustLevel || n > MaxTrustLevel {
		c.at(path, "trust_level %d is out of range: use %d to %d", n, MinTrustLevel, MaxTrustLevel)
	}
}

// checkGoalNames reports every goal whose name is also a workflow's: a
// proposal's workflow field names a workflow or a goal, so the two share
// one namespace. The problem is at the goal's name.
func checkGoalNames(goals []loaded[Goal], workflows []loaded[Workflow]) Problems {
	var problems Problems
	for _, g := range goals {
		for _, w := range workflows {
			if w.v.Name == g.v.Name {
				problems = append(problems, g.pos.Problemf(At("name"),
					"goal name %q is also the name of a workflow (%s): names of goals and workflows share one namespace, since a proposal's workflow field names either; rename the goal or the workflow",
					g.v.Name, where(w.pos, At("name"), g.pos)))
			}
		}
	}
	return problems
}

// checkGoalPolicy checks that the policy a goal names exists. Names in
// known but not in policies (files that failed to load) pass silently.
func checkGoalPolicy(g *Goal, pos *Positions, policies, known []string) Problems {
	c := &checker{pos: pos}
	if g.Policy != "" && !slices.Contains(known, g.Policy) {
		c.at(At("policy"), "unknown policy %q (%s)", g.Policy, knownList("policies", policies))
	}
	return c.problems
}

// checkGoalAgainstConfig checks a goal against writ.yaml: every capability
// it names is carried by some identity, and its quorum can be reached by
// the identities that may confirm.
func checkGoalAgainstConfig(g *Goal, pos *Positions, cfg *Config) Problems {
	c := &checker{pos: pos}
	var carried []string
	for _, id := range cfg.Identities {
		for _, cp := range id.Capabilities {
			if !slices.Contains(carried, cp) {
				carried = append(carried, cp)
			}
		}
	}
	slices.Sort(carried)
	for _, a := range GoalActions() {
		for i, name := range g.Capabilities.For(a) {
			if capabilityRE.MatchString(name) && !slices.Contains(carried, name) {
				c.at(At("capabilities", string(a), i), "no identity in %s carries capability %q, so it lets nobody %s (%s)",
					ConfigFile, name, a, knownList("capabilities carried", carried))
			}
		}
	}
	for _, a := range GoalActions() {
		minimum := g.MinTrust(a)
		if minimum < MinTrustLevel || minimum > MaxTrustLevel {
			continue // none, or reported by checkGoal
		}
		may := mayAct(g, a, cfg, 0)
		if len(may) > 0 && len(mayAct(g, a, cfg, minimum)) == 0 {
			c.at(At("min_trust_level", string(a)), "no identity that may %s (%s) has trust_level %d or more: nobody could ever %s; lower min_trust_level.%s or raise an identity's trust_level in %s",
				a, namesOf(may), minimum, a, a, ConfigFile)
		}
	}
	confirmers := mayAct(g, ActionConfirm, cfg, g.MinTrust(ActionConfirm))
	if len(confirmers) == 0 {
		return c.problems // reported above, per capability or per minimum
	}
	atLevel := ""
	if m := g.MinTrust(ActionConfirm); m > 0 {
		atLevel = fmt.Sprintf(" at trust_level %d or above", m)
	}
	q := g.QuorumOrDefault()
	quorumAt := At("quorum")
	if !pos.has(quorumAt) {
		quorumAt = At("name")
	}
	switch q.Mode {
	case QuorumMulti:
		if q.OnShort != OnShortProceedDegraded && q.Min > len(confirmers) && q.Min >= 1 {
			c.at(quorumAt, "the quorum needs %d confirmations from distinct identities but only %d may confirm%s (%s): no block could ever be confirmed",
				q.Min, len(confirmers), atLevel, namesOf(confirmers))
		}
	case QuorumAny:
		if q.TrustLevel < MinTrustLevel || q.TrustLevel > MaxTrustLevel {
			break // reported by checkGoal
		}
		ok := slices.ContainsFunc(confirmers, func(id Identity) bool { return id.TrustLevel >= q.TrustLevel })
		if !ok {
			c.at(quorumAt, "no identity that may confirm (%s) has trust_level %d or more: no block could ever be confirmed",
				namesOf(confirmers), q.TrustLevel)
		}
	}
	return c.problems
}

// mayAct returns the identities of cfg that carry a capability allowing
// action a on goal g and have trust_level at least minimum (0: any).
func mayAct(g *Goal, a GoalAction, cfg *Config, minimum int) []Identity {
	var out []Identity
	for _, id := range cfg.Identities {
		if id.TrustLevel < minimum {
			continue
		}
		for _, cp := range g.Capabilities.For(a) {
			if id.HasCapability(cp) {
				out = append(out, id)
				break
			}
		}
	}
	return out
}

// namesOf joins the names of identities for a message.
func namesOf(ids []Identity) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id.Name
	}
	return knownList("identities", names)
}
