package schemas

import (
	"strings"
	"time"
)

// EscalationStep is one step of a waiting proposal's escalation: After
// (a duration, ParseDuration) past the start of its recorded wait, the
// reconciler records an escalate entry, and from then on an approval from
// a human holding one of Roles or named in Identities counts under every
// rule of the proposal's policy, as if the rule named them (see
// policies.Facts.Escalated). Steps are in increasing order of After, all
// before the timeout, if any. Notify, when set, names who is told of the
// step (see Notified).
type EscalationStep struct {
	After      string            `yaml:"after" json:"after"`
	Roles      []string          `yaml:"roles,omitempty" json:"roles,omitempty"`
	Identities []string          `yaml:"identities,omitempty" json:"identities,omitempty"`
	Notify     *EscalationNotify `yaml:"notify,omitempty" json:"notify,omitempty"`
}

// EscalationNotify names the people told when a wait reaches an
// escalation step: the humans holding one of Roles, and Identities. It
// grants nothing: only the step's own roles and identities count as
// approvers. Omitted from the rules hash when absent, so rules without it
// hash as before.
type EscalationNotify struct {
	Roles      []string `yaml:"roles,omitempty" json:"roles,omitempty"`
	Identities []string `yaml:"identities,omitempty" json:"identities,omitempty"`
}

// Notified returns who is told of the step: its Notify when set, else the
// step's own roles and identities (the people whose approvals now count).
// It is pure.
func (s EscalationStep) Notified() EscalationNotify {
	if s.Notify != nil {
		return *s.Notify
	}
	return EscalationNotify{Roles: s.Roles, Identities: s.Identities}
}

// Who names the step's roles and identities: "role sre-lead, carol".
func (s EscalationStep) Who() string {
	var parts []string
	if len(s.Roles) > 0 {
		parts = append(parts, "role "+strings.Join(s.Roles, " or "))
	}
	parts = append(parts, s.Identities...)
	return strings.Join(parts, ", ")
}

// EscalationOf returns the escalation steps that apply to a proposal of
// transition tr judged by policy pol (nil: none): the transition's, else
// the policy's, with what declares them. It is pure.
func EscalationOf(tr *Transition, pol *Policy) ([]EscalationStep, string) {
	switch {
	case tr != nil && len(tr.Escalate) > 0:
		return tr.Escalate, "transition " + tr.Name
	case pol != nil && len(pol.Escalate) > 0:
		return pol.Escalate, "policy " + pol.Name
	}
	return nil, ""
}

// checkEscalate reports, for the steps at path/escalate: an after that
// does not parse, steps not in strictly increasing order, a step that
// names nobody, a notify that names nobody, and a step at or after
// timeout (when it parses).
func (c *checker) checkEscalate(path Path, steps []EscalationStep, timeout string) {
	limit, limitErr := ParseDuration(timeout)
	var prev time.Duration
	for i, st := range steps {
		sp := child(child(path, "escalate"), i)
		if len(st.Roles) == 0 && len(st.Identities) == 0 {
			c.at(sp, "escalation step %d names nobody: give roles or identities whose approvals then count", i+1)
		}
		if n := st.Notify; n != nil && len(n.Roles) == 0 && len(n.Identities) == 0 {
			c.at(child(sp, "notify"), "escalation step %d: notify names nobody: give roles or identities to tell, or leave notify out to tell the step's roles and identities", i+1)
		}
		d, err := ParseDuration(st.After)
		if err != nil {
			c.at(child(sp, "after"), "invalid duration %q: %v", st.After, err)
			continue
		}
		if i > 0 && d <= prev {
			c.at(child(sp, "after"), "escalation step %d (after %s) is not later than step %d: steps are in increasing order", i+1, st.After, i)
		}
		if timeout != "" && limitErr == nil && d >= limit {
			c.at(child(sp, "after"), "escalation step %d (after %s) is not before the timeout %s", i+1, st.After, timeout)
		}
		prev = d
	}
}

// checkEscalateAgainstConfig reports escalation roles and identities that
// writ.yaml does not declare, and agents (they never count); and the
// roles and identities of a step's notify that it does not declare (an
// agent may be told).
func (c *checker) checkEscalateAgainstConfig(path Path, steps []EscalationStep, cfg *Config) {
	for i, st := range steps {
		sp := child(child(path, "escalate"), i)
		c.checkKnownRoles(child(sp, "roles"), st.Roles, cfg)
		for j, name := range st.Identities {
			id, ok := (&Bundle{Config: *cfg}).Identity(name)
			switch {
			case !ok:
				c.at(child(child(sp, "identities"), j), "unknown identity %q (%s)", name, knownList("identities", identityNames(cfg)))
			case id.Kind == IdentityAgent:
				c.at(child(child(sp, "identities"), j), "identity %q is an agent; agents never count as approvers", name)
			}
		}
		if n := st.Notify; n != nil {
			np := child(sp, "notify")
			c.checkKnownRoles(child(np, "roles"), n.Roles, cfg)
			for j, name := range n.Identities {
				if _, ok := (&Bundle{Config: *cfg}).Identity(name); !ok {
					c.at(child(child(np, "identities"), j), "unknown identity %q (%s)", name, knownList("identities", identityNames(cfg)))
				}
			}
		}
	}
}

// checkKnownRoles reports each of roles (at path[j]) that writ.yaml does
// not declare.
func (c *checker) checkKnownRoles(path Path, roles []string, cfg *Config) {
	for j, role := range roles {
		if !contains(cfg.Roles, role) {
			c.at(child(path, j), "unknown role %q (%s)", role, knownList("roles", cfg.Roles))
		}
	}
}

// checkWorkflowAgainstConfig checks the escalation roles and identities
// of a workflow's transitions against writ.yaml.
func checkWorkflowAgainstConfig(w *Workflow, pos *Positions, cfg *Config) Problems {
	c := &checker{pos: pos}
	for i := range w.Transitions {
		c.checkEscalateAgainstConfig(At("transitions", i), w.Transitions[i].Escalate, cfg)
	}
	return c.problems
}
