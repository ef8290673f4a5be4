package schemas

import "strings"

// CheckProposal checks one decoded proposal against a bundle: its workflow
// exists, its transition exists in that workflow (or is the built-in
// quarantine or release), base_state is "none" exactly when the transition
// creates the instance, and, when file is a proposal path
// (ParseProposalPath), the proposal's instance matches the directory and,
// against a bundle, the file has the shape of what it proposes
// (checkLayout). When the workflow field
// names a goal instead, the proposal is a goal action (goal_proposal.go):
// its transition is one of GoalTransitions, base_state is "none" exactly
// for start, and its inputs and evidence are what the action needs and
// nothing else. Owner, trigger.ref and trigger.url hold no control or
// format character (checkFreeText), and evidence named jira names an
// issue the Jira notifier takes, if any (checkJiraEvidence).
//
// pos, from Decode, positions the problems; it may be nil, in which case
// problems carry the file and field but line and column 0. CheckProposal is
// pure: it reads only its arguments.
func CheckProposal(b *Bundle, file string, p *Proposal, pos *Positions) Problems {
	if pos == nil || pos.file != file {
		q := newPositions(file)
		if pos != nil {
			q.locs = pos.locs
		}
		pos = q
	}
	c := &checker{pos: pos}
	dir, name, _, err := ParseProposalPath(file)
	placed := err == nil
	if placed && dir != p.Instance {
		c.at(At("instance"), "instance %q does not match the directory it is in (proposals/%s/)", p.Instance, dir)
		placed = false
	}
	c.uniqueNames("cost unit", len(p.Cost), func(i int) (string, Path) {
		return p.Cost[i].Unit, At("cost", i, "unit")
	})
	c.checkFreeText(p)
	c.checkJiraEvidence(p)
	if b == nil {
		return finish(c.problems)
	}
	if placed {
		c.checkLayout(b, file, name, p)
	}
	if p.Instance == RulesInstance || p.Workflow == RulesInstance {
		// A governance proposal: it changes writ.yaml, workflows/ or
		// policies/, and its base_state is the rules hash it was based on.
		switch {
		case p.Instance != RulesInstance:
			c.at(At("instance"), "workflow %q is reserved for rule changes, whose instance is %q", RulesInstance, RulesInstance)
		case p.Workflow != RulesInstance:
			c.at(At("workflow"), "instance %q is reserved for rule changes: workflow must be %q", RulesInstance, RulesInstance)
		case p.Transition != RulesTransition && p.Transition != RecoverTransition:
			c.at(At("transition"), "a rule change has transition %q (%q: a recovery from foreign commits)", RulesTransition, RecoverTransition)
		case p.BaseState == BaseStateNone:
			c.at(At("base_state"), "a rule change names the rules hash it is based on (sha256:...)")
		}
		return finish(c.problems)
	}
	w, ok := b.Workflow(p.Workflow)
	if !ok {
		if g, ok := b.Goal(p.Workflow); ok {
			c.checkGoalAction(g, p)
			return finish(c.problems)
		}
		names := make([]string, len(b.Workflows))
		for i, w := range b.Workflows {
			names[i] = w.Name
		}
		known := knownList("workflows", names)
		if len(b.Goals) > 0 {
			goals := make([]string, len(b.Goals))
			for i, g := range b.Goals {
				goals[i] = g.Name
			}
			known += "; " + knownList("goals", goals)
		}
		c.at(At("workflow"), "unknown workflow %q (%s)", p.Workflow, known)
		return finish(c.problems)
	}
	creates := false
	switch t, ok := w.Transition(p.Transition); {
	case p.Transition == QuarantineTransition || p.Transition == ReleaseTransition:
	case !ok:
		names := []string{}
		for _, t := range w.Transitions {
			names = append(names, t.Name)
		}
		names = append(names, QuarantineTransition, ReleaseTransition)
		c.at(At("transition"), "unknown transition %q in workflow %q (%s)", p.Transition, w.Name, knownList("transitions", names))
		return finish(c.problems)
	default:
		creates = len(t.From) == 0 && t.Region == ""
	}
	switch {
	case creates && p.BaseState != BaseStateNone:
		c.at(At("base_state"), "transition %q creates the instance, so base_state must be %q", p.Transition, BaseStateNone)
	case !creates && p.BaseState == BaseStateNone:
		c.at(At("base_state"), "transition %q needs an existing instance: set base_state to its current state hash (sha256:...)", p.Transition)
	}
	return finish(c.problems)
}

// checkLayout checks that a proposal at file (a path ParseProposalPath
// accepts, in p.Instance's directory, named name) has the shape of what it
// proposes: a goal action's file is sharded, GoalProposalFile, and every
// other proposal's flat, ProposalFile (ProposalPathFor). A proposal whose
// workflow is unknown is left to the workflow check.
func (c *checker) checkLayout(b *Bundle, file, name string, p *Proposal) {
	_, goal := b.Goal(p.Workflow)
	_, workflow := b.Workflow(p.Workflow)
	if !goal && !workflow && p.Workflow != RulesInstance && p.Instance != RulesInstance {
		return
	}
	want := ProposalPathFor(p.Instance, name, goal && p.Instance != RulesInstance)
	if file == want {
		return
	}
	what := "a goal action's file is sharded by its name"
	if !goal {
		what = "only a goal action's file is sharded"
	}
	c.problems = append(c.problems, fileProblem(file, "misplaced proposal: %s: move it to %s (on branch %s)",
		what, want, strings.TrimSuffix(want, ProposalSuffix)))
}
