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

// The names of the guards, as Outcome.Guards reports them.
const (
	// GuardClock: the entry's stamp is after the last entry's.
	GuardClock = "hlc"
	// GuardIdentity: the proposer is an identity in writ.yaml (reported
	// only when it fails).
	GuardIdentity = "identity"
	// GuardWorkflow: the workflow exists and is the instance's (reported
	// only when it fails).
	GuardWorkflow = "workflow"
	// GuardTransition: the workflow has the transition (or it is the
	// built-in quarantine or release).
	GuardTransition = "transition"
	// GuardCapability: the proposer may propose transitions of the
	// workflow (and release needs CapabilityOverride).
	GuardCapability = "capability"
	// GuardFrom: the instance is in a state the transition fires from;
	// a failure of the terminal or quarantine rules is reported as
	// "quarantine" where quarantine is the reason.
	GuardFrom = "from"
	// GuardJoin: every region is ready (join transitions only).
	GuardJoin = "join"
	// GuardInput: one result "input <name>" per input guard the
	// transition declares, in declared order.
	GuardInput = "input"
	// GuardPolicy: the approval policy, reported in Outcome.Policy; a
	// break-glass override that stands adds a guard "override".
	GuardPolicy = "policy"
)

// guardTable is the order in which Apply runs the guards of a transition
// or reject entry between the clock and the approval policy: the one
// place that order is written. Apply first checks the clock
// (GuardClock), then the proposal's base_state (a Stale status, not a
// guard), then this table, stopping at the first failure, then the policy
// (GuardPolicy). GuardOrder lists the whole sequence.
var guardTable = [...]struct {
	name  string
	check func(*guardRun) string
}{
	{GuardIdentity, guardIdentity},
	{GuardWorkflow, guardWorkflow},
	{GuardTransition, guardTransition},
	{GuardCapability, guardCapability},
	{GuardFrom, guardFrom},
	{GuardJoin, guardJoin},
	{GuardInput, guardInputs},
}

// GuardOrder returns the names of the guards in the order Apply runs
// them on a transition or reject entry: the clock, the guards of
// guardTable, the time windows and freezes (GuardWindow, on transition
// entries that windows or freezes hold: schemas.Workflow.TimesOf), then
// the approval policy.
func GuardOrder() []string {
	out := make([]string, 0, len(guardTable)+3)
	out = append(out, GuardClock)
	for _, g := range guardTable {
		out = append(out, g.name)
	}
	return append(out, GuardWindow, GuardPolicy)
}

// guardRun is what the guards of one entry share: the rules, the instance
// (nil when the transition would create it), the entry, what the guards
// resolved so far and the results reported so far.
type guardRun struct {
	rules  *schemas.Bundle
	inst   *Instance
	e      Entry
	ctx    transitionContext
	guards []GuardResult
}

// pass reports a passed guard. Details of passed guards are built without
// fmt: they are written on every entry.
func (r *guardRun) pass(name, detail string) {
	r.guards = append(r.guards, GuardResult{Name: name, Passed: true, Detail: detail})
}

// fail reports a failed guard and returns the reason Apply gives.
func (r *guardRun) fail(name, format string, args ...any) string {
	d := fmt.Sprintf(format, args...)
	r.guards = append(r.guards, GuardResult{Name: name, Detail: d})
	return name + ": " + d
}

// resolve runs the guards of guardTable in order and stops at the first
// failure. It returns the failure reason, or "" when all passed. The
// guards are appended to guards, which it returns.
func resolve(rules *schemas.Bundle, inst *Instance, e Entry, guards []GuardResult) (transitionContext, []GuardResult, string) {
	r := guardRun{rules: rules, inst: inst, e: e, guards: guards}
	for _, g := range guardTable {
		if reason := g.check(&r); reason != "" {
			return r.ctx, r.guards, reason
		}
	}
	return r.ctx, r.guards, ""
}

func guardIdentity(r *guardRun) string {
	who, ok := r.rules.Identity(r.e.Signer)
	if !ok {
		return r.fail(GuardIdentity, "proposer %q is not an identity in writ.yaml", r.e.Signer)
	}
	r.ctx.who = who
	return ""
}

func guardWorkflow(r *guardRun) string {
	p := r.e.Proposal
	wf, ok := r.rules.Workflow(p.Workflow)
	if !ok {
		return r.fail(GuardWorkflow, "workflow %q does not exist", p.Workflow)
	}
	if r.inst != nil && r.inst.Workflow != p.Workflow {
		return r.fail(GuardWorkflow, "instance %s runs workflow %q, not %q", r.inst.ID, r.inst.Workflow, p.Workflow)
	}
	r.ctx.wf = wf
	return ""
}

func guardTransition(r *guardRun) string {
	wf, name := r.ctx.wf, r.e.Proposal.Transition
	tr, ok := wf.Transition(name)
	if !ok {
		tr, ok = builtin(name)
	}
	if !ok {
		return r.fail(GuardTransition, "workflow %s has no transition %q", wf.Name, name)
	}
	r.ctx.tr = tr
	r.pass(GuardTransition, wf.Name+"/"+tr.Name)
	return ""
}

func guardCapability(r *guardRun) string {
	who, wf, tr := r.ctx.who, r.ctx.wf, r.ctx.tr
	if cap := ProposeCapability(wf.Name); !who.HasCapability(cap) {
		return r.fail(GuardCapability, "%s lacks capability %s", who.Name, cap)
	}
	if tr.Name == schemas.ReleaseTransition && !who.HasCapability(CapabilityOverride) {
		return r.fail(GuardCapability, "%s lacks capability %s needed to release a quarantined instance", who.Name, CapabilityOverride)
	}
	r.pass(GuardCapability, who.Name+" holds "+ProposeCapability(wf.Name))
	return ""
}

func guardFrom(r *guardRun) string {
	tr, inst := r.ctx.tr, r.inst
	if msg := checkSource(r.ctx.wf, tr, inst); msg != "" {
		return r.fail(sourceGuard(tr, inst), "%s", msg)
	}
	r.pass(GuardFrom, tr.Name+" may fire from "+describeSource(inst))
	r.ctx.inst = inst
	return ""
}

func guardJoin(r *guardRun) string {
	wf, tr, inst := r.ctx.wf, r.ctx.tr, r.ctx.inst
	if !tr.Join {
		return ""
	}
	st, _ := wf.State(inst.State)
	var waiting []string
	for _, rg := range st.Regions {
		if inst.Regions[rg.Name] != rg.Ready {
			waiting = append(waiting, fmt.Sprintf("%s is %s, needs %s", rg.Name, inst.Regions[rg.Name], rg.Ready))
		}
	}
	if len(waiting) > 0 {
		return r.fail(GuardJoin, "not every region is ready: %s", strings.Join(waiting, "; "))
	}
	r.pass(GuardJoin, "every region of "+inst.State+" is ready")
	return ""
}

func guardInputs(r *guardRun) string {
	for _, c := range r.ctx.tr.Guards {
		name := GuardInput + " " + c.Input
		ok, why := policies.EvalCondition(c, r.e.Proposal.Inputs)
		if !ok {
			return r.fail(name, "%s", why)
		}
		r.pass(name, why)
	}
	return ""
}

// sourceGuard names the guard that a source-state failure belongs to.
func sourceGuard(tr *schemas.Transition, inst *Instance) string {
	switch {
	case inst == nil:
		return GuardFrom
	case inst.State == schemas.QuarantinedState:
		return "quarantine"
	case inst.Resume == nil && tr.Name == schemas.ReleaseTransition:
		return "quarantine"
	}
	return GuardFrom
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
