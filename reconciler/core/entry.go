package core

import (
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// EntryKind says what a WAL entry does.
type EntryKind string

// The kinds of WAL entry.
const (
	// KindGenesis installs the first rules; it is the first entry of a log.
	KindGenesis EntryKind = "genesis"
	// KindRules replaces the rules, judged by the governance policy of the
	// rules in force before the change.
	KindRules EntryKind = "rules"
	// KindTransition applies one proposal's transition to one instance.
	KindTransition EntryKind = "transition"
	// KindReject records that an eligible approver rejected a proposal: its
	// idem_key is consumed and the instance does not move.
	KindReject EntryKind = "reject"
	// KindRecover resumes the log after commits on main that writ did not
	// write: approved under the governance policy like a rules entry, it
	// names the commits it quarantines (Quarantine) and changes no rules
	// and no instance; see applyRecover.
	KindRecover EntryKind = "recover"
	// KindWithdraw records that a proposal was withdrawn before it was
	// decided: by its proposer, or by withdrawals that satisfy the
	// governance policy (see applyWithdraw). Its idem_key is consumed and
	// the instance does not move.
	KindWithdraw EntryKind = "withdraw"
	// KindWait records that a proposal waits for a human, since the
	// entry's clock; it closes nothing (see applyWait).
	KindWait EntryKind = "wait"
	// KindTimeout rejects a proposal whose recorded wait outlasted its
	// declared timeout (on_timeout: reject); see applyTimeout.
	KindTimeout EntryKind = "timeout"
	// KindEscalate records that a recorded wait reached its next
	// escalation step; it closes nothing (see applyEscalate).
	KindEscalate EntryKind = "escalate"
)

// Closes reports whether an entry of kind k closes a proposal without
// applying it (reject, withdraw, timeout). Such an entry is written with
// main as its only parent, so that the proposal's head never becomes part
// of main.
func (k EntryKind) Closes() bool { return k == KindReject || k == KindWithdraw || k == KindTimeout }

// RecordsWait reports whether an entry of kind k records (wait) or changes
// (escalate) a proposal's wait: written with main as its only parent and
// main's tree, it adds no file, closes nothing and moves no instance.
func (k EntryKind) RecordsWait() bool { return k == KindWait || k == KindEscalate }

// Entry is one WAL entry as data: everything Apply needs, nothing it must
// fetch. The git layer turns commits into Entries and back.
type Entry struct {
	Kind EntryKind `json:"kind"`
	// HLC orders the entry; with Signer and IdemKey it forms the Stamp.
	HLC HLC `json:"hlc"`
	// Signer is the identity that proposed the change (not the reconciler,
	// which signs every entry).
	Signer string `json:"signer"`
	// CoAuthors are other identities the policy treats as authors of the
	// proposal (a pull request's opener whose login maps to an identity
	// other than Signer), recorded on the reconciler's word like reviews.
	CoAuthors []string `json:"co_authors,omitempty"`
	// Trigger is what the source that carried the proposal says started
	// it (the pull request), recorded on the reconciler's word like
	// CoAuthors (Writ-Trigger). Transition entries only; it becomes the
	// instance's trigger only when the proposal names none and the
	// instance has none yet (see applyTransition), and it must pass
	// schemas.CheckSourceTrigger. Nil for a local branch's proposal.
	Trigger *schemas.Trigger `json:"trigger,omitempty"`
	// IdemKey makes the entry idempotent. For transitions it is the
	// proposal's idem_key.
	IdemKey string `json:"idem_key"`
	// Proposal is the requested transition (transition and reject entries).
	Proposal *schemas.Proposal `json:"proposal,omitempty"`
	// Subject is the proposal content that was judged: its head commit and
	// content hash.
	Subject policies.Subject `json:"subject"`
	// Decisions are the approvals and rejections recorded with the entry.
	Decisions []policies.Decision `json:"decisions,omitempty"`
	// ChangedFiles are the paths the proposal changed, for policy
	// predicates.
	ChangedFiles []string `json:"changed_files,omitempty"`
	// Rules is the new rule set (genesis and rules entries).
	Rules *schemas.Bundle `json:"rules,omitempty"`
	// Grants are roles the reconciler observed from outside writ.yaml
	// (GitHub team membership) when it judged the entry. Apply honours a
	// grant only if the rules map that role to that team
	// (github.role_teams), so the reconciler cannot invent roles.
	Grants []RoleGrant `json:"grants,omitempty"`
	// Quarantine are the full hashes of the commits a recover entry
	// quarantines, oldest first (recover entries only).
	Quarantine []string `json:"quarantine,omitempty"`
	// Path is the proposal file's path (wait and timeout entries only,
	// whose wait it names; see applyWait).
	Path string `json:"path,omitempty"`
}

// RoleGrant gives an identity a role for one entry's policy evaluation,
// because it is a member of Source (a GitHub team "org/slug").
type RoleGrant struct {
	Identity string `json:"identity"`
	Role     string `json:"role"`
	Source   string `json:"source"`
}

// Stamp returns the entry's position in the total order.
func (e Entry) Stamp() Stamp { return Stamp{HLC: e.HLC, Signer: e.Signer, IdemKey: e.IdemKey} }

// Status is the result of applying one entry.
type Status string

// Statuses, in the order a reader cares about them.
const (
	// StatusApplied: the entry changed the state.
	StatusApplied Status = "applied"
	// StatusRejected: a rejection was recorded; the idem_key is consumed.
	StatusRejected Status = "rejected"
	// StatusWithdrawn: a withdrawal was recorded; the idem_key is consumed.
	StatusWithdrawn Status = "withdrawn"
	// StatusAwaiting: a wait was recorded; nothing is consumed.
	StatusAwaiting Status = "awaiting"
	// StatusDuplicate: the idem_key was already consumed; nothing changed.
	StatusDuplicate Status = "duplicate"
	// StatusStale: base_state is not the instance's current hash.
	StatusStale Status = "stale"
	// StatusWaiting: the policy is not yet satisfied (needs a human).
	StatusWaiting Status = "waiting"
	// StatusRefused: the entry is invalid or a guard failed.
	StatusRefused Status = "refused"
)

// Changed reports whether the status means the state moved.
func (s Status) Changed() bool {
	return s == StatusApplied || s == StatusRejected || s == StatusWithdrawn || s == StatusAwaiting
}

// GuardResult is the outcome of one guard.
type GuardResult struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// Outcome explains what Apply did and why.
type Outcome struct {
	Status Status `json:"status"`
	Reason string `json:"reason"`
	// Guards lists every guard evaluated, in order, passed or not.
	Guards []GuardResult `json:"guards,omitempty"`
	// Policy is the approval evaluation, when the transition has a policy.
	Policy *policies.Result `json:"policy,omitempty"`
	// Override names the identity whose break-glass override applied the
	// entry although its policy was not satisfied; empty otherwise.
	Override string `json:"override,omitempty"`
	// InstancePre and InstancePost are the instance hashes around the entry.
	InstancePre  string `json:"instance_pre,omitempty"`
	InstancePost string `json:"instance_post,omitempty"`
	// Plan is the digest of the plan a decider of the entry is shown
	// (PlanContext): set by Judge, which the gate calls, so that a decision
	// records what its decider saw; Apply leaves it empty.
	Plan string `json:"plan,omitempty"`
}
