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
