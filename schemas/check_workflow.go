package schemas

import (
	"regexp"
	"slices"
	"strings"
)

// regionRef is one declaration of a region name: state i, region j.
type regionRef struct{ state, region int }

// checkWorkflow runs the checks that need only the workflow itself.
func checkWorkflow(w *Workflow, pos *Positions) Problems {
	c := &checker{pos: pos}
	if w.Name == RulesInstance {
		c.at(At("name"), "workflow name %q is reserved for rule changes", w.Name)
	}
	stateNames := make([]string, 0, len(w.States))
	states := c.uniqueNames("state", len(w.States), func(i int) (string, Path) {
		return w.States[i].Name, At("states", i, "name")
	})
	regions := map[string][]regionRef{}
	var regionNames []string
	for i := range w.States {
		s := &w.States[i]
		stateNames = append(stateNames, s.Name)
		if s.Name == QuarantinedState {
			c.at(At("states", i, "name"), "state name %q is reserved for the built-in quarantine", s.Name)
		}
		if s.Terminal && len(s.Regions) > 0 {
			c.at(At("states", i, "terminal"), "terminal state %q cannot have regions", s.Name)
		}
		c.uniqueNames("region", len(s.Regions), func(j int) (string, Path) {
			return s.Regions[j].Name, At("states", i, "regions", j, "name")
		})
		for j := range s.Regions {
			r := &s.Regions[j]
			if _, seen := regions[r.Name]; !seen {
				regionNames = append(regionNames, r.Name)
			}
			regions[r.Name] = append(regions[r.Name], regionRef{i, j})
			c.checkRegion(r, At("states", i, "regions", j))
		}
	}

	creating := 0
	c.uniqueNames("transition", len(w.Transitions), func(i int) (string, Path) {
		return w.Transitions[i].Name, At("transitions", i, "name")
	})
	for i := range w.Transitions {
		t := &w.Transitions[i]
		tp := At("transitions", i)
		if t.Name == QuarantineTransition || t.Name == ReleaseTransition {
			c.at(child(tp, "name"), "transition name %q is reserved for the built-in quarantine; configure it under quarantine:", t.Name)
		}
		if len(t.From) == 0 && t.Region == "" {
			creating++
		}
		if t.Region != "" {
			c.checkRegionTransition(w, t, tp, regions, regionNames)
		} else {
			c.checkStateTransition(w, t, tp, states, stateNames)
		}
		for k := range t.Guards {
			c.checkCondition(&t.Guards[k], At("transitions", i, "guards", k))
		}
		c.checkWindows(Times{Windows: t.Windows, Freeze: t.Freeze}, tp)
		c.checkTransitionTimeout(t, tp)
		c.checkOnTimeout(w, t, tp)
	}
	c.checkWindows(Times{Windows: w.Windows, Freeze: w.Freeze}, nil)
	if creating == 0 {
		c.at(At("transitions"), "no transition creates an instance; add one without from")
	} else {
		c.checkReachable(w, states)
	}
	return c.problems
}

func (c *checker) checkRegion(r *Region, rp Path) {
	subs := c.uniqueNames("region state", len(r.States), func(k int) (string, Path) {
		return r.States[k], child(child(rp, "states"), k)
	})
	if _, ok := subs[r.Initial]; !ok {
		c.at(child(rp, "initial"), "initial state %q is not one of region %q's states: %s", r.Initial, r.Name, strings.Join(r.States, ", "))
	}
	if _, ok := subs[r.Ready]; !ok {
		c.at(child(rp, "ready"), "ready state %q is not one of region %q's states: %s", r.Ready, r.Name, strings.Join(r.States, ", "))
	}
}

func (c *checker) checkStateTransition(w *Workflow, t *Transition, tp Path, states map[string]int, names []string) {
	for j, from := range t.From {
		fp := child(child(tp, "from"), j)
		i, ok := states[from]
		switch {
		case from == QuarantinedState:
			c.at(fp, "only the built-in release transition leaves the %q state", QuarantinedState)
		case !ok:
			c.at(fp, "unknown state %q (%s)", from, knownList("states", names))
		case w.States[i].Terminal:
			c.at(fp, "transition %q leaves terminal state %q; a terminal state accepts nothing", t.Name, from)
		case t.Join && len(w.States[i].Regions) == 0:
			c.at(fp, "join: true needs every from state to be parallel, but %q has no regions", from)
		}
	}
	if t.Join && len(t.From) == 0 {
		c.at(child(tp, "join"), "join: true needs from states with regions to join")
	}
	switch _, ok := states[t.To]; {
	case t.To == QuarantinedState:
		c.at(child(tp, "to"), "only the built-in quarantine transition enters the %q state", QuarantinedState)
	case !ok:
		c.at(child(tp, "to"), "unknown state %q (%s)", t.To, knownList("states", names))
	}
	if t.OnReject == "" {
		return
	}
	switch _, ok := states[t.OnReject]; {
	case t.Policy == "":
		c.at(child(tp, "on_reject"), "on_reject needs policy: only a transition an approval policy judges can be rejected")
	case t.OnReject == QuarantinedState:
		c.at(child(tp, "on_reject"), "only the built-in quarantine transition enters the %q state", QuarantinedState)
	case !ok:
		c.at(child(tp, "on_reject"), "unknown state %q (%s)", t.OnReject, knownList("states", names))
	}
}

func (c *checker) checkRegionTransition(w *Workflow, t *Transition, tp Path, regions map[string][]regionRef, names []string) {
	refs, ok := regions[t.Region]
	if !ok {
		c.at(child(tp, "region"), "unknown region %q (%s)", t.Region, knownList("regions", names))
		return
	}
	if len(t.From) == 0 {
		c.at(tp, "region transition %q needs from: the region states it leaves", t.Name)
	}
	if t.Join {
		c.at(child(tp, "join"), "join applies to transitions between top-level states, not to region transitions")
	}
	if t.OnReject != "" {
		c.at(child(tp, "on_reject"), "on_reject applies to transitions between top-level states, not to region transitions")
	}
	var subs []string
	for _, ref := range refs {
		for _, s := range w.States[ref.state].Regions[ref.region].States {
			if !slices.Contains(subs, s) {
				subs = append(subs, s)
			}
		}
	}
	for j, from := range t.From {
		if !slices.Contains(subs, from) {
			c.at(child(child(tp, "from"), j), "unknown state %q in region %q (%s)", from, t.Region, knownList("states", subs))
		}
	}
	if !slices.Contains(subs, t.To) {
		c.at(child(tp, "to"), "unknown state %q in region %q (%s)", t.To, t.Region, knownList("states", subs))
	}
}

func (c *checker) checkCondition(cond *Condition, cp Path) {
	if cond.Matches != "" {
		if _, err := regexp.Compile(cond.Matches); err != nil {
			c.at(child(cp, "matches"), "invalid regular expression: %v", err)
		}
	}
}

// checkReachable reports top-level states no chain of transitions reaches
// from a creating transition, and region states their region's initial
// state cannot reach.
func (c *checker) checkReachable(w *Workflow, states map[string]int) {
	reached := map[string]bool{}
	var queue []string
	visit := func(s string) {
		if !reached[s] {
			reached[s] = true
			queue = append(queue, s)
		}
	}
	for _, t := range w.Transitions {
		if len(t.From) == 0 && t.Region == "" {
			visit(t.To)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, t := range w.Transitions {
			if t.Region == "" && slices.Contains(t.From, s) {
				visit(t.To)
			}
		}
	}
	for i, s := range w.States {
		if first, ok := states[s.Name]; ok && first == i && !reached[s.Name] && s.Name != QuarantinedState {
			c.at(At("states", i, "name"), "state %q is unreachable: no transitions lead to it from a creating transition", s.Name)
		}
		for j, r := range s.Regions {
			c.checkRegionReachable(w, r, At("states", i, "regions", j))
		}
	}
}

func (c *checker) checkRegionReachable(w *Workflow, r Region, rp Path) {
	if !slices.Contains(r.States, r.Initial) {
		return // already reported
	}
	reached := map[string]bool{r.Initial: true}
	queue := []string{r.Initial}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, t := range w.Transitions {
			if t.Region == r.Name && slices.Contains(t.From, s) && !reached[t.To] {
				reached[t.To] = true
				queue = append(queue, t.To)
			}
		}
	}
	for k, s := range r.States {
		if !reached[s] && slices.Index(r.States, s) == k {
			c.at(child(child(rp, "states"), k), "state %q of region %q is unreachable from its initial state %q", s, r.Name, r.Initial)
		}
	}
}

// checkWorkflowPolicies checks that every policy a workflow names exists.
// Names in known but not in policies (files that failed to load) pass
// silently.
func checkWorkflowPolicies(w *Workflow, pos *Positions, policies, known []string) Problems {
	c := &checker{pos: pos}
	ref := func(path Path, name string) {
		if name != "" && !slices.Contains(known, name) {
			c.at(path, "unknown policy %q (%s)", name, knownList("policies", policies))
		}
	}
	for i, t := range w.Transitions {
		ref(At("transitions", i, "policy"), t.Policy)
	}
	ref(At("quarantine", "policy"), w.Quarantine.Policy)
	ref(At("quarantine", "release_policy"), w.Quarantine.ReleasePolicy)
	return c.problems
}
