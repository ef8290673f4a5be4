package core

import (
	"fmt"

	"github.com/writ-dev/writ/schemas"
)

// CheckInvariants checks the invariants of DESIGN §4 across one Apply: the
// clock is monotonic; every instance in a parallel state has exactly one
// sub-state per region (and no other); a join fired only when every region
// was READY; a terminal instance did not change; a quarantined instance left
// quarantine only by release. Unchanged states must be returned as-is. It
// is for tests and for paranoid replays; it reads only its arguments.
func CheckInvariants(prev State, e Entry, out Outcome, next State) error {
	if !out.Status.Changed() {
		if next.Hash() != prev.Hash() {
			return fmt.Errorf("status %s but the state changed", out.Status)
		}
		return nil
	}
	if prev.entries > 0 && next.clock.Compare(prev.clock) <= 0 {
		return fmt.Errorf("clock went from %s to %s", prev.clock, next.clock)
	}
	if next.entries != prev.entries+1 {
		return fmt.Errorf("entry count went from %d to %d", prev.entries, next.entries)
	}
	if e.Proposal == nil || (e.Kind != KindTransition && e.Kind != KindReject) || e.Proposal.Instance == schemas.RulesInstance {
		return nil
	}
	id := e.Proposal.Instance
	after, ok, err := next.Instance(id)
	if err != nil {
		return fmt.Errorf("after %s: %w", out.Status, err)
	}
	if !ok {
		return fmt.Errorf("instance %s missing after %s", id, out.Status)
	}
	if err := checkRegions(next.rules, after); err != nil {
		return err
	}
	before, existed, err := prev.Instance(id)
	if err != nil {
		return fmt.Errorf("before %s: %w", out.Status, err)
	}
	if !existed {
		return nil
	}
	wf, _ := prev.rules.Workflow(before.Workflow)
	if wf != nil {
		if st, ok := wf.State(before.State); ok && st.Terminal {
			return fmt.Errorf("terminal instance %s (in %s) accepted %s", id, before.State, e.Proposal.Transition)
		}
		if tr, ok := wf.Transition(e.Proposal.Transition); ok && tr.Join && out.Status == StatusApplied {
			st, _ := wf.State(before.State)
			for _, r := range st.Regions {
				if before.Regions[r.Name] != r.Ready {
					return fmt.Errorf("join %s fired with region %s in %s", tr.Name, r.Name, before.Regions[r.Name])
				}
			}
		}
	}
	if before.State == schemas.QuarantinedState && after.State != schemas.QuarantinedState &&
		e.Proposal.Transition != schemas.ReleaseTransition {
		return fmt.Errorf("instance %s left quarantine by %s, not release", id, e.Proposal.Transition)
	}
	return nil
}

// checkRegions checks exactly one sub-state per region of a parallel state.
func checkRegions(rules *schemas.Bundle, in *Instance) error {
	wf, ok := rules.Workflow(in.Workflow)
	if !ok {
		return fmt.Errorf("instance %s runs unknown workflow %s", in.ID, in.Workflow)
	}
	st, ok := wf.State(in.State)
	if !ok {
		if in.State == schemas.QuarantinedState && len(in.Regions) == 0 && in.Resume != nil {
			return nil
		}
		return fmt.Errorf("instance %s is in unknown state %s", in.ID, in.State)
	}
	if len(in.Regions) != len(st.Regions) {
		return fmt.Errorf("instance %s in %s has %d region states, want %d", in.ID, in.State, len(in.Regions), len(st.Regions))
	}
	for _, r := range st.Regions {
		sub, ok := in.Regions[r.Name]
		if !ok || !containsString(r.States, sub) {
			return fmt.Errorf("instance %s region %s is in %q, not one of %v", in.ID, r.Name, sub, r.States)
		}
	}
	return nil
}
