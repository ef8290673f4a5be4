package schemas

import (
	"fmt"
	"sort"
	"strings"
)

// checkConfig runs the checks that need only writ.yaml.
func checkConfig(cfg *Config, pos *Positions) Problems {
	c := &checker{pos: pos}
	roles := c.uniqueNames("role", len(cfg.Roles), func(i int) (string, Path) {
		return cfg.Roles[i], At("roles", i)
	})
	ids := c.uniqueNames("identity", len(cfg.Identities), func(i int) (string, Path) {
		return cfg.Identities[i].Name, At("identities", i, "name")
	})
	for i, id := range cfg.Identities {
		if pos.has(At("identities", i, "trust_level")) {
			c.trustLevel(At("identities", i, "trust_level"), id.TrustLevel)
		}
		for j, role := range id.Roles {
			if _, ok := roles[role]; !ok {
				c.at(At("identities", i, "roles", j), "unknown role %q (%s)", role, knownList("roles", cfg.Roles))
			}
		}
	}
	c.checkSigners(cfg)
	c.checkNotifications(cfg)
	logins := map[string]string{}
	for i, id := range cfg.Identities {
		if id.GitHub == "" {
			continue
		}
		login := strings.ToLower(id.GitHub)
		if first, dup := logins[login]; dup {
			c.at(At("identities", i, "github"), "github login %q is already identity %q's", id.GitHub, first)
			continue
		}
		logins[login] = id.Name
	}
	if cfg.GitHub != nil {
		teamRoles := make([]string, 0, len(cfg.GitHub.RoleTeams))
		for role := range cfg.GitHub.RoleTeams {
			teamRoles = append(teamRoles, role)
		}
		sort.Strings(teamRoles)
		for _, role := range teamRoles {
			if _, ok := roles[role]; !ok {
				c.at(At("github", "role_teams", role), "unknown role %q (%s)", role, knownList("roles", cfg.Roles))
			}
		}
	}
	if _, ok := ids[cfg.Reconciler.Identity]; !ok {
		c.at(At("reconciler", "identity"), "unknown identity %q (%s)",
			cfg.Reconciler.Identity, knownList("identities", identityNames(cfg)))
	}
	return c.problems
}

func identityNames(cfg *Config) []string {
	names := make([]string, len(cfg.Identities))
	for i, id := range cfg.Identities {
		names[i] = id.Name
	}
	return names
}

// eligibleApprovers lists the human identities that can count towards r:
// humans holding one of r.Roles or named in r.Identities, or every human
// when both lists are empty. Agents never approve.
func eligibleApprovers(cfg *Config, r *Rule) []string {
	var out []string
	for _, id := range cfg.Identities {
		if r.Admits(id) {
			out = append(out, id.Name)
		}
	}
	return out
}

// checkPolicyAgainstConfig checks a policy's roles and identities against
// writ.yaml, and that every rule can be satisfied by the humans declared.
func checkPolicyAgainstConfig(p *Policy, pos *Positions, cfg *Config) Problems {
	c := &checker{pos: pos}
	for i := range p.Rules {
		r := &p.Rules[i]
		for j, role := range r.Roles {
			if !contains(cfg.Roles, role) {
				c.at(At("rules", i, "roles", j), "unknown role %q (%s)", role, knownList("roles", cfg.Roles))
			}
		}
		for j, name := range r.Identities {
			id, ok := (&Bundle{Config: *cfg}).Identity(name)
			switch {
			case !ok:
				c.at(At("rules", i, "identities", j), "unknown identity %q (%s)", name, knownList("identities", identityNames(cfg)))
			case id.Kind == IdentityAgent:
				c.at(At("rules", i, "identities", j), "identity %q is an agent; agents never count as approvers", name)
			}
		}
		needs := At("rules", i, "count")
		if r.Quorum != nil {
			needs = At("rules", i, "quorum")
		}
		switch eligible := eligibleApprovers(cfg, r); {
		case len(eligible) == 0:
			c.at(needs, "rule %q can never be satisfied: no human identity is eligible to approve%s", r.Name, trustNote(r))
		case r.Approvals() > len(eligible):
			c.at(needs, "rule %q can never be satisfied: it needs %d approvals but only %d human identities are eligible (%s)%s",
				r.Name, r.Approvals(), len(eligible), strings.Join(eligible, ", "), trustNote(r))
		}
	}
	c.checkEscalateAgainstConfig(At(), p.Escalate, cfg)
	return c.problems
}

// trustNote says, for a rule with a minimum trust level or an any quorum,
// that it counts only approvals at that level or above.
func trustNote(r *Rule) string {
	if r.ApprovalTrustLevel() == 0 {
		return ""
	}
	return fmt.Sprintf(" at trust_level %d or above", r.ApprovalTrustLevel())
}
