// Package outbox holds the effects a reconcile owes the outside world
// (notifications, status updates) between deciding them and delivering
// them. Effects are derived from what the loop did (entries it wrote,
// proposals it judged), recorded durably before delivery, delivered at
// least once, and marked done under an idempotency key, so that a crash or
// a rerun never posts twice and never loses one. A notifier (Slack, Jira)
// turns one effect into calls to its system; it holds no rules: who must
// act, what is missing and what happened are decided before the effect
// exists.
package outbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Event names what an effect reports.
type Event string

// The events a proposal's life produces, in the order they usually come.
const (
	// EventWaiting: a proposal needs a human decision.
	EventWaiting Event = "waiting"
	// EventApproval: a counted approval arrived on a waiting proposal.
	EventApproval Event = "approval"
	// EventEscalated: a wait escalated to more approvers.
	EventEscalated Event = "escalated"
	// EventTimedOut: a wait passed its deadline.
	EventTimedOut Event = "timed-out"
	// EventApplied: the proposal's entry is on main.
	EventApplied Event = "applied"
	// EventRejected: the proposal was rejected (an entry on main).
	EventRejected Event = "rejected"
	// EventWithdrawn: the proposer withdrew it (an entry on main).
	EventWithdrawn Event = "withdrawn"
)

// Actor is someone who must act on a waiting proposal: an identity of
// writ.yaml and, when the notifier's configuration maps it, the identity's
// id in the target system (a Slack member id, a Jira account id).
type Actor struct {
	Identity string `json:"identity"`
	// Role is the role through which the identity may act, when a rule
	// names roles.
	Role string `json:"role,omitempty"`
	// TargetID is the identity's id in the target system; empty when the
	// configuration does not map it.
	TargetID string `json:"target_id,omitempty"`
}

// Effect is one notification to one target. Its fields are facts the loop
// already decided; a notifier only renders and sends them.
type Effect struct {
	// Key is the idempotency key: KeyOf(Subject, Event, Target).
	Key string `json:"key"`
	// Target names the notifier that delivers the effect ("slack",
	// "jira").
	Target string `json:"target"`
	Event  Event  `json:"event"`
	// Subject is what the effect derives from: the WAL entry's commit for
	// an entry, the proposal head for an open proposal's event.
	Subject string `json:"subject"`
	// Thread groups the effects of one proposal (its file path,
	// proposals/<instance>/…): a notifier updates one message or one issue
	// per thread.
	Thread string `json:"thread"`
	// Instance, Workflow and Transition say what the proposal asks.
	Instance   string `json:"instance"`
	Workflow   string `json:"workflow,omitempty"`
	Transition string `json:"transition,omitempty"`
	// Proposer is the identity that signed the proposal.
	Proposer string `json:"proposer,omitempty"`
	// Link is where a human sees the proposal (the pull request's URL);
	// empty for a local branch.
	Link string `json:"link,omitempty"`
	// Issue is the tracker issue the proposal links (a Jira key such as
	// OPS-12, from evidence "jira:OPS-12" or the branch name); empty when
	// none.
	Issue string `json:"issue,omitempty"`
	// MustAct are the people who must act for the proposal to move, with
	// Summary the policy's explanation of what is missing (EventWaiting,
	// EventApproval, EventEscalated).
	MustAct []Actor `json:"must_act,omitempty"`
	Summary string  `json:"summary,omitempty"`
	// Notify are the people an EventEscalated effect tells: its
	// escalation step's notify (by default the step's own roles and
	// identities), roles resolved to the humans holding them, in identity
	// order, with their ids in the target where mapped.
	Notify []Actor `json:"notify,omitempty"`
	// Recipient, when set, makes the effect a direct message to that one
	// person (one of Notify whom the target maps) instead of a post on
	// the proposal's thread; its key is KeyOf(Subject, Event,
	// DirectTarget(Target, identity)).
	Recipient *Actor `json:"recipient,omitempty"`
	// Approvals are the identities whose approvals count so far.
	Approvals []string `json:"approvals,omitempty"`
	// Entry is the WAL entry's commit for EventApplied, EventRejected,
	// EventWithdrawn, EventTimedOut and EventEscalated.
	Entry string `json:"entry,omitempty"`
	// At is the time the effect speaks of: the entry's clock, or for an
	// open proposal the time the wait began. RFC 3339, UTC.
	At string `json:"at,omitempty"`
}

// KeyFor is the idempotency key e must carry: KeyOf(Subject, Event,
// Target), or for a direct message KeyOf(Subject, Event,
// DirectTarget(Target, Recipient.Identity)). Derive sets it; the book
// admits a recorded effect only under it.
func (e Effect) KeyFor() string {
	if e.Recipient != nil {
		return KeyOf(e.Subject, e.Event, DirectTarget(e.Target, e.Recipient.Identity))
	}
	return KeyOf(e.Subject, e.Event, e.Target)
}

// KeyOf is the idempotency key of the effect of event on subject for
// target: the hex SHA-256 of the three, separated so that no two triples
// collide.
func KeyOf(subject string, event Event, target string) string {
	h := sha256.New()
	for _, s := range []string{subject, string(event), target} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// DirectTarget is what a direct message's key is derived from in place of
// the target alone: the target and the recipient's identity, so that each
// person's message has its own key and none collides with the thread's.
func DirectTarget(target, identity string) string { return target + "/" + identity }

// Receipt is what a target returned for a delivered effect, kept with its
// thread so that later effects of the thread update in place (a Slack
// message's channel and timestamp; a Jira comment's id).
type Receipt struct {
	Key    string `json:"key"`
	Target string `json:"target"`
	// Ref is the target's name for what it created or changed, in the
	// notifier's own format ("C123/1700000000.000100").
	Ref string `json:"ref"`
}

// Notifier delivers effects to one outside system. It holds no rules.
type Notifier interface {
	// Target is the name effects for this notifier carry in
	// Effect.Target.
	Target() string
	// Deliver sends e. thread holds the receipts of the thread's effects
	// delivered before, oldest first. Deliver must be idempotent for
	// e.Key: when an earlier attempt may have reached the target before a
	// crash (the outbox says so by calling again), it finds that delivery
	// (by the key it left there) and updates it rather than posting a
	// second time. An error that carries a server's requested wait
	// implements RetryAfter.
	Deliver(ctx context.Context, e Effect, thread []Receipt) (Receipt, error)
}

// RetryAfter is implemented by delivery errors that carry the wait a
// server asked for (HTTP 429 with Retry-After); the outbox waits at least
// that long before the next attempt.
type RetryAfter interface {
	error
	RetryAfter() time.Duration
}
