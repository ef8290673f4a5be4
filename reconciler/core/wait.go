package core

import (
	"fmt"
	"slices"
	"strings"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// A wait entry (KindWait) records that an open proposal needs a human: it
// is valid (not stale, not a duplicate, its proposer may make it, its
// guards pass) and its approval policy is pending. The wait starts at the
// entry's clock (Wait.Since), so deadlines and the age `writ pending`
// shows are measured from a recorded start, on every machine alike.
//
// A wait entry closes nothing: it consumes no idem_key, moves no instance
// and changes no instance hash, so recording a wait never makes the
// waiting proposal (or any other) stale. It has one parent, main, and
// adds no file (see replay), so the proposal head never becomes part of
// main. What it changes is the state's table of waits, one per proposal
// path, which the repository state hash covers only when it is not empty
// (a log without waits hashes exactly as before waits existed).
//
// Apply judges a wait entry against the state it lands on, as replay does:
// the entry's proposal, without decisions, must be a transition Apply
// would answer StatusWaiting (the policy pending, nothing else wrong).
// The rules the wait records are the policy's rules that proposal needs
// from humans (pending with no decision), recomputed here, never taken
// from the message. A wait entry for a proposal that already waits with
// the same content is a duplicate; with new content (a push) it replaces
// the wait and its start (approvals on the old content count for nothing
// anyway). The loop writes such an entry only once no live open proposal
// (one it times out, escalates or applies; not a held one) carries the
// recorded content (State.WaitBehind, wait_path.go), so two open
// proposals of one path never undo each other's wait.
//
// A wait ends with the proposal: an entry that applies, rejects or
// withdraws it (same instance and idem_key) removes it, and so does any
// entry that changes its instance's hash, which makes every proposal
// waiting on that instance stale (endWaits).

// Wait is one proposal waiting for a human, as a wait entry recorded it.
// Fields are in the order of their JSON names (canonical JSON).
type Wait struct {
	// Base is the instance hash the proposal is based on (its
	// base_state), which the wait was judged against; BaseStateNone for a
	// proposal that creates its instance.
	Base string `json:"base"`
	// Commit and Content are the proposal's subject: what was judged.
	Commit  string `json:"commit"`
	Content string `json:"content"`
	// IdemKey and Instance identify the proposal in the state.
	IdemKey  string `json:"idem_key"`
	Instance string `json:"instance"`
	// Path is the proposal file's path, proposals/<instance>/<name>.yaml:
	// the key of the table of waits.
	Path string `json:"path"`
	// Policy names the approval policy the proposal waits for, and Rules
	// the policy's rules it needs from humans, each "<rule> needs <n>".
	Policy   string   `json:"policy"`
	Proposer string   `json:"proposer"`
	Rules    []string `json:"rules"`
	// Since is the clock of the wait entry: when the wait started.
	Since      HLC    `json:"since"`
	Transition string `json:"transition"`
	Workflow   string `json:"workflow"`
	// Escalated lists the escalation steps the wait reached, in order:
	// step i+1 at Escalated[i]'s clock (see applyEscalate). Omitted when
	// empty, so the hashes of waits that never escalated stand.
	Escalated []Escalated `json:"escalated,omitempty"`
}

// Escalated is one escalation step a wait reached, recorded by an escalate
// entry: the step's number (1-based) and the entry's clock.
type Escalated struct {
	At   HLC `json:"at"`
	Step int `json:"step"`
}

// waitTable is the state's waits, sorted by Path. A table held by a State
// is never changed: put and drop return a new one. nil is the empty table.
type waitTable struct {
	items []Wait
	hash  string
	// escalated says that some wait reached an escalation step, so a
	// transition entry looks for its wait's steps only then.
	escalated bool
}

func newWaitTable(items []Wait) *waitTable {
	if len(items) == 0 {
		return nil
	}
	t := &waitTable{items: items, hash: hashWaits(items)}
	for _, w := range items {
		t.escalated = t.escalated || len(w.Escalated) > 0
	}
	return t
}

// hashWaits hashes the waits' canonical JSON.
func hashWaits(items []Wait) string {
	canon, err := schemas.CanonicalJSON(items)
	if err != nil {
		// Strings, ints and HLCs always encode; keep Apply total anyway.
		return schemas.HashBytes([]byte(err.Error()))
	}
	return schemas.HashBytes(canon)
}

func (t *waitTable) find(path string) (int, bool) {
	if t == nil {
		return 0, false
	}
	return slices.BinarySearchFunc(t.items, path, func(w Wait, p string) int { return strings.Compare(w.Path, p) })
}

// put returns the table with w in place of any wait at w.Path.
func (t *waitTable) put(w Wait) *waitTable {
	var items []Wait
	if t != nil {
		items = t.items
	}
	i, found := t.find(w.Path)
	c := make([]Wait, 0, len(items)+1)
	c = append(c, items[:i]...)
	c = append(c, w)
	if found {
		i++
	}
	c = append(c, items[i:]...)
	return newWaitTable(c)
}

// Waits returns the recorded waits, sorted by proposal path. The slice is
// a copy; the Rules lists are shared and must not be changed.
func (s State) Waits() []Wait {
	if s.waits == nil {
		return nil
	}
	return slices.Clone(s.waits.items)
}

// WaitOf returns the recorded wait of the proposal at path, if any.
func (s State) WaitOf(path string) (Wait, bool) {
	i, ok := s.waits.find(path)
	if !ok {
		return Wait{}, false
	}
	return s.waits.items[i], true
}

// endWaits returns s without the waits that an entry on instance ends:
// the wait of the proposal with idem_key key, and, when the entry changed
// the instance's hash from pre to post, every wait on the instance (all
// of them based on pre, now stale). It costs nothing without waits.
func (s State) endWaits(instance, key, pre, post string) State {
	if s.waits == nil {
		return s
	}
	var kept []Wait
	dropped := false
	for _, w := range s.waits.items {
		if w.Instance == instance && (w.IdemKey == key || pre != post) {
			dropped = true
			continue
		}
		kept = append(kept, w)
	}
	if dropped {
		s.waits = newWaitTable(kept)
	}
	return s
}

// WaitEntry returns the wait entry that records that the proposal of
// entry e (a transition entry the gate judged waiting) at path waits: e
// with kind KindWait, the path, and no decisions and no source trigger
// (only the transition entry records that).
func WaitEntry(e Entry, path string) Entry {
	w := e
	w.Kind, w.Path, w.Decisions, w.Rules, w.Quarantine, w.Trigger = KindWait, path, nil, nil, nil, nil
	return w
}

// applyWait applies a wait entry (see the comment at the top).
func applyWait(s State, e Entry) (State, Outcome, error) {
	p := e.Proposal
	switch {
	case s.rules == nil:
		return s, refuse("no rules in force: the log has no genesis entry"), nil
	case p == nil:
		return s, refuse("wait entry carries no proposal"), nil
	case p.Instance == "" || p.Instance == schemas.RulesInstance || IsGoalAction(s.rules, p):
		return s, refuse("a wait is recorded for a workflow instance's transition only, not for %q", p.Instance), nil
	case len(e.Decisions) > 0:
		return s, refuse("a wait entry records no decisions, this one records %d", len(e.Decisions)), nil
	case e.Subject.Content == "":
		return s, refuse("wait entry without the proposal's content hash"), nil
	}
	if instance, _, _, err := schemas.ParseProposalPath(e.Path); err != nil || instance != p.Instance {
		return s, refuse("wait entry path %q is not a proposal of instance %s", e.Path, p.Instance), nil
	}
	if w, ok := s.WaitOf(e.Path); ok && w.Content == e.Subject.Content {
		return s, Outcome{Status: StatusDuplicate, InstancePre: w.Base,
			Reason: fmt.Sprintf("%s already waits since %s with this content; nothing to do", e.Path, w.Since)}, nil
	}
	t := e
	t.Kind = KindTransition
	_, out, err := applyTransition(s, t, false)
	if err != nil {
		return s, Outcome{}, err
	}
	if out.Status != StatusWaiting || out.Policy == nil {
		out.Status, out.Reason = StatusRefused, fmt.Sprintf("the proposal does not wait for a human: %s: %s", out.Status, out.Reason)
		return s, out, nil
	}
	w := Wait{
		Base: out.InstancePre, Commit: e.Subject.Commit, Content: e.Subject.Content,
		IdemKey: p.IdemKey, Instance: p.Instance, Path: e.Path, Policy: out.Policy.Name,
		Proposer: e.Signer, Rules: UnmetRules(*out.Policy), Since: e.HLC, Transition: p.Transition, Workflow: p.Workflow,
	}
	next := advance(s, e)
	next.waits = next.waits.put(w)
	out.Status, out.InstancePost = StatusAwaiting, out.InstancePre
	out.Reason = p.Transition + " on " + p.Instance + " waits for a human since " + e.HLC.UTC() +
		" (hlc " + e.HLC.String() + "): policy " + w.Policy
	if len(w.Rules) > 0 {
		out.Reason += ": " + strings.Join(w.Rules, ", ")
	}
	return next, out, nil
}

// UnmetRules lists the rules of a policy result that still need
// approvals, in tree order, each "<rule> needs <n>". It is pure.
func UnmetRules(res policies.Result) []string {
	var out []string
	var walk func(n policies.Result)
	walk = func(n policies.Result) {
		if n.Kind == policies.KindRule && n.Status == policies.StatusPending {
			out = append(out, fmt.Sprintf("%s needs %d", n.Name, n.Needed))
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(res)
	return out
}

// checkWaits checks the waits of a snapshot: sorted by path, once each,
// each at a proposal path of its instance. (Their hash is checked with the
// state hash the snapshot records.)
func checkWaits(ws []Wait) error {
	for i, w := range ws {
		if instance, _, _, err := schemas.ParseProposalPath(w.Path); err != nil || instance != w.Instance {
			return fmt.Errorf("wait %d: path %q is not a proposal of instance %q", i, w.Path, w.Instance)
		}
		if i > 0 && ws[i-1].Path >= w.Path {
			return fmt.Errorf("waits are not sorted by path, once each, at %q", w.Path)
		}
	}
	return nil
}
