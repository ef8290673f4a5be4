package core

import (
	"fmt"
	"strings"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// Capabilities the reducer checks.
const (
	// CapabilityOverride lets an identity release a quarantined instance,
	// and lets its break-glass override stand (policies judges that).
	CapabilityOverride = policies.CapabilityOverride
	// capabilityProposePrefix + workflow lets an identity propose
	// transitions of that workflow.
	capabilityProposePrefix = "propose:"
)

// ProposeCapability is the capability needed to propose transitions of a
// workflow.
func ProposeCapability(workflow string) string { return capabilityProposePrefix + workflow }

// builtin returns the built-in quarantine and release transitions.
func builtin(name string) (*schemas.Transition, bool) {
	switch name {
	case schemas.QuarantineTransition:
		return &schemas.Transition{Name: name, To: schemas.QuarantinedState}, true
	case schemas.ReleaseTransition:
		return &schemas.Transition{Name: name, From: []string{schemas.QuarantinedState}}, true
	}
	return nil, false
}

// resolve runs every guard except policy, in a fixed order, and stops at the
// first failure. It returns the failure reason, or "" when all passed.
// The guards are appended to guards, which it returns.
func resolve(rules *schemas.Bundle, inst *Instance, e Entry, guards []GuardResult) (transitionContext, []GuardResult, string) {
	p := e.Proposal
	// Details of passed guards are built without fmt: they are written on
	// every entry.
	pass := func(name, detail string) {
		guards = append(guards, GuardResult{Name: name, Passed: true, Detail: detail})
	}
	fail := func(name, format string, args ...any) string {
		d := fmt.Sprintf(format, args...)
		guards = append(guards, GuardResult{Name: name, Detail: d})
		return name + ": " + d
	}
	var ctx transitionContext

	who, ok := rules.Identity(e.Signer)
	if !ok {
		return ctx, guards, fail("identity", "proposer %q is not an identity in writ.yaml", e.Signer)
	}
	ctx.who = who
	wf, ok := rules.Workflow(p.Workflow)
	if !ok {
		return ctx, guards, fail("workflow", "workflow %q does not exist", p.Workflow)
	}
	if inst != nil && inst.Workflow != p.Workflow {
		return ctx, guards, fail("workflow", "instance %s runs workflow %q, not %q", inst.ID, inst.Workflow, p.Workflow)
	}
	ctx.wf = wf
	tr, ok := wf.Transition(p.Transition)
	if !ok {
		tr, ok = builtin(p.Transition)
	}
	if !ok {
		return ctx, guards, fail("transition", "workflow %s has no transition %q", wf.Name, p.Transition)
	}
	ctx.tr = tr
	pass("transition", wf.Name+"/"+tr.Name)

	if cap := ProposeCapability(wf.Name); !who.HasCapability(cap) {
		return ctx, guards, fail("capability", "%s lacks capability %s", who.Name, cap)
	}
	if tr.Name == schemas.ReleaseTransition && !who.HasCapability(CapabilityOverride) {
		return ctx, guards, fail("capability", "%s lacks capability %s needed to release a quarantined instance", who.Name, CapabilityOverride)
	}
	pass("capability", who.Name+" holds "+ProposeCapability(wf.Name))

	if msg := checkSource(wf, tr, inst); msg != "" {
		return ctx, guards, fail(sourceGuard(tr, inst), "%s", msg)
	}
	pass("from", tr.Name+" may fire from "+describeSource(inst))
	ctx.inst = inst

	if tr.Join {
		st, _ := wf.State(inst.State)
		var waiting []string
		for _, r := range st.Regions {
			if inst.Regions[r.Name] != r.Ready {
				waiting = append(waiting, fmt.Sprintf("%s is %s, needs %s", r.Name, inst.Regions[r.Name], r.Ready))
			}
		}
		if len(waiting) > 0 {
			return ctx, guards, fail("join", "not every region is ready: %s", strings.Join(waiting, "; "))
		}
		pass("join", "every region of "+inst.State+" is ready")
	}
	for _, c := range tr.Guards {
		name := "input " + c.Input
		ok, why := policies.EvalCondition(c, p.Inputs)
		if !ok {
			return ctx, guards, fail(name, "%s", why)
		}
		pass(name, why)
	}
	return ctx, guards, ""
}

// sourceGuard names the guard that a source-state failure belongs to.
func sourceGuard(tr *schemas.Transition, inst *Instance) string {
	switch {
	case inst == nil:
		return "from"
	case inst.State == schemas.QuarantinedState:
		return "quarantine"
	case inst.Resume == nil && tr.Name == schemas.ReleaseTransition:
		return "quarantine"
	}
	return "from"
}

func describeSource(inst *Instance) string {
	if inst == nil {
		return "nothing (creates the instance)"
	}
	if len(inst.Regions) == 0 {
		return inst.State
	}
	// "<state> [<region>=<sub>, ...]", built in one buffer.
	var buf [128]byte
	b := append(buf[:0], inst.State...)
	b = append(b, " ["...)
	for i, k := range sortedKeys(inst.Regions) {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, k...)
		b = append(b, '=')
		b = append(b, inst.Regions[k]...)
	}
	return string(append(b, ']'))
}

// checkSource checks that the instance is in a state the transition may
// fire from, including the terminal and quarantine rules.
func checkSource(wf *schemas.Workflow, tr *schemas.Transition, inst *Instance) string {
	creates := len(tr.From) == 0 && tr.Name != schemas.QuarantineTransition
	if inst == nil {
		if creates {
			return ""
		}
		return fmt.Sprintf("%s needs an existing instance; this one does not exist (create it first)", tr.Name)
	}
	if creates {
		return fmt.Sprintf("%s creates an instance, but %s already exists in %s", tr.Name, inst.ID, inst.State)
	}
	if st, ok := wf.State(inst.State); ok && st.Terminal {
		return fmt.Sprintf("instance %s is in terminal state %s and accepts no transition", inst.ID, inst.State)
	}
	if inst.State == schemas.QuarantinedState {
		if tr.Name != schemas.ReleaseTransition {
			return fmt.Sprintf("instance %s is quarantined; only an explicit release leaves quarantine", inst.ID)
		}
		return ""
	}
	switch tr.Name {
	case schemas.ReleaseTransition:
		return fmt.Sprintf("instance %s is not quarantined", inst.ID)
	case schemas.QuarantineTransition:
		return ""
	}
	if tr.Region != "" {
		sub, ok := inst.Regions[tr.Region]
		if !ok {
			return fmt.Sprintf("state %s has no region %s", inst.State, tr.Region)
		}
		if !containsString(tr.From, sub) {
			return fmt.Sprintf("region %s is %s; %s fires from %s", tr.Region, sub, tr.Name, strings.Join(tr.From, " or "))
		}
		return ""
	}
	if !containsString(tr.From, inst.State) {
		return fmt.Sprintf("instance %s is in %s; %s fires from %s", inst.ID, inst.State, tr.Name, strings.Join(tr.From, " or "))
	}
	return ""
}

func containsString(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
