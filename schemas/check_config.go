package schemas

import (
	"bytes"
	"strings"

	"golang.org/x/crypto/ssh"
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
	type keyOwner struct {
		identity int
		path     Path
	}
	keys := map[string]keyOwner{}
	for i, id := range cfg.Identities {
		for j, role := range id.Roles {
			if _, ok := roles[role]; !ok {
				c.at(At("identities", i, "roles", j), "unknown role %q (%s)", role, knownList("roles", cfg.Roles))
			}
		}
		for j, s := range id.Signers {
			path := At("identities", i, "signers", j, "ssh")
			key, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(s.SSH))
			if err != nil {
				msg := strings.TrimPrefix(err.Error(), "ssh: ")
				msg = strings.TrimPrefix(msg, "no key found; last parsing error for ignored line: ")
				c.at(path, "signer %d: invalid SSH public key (want authorized_keys format, \"ssh-ed25519 AAAA... comment\"): %s", j, msg)
				continue
			}
			if len(bytes.TrimSpace(rest)) > 0 {
				c.at(path, "signer %d: holds more than one SSH key; give each key its own signer", j)
			}
			fp := string(key.Marshal())
			if prev, dup := keys[fp]; dup {
				if prev.identity == i {
					c.at(path, "signer %d: same SSH key as signer %d", j, prev.path[3])
				} else {
					c.at(path, "signer %d: SSH key already belongs to identity %q (at %s)",
						j, cfg.Identities[prev.identity].Name, where(pos, prev.path, pos))
				}
				continue
			}
			keys[fp] = keyOwner{identity: i, path: path}
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
		if id.Kind != IdentityHuman {
			continue
		}
		ok := len(r.Roles) == 0 && len(r.Identities) == 0 || contains(r.Identities, id.Name)
		for _, role := range r.Roles {
			ok = ok || id.HasRole(role)
		}
		if ok {
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
		switch eligible := eligibleApprovers(cfg, r); {
		case len(eligible) == 0:
			c.at(At("rules", i, "count"), "rule %q can never be satisfied: no human identity is eligible to approve", r.Name)
		case r.Count > len(eligible):
			c.at(At("rules", i, "count"), "rule %q can never be satisfied: it needs %d approvals but only %d human identities are eligible (%s)",
				r.Name, r.Count, len(eligible), strings.Join(eligible, ", "))
		}
	}
	return c.problems
}
