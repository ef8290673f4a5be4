package schemas

import "time"

// OnTimeoutReject is the on_timeout that records a rejection when a
// proposal's wait outlasts its timeout.
const OnTimeoutReject = "reject"

// TimeoutOf returns the timeout that applies to a proposal of transition
// tr judged by policy pol (nil: none): the transition's, else the
// policy's; ok is false when neither declares one (or it does not parse,
// which validation refuses). It is pure.
func TimeoutOf(tr *Transition, pol *Policy) (d time.Duration, onTimeout, declaredBy string, ok bool) {
	switch {
	case tr != nil && tr.Timeout != "":
		d, err := ParseDuration(tr.Timeout)
		return d, tr.OnTimeout, "transition " + tr.Name, err == nil
	case pol != nil && pol.Timeout != "":
		d, err := ParseDuration(pol.Timeout)
		return d, pol.OnTimeout, "policy " + pol.Name, err == nil
	}
	return 0, "", "", false
}

// checkTimeout reports a timeout that does not parse and a timeout or
// on_timeout without the other, at path (a transition or a policy).
func (c *checker) checkTimeout(path Path, timeout, onTimeout string) {
	c.duration(child(path, "timeout"), timeout)
	switch {
	case timeout != "" && onTimeout == "":
		c.at(child(path, "timeout"), "timeout needs on_timeout: say what happens when it passes (on_timeout: %s)", OnTimeoutReject)
	case timeout == "" && onTimeout != "":
		c.at(child(path, "on_timeout"), "on_timeout needs timeout: how long a proposal may wait, such as 3d")
	}
}

// TimedOutTo returns the transition of wf that on_timeout names for a
// transition that times out, and true; false for on_timeout: reject (or
// an unknown name, which validation refuses).
func TimedOutTo(wf *Workflow, onTimeout string) (*Transition, bool) {
	if onTimeout == OnTimeoutReject || wf == nil {
		return nil, false
	}
	return wf.Transition(onTimeout)
}

// checkOnTimeout checks an on_timeout that names a transition (anything
// but reject) of transition t at tp in w: a transition of w between
// top-level states, not t itself or a built-in one, that fires from every
// state t fires from, on a transition between top-level states.
func (c *checker) checkOnTimeout(w *Workflow, t *Transition, tp Path) {
	if t.OnTimeout == "" || t.OnTimeout == OnTimeoutReject {
		return
	}
	at := child(tp, "on_timeout")
	to, ok := w.Transition(t.OnTimeout)
	var names []string
	for _, x := range w.Transitions {
		names = append(names, x.Name)
	}
	switch {
	case t.Region != "":
		c.at(at, "on_timeout: %s applies to transitions between top-level states, not to region transitions; use on_timeout: %s", t.OnTimeout, OnTimeoutReject)
	case !ok:
		c.at(at, "unknown transition %q: on_timeout is %s or a transition of this workflow (%s)", t.OnTimeout, OnTimeoutReject, knownList("transitions", names))
	case to.Name == t.Name:
		c.at(at, "on_timeout names the transition that times out; name another one or use %s", OnTimeoutReject)
	case to.Region != "" || to.Name == QuarantineTransition || to.Name == ReleaseTransition:
		c.at(at, "on_timeout transition %q is not a transition between top-level states", to.Name)
	default:
		for _, from := range t.From {
			if !contains(to.From, from) {
				c.at(at, "on_timeout transition %q does not fire from %q, a state %s fires from", to.Name, from, t.Name)
				return
			}
		}
	}
}

// checkTransitionTimeout is checkTimeout for transition t at tp, which
// must have a policy: only a proposal that waits for a human times out.
func (c *checker) checkTransitionTimeout(t *Transition, tp Path) {
	c.checkTimeout(tp, t.Timeout, t.OnTimeout)
	if t.Timeout != "" && t.Policy == "" {
		c.at(child(tp, "timeout"), "timeout needs policy: only a proposal that waits for an approval times out")
	}
	c.checkEscalate(tp, t.Escalate, t.Timeout)
	if len(t.Escalate) > 0 && t.Policy == "" {
		c.at(child(tp, "escalate"), "escalate needs policy: only a proposal that waits for an approval escalates")
	}
}
