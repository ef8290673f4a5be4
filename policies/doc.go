// Package policies is writ's approval-policy language: a pure evaluator that
// judges human decisions against a policy and explains its verdict as a tree.
//
// # Purity
//
// Everything in this package is a pure function of its arguments. Evaluate
// reads no clock, does no I/O, starts no goroutines and never depends on map
// iteration order: the same Facts always give a deep-equal Result, on every
// machine. Time, identities and approvals arrive as data. Callers (the gate,
// the reconciler, `writ gate`) fetch the facts; this package only judges them.
// The order of Facts.Identities never matters, and the order of
// Facts.Decisions matters only between decisions of the same identity (a
// later decision supersedes an earlier one).
//
// # Rules
//
// A rule applies when its If predicate holds: every input condition holds
// (see EvalCondition), the proposal's materiality ranks at least
// MaterialityAtLeast, and, when ChangedFiles globs are set, at least one
// changed file matches one of them (path.Match syntax plus "**" for any
// number of path segments). A rule that does not apply is StatusSkipped and
// its Description says why. A predicate that cannot be evaluated (an invalid
// regexp or glob) fails closed: the rule applies and says so.
//
// A rule needs Count approvals, or as many as its Quorum says: one for
// single, Min (default 2) for multi, and for any one approval by an
// eligible human whose trust level reaches the quorum's (an eligible human
// below it may still block by rejecting). While such a rule waits, the
// policy's Description names each approval its level kept from counting
// ("alice's approval did not count: trust level 3 is below the quorum's 8").
// A quorum that LoadPolicy would refuse (an unknown mode, any without a
// trust level, a negative min) fails closed: the rule is blocked and says
// why.
//
// The eligible approvers of a rule are humans that hold one of its Roles or
// are named in its Identities; with both lists empty, any human. Each
// decision that does not count is listed with the first reason that applies,
// in this order:
//
//	unknown verdict "lgtm"                (neither approve nor reject; supersedes nothing)
//	unknown identity
//	identity defined more than once       (ambiguous writ.yaml; not trusted)
//	agent cannot approve
//	not a human (kind "robot")            (any other non-human kind)
//	author cannot approve (rule sets no allow_author)
//	                                      (the author or a co-author, Facts.CoAuthors)
//	not in role sre or security           (roles joined by " or ")
//	not in role sre and not named by the rule
//	not named by the rule                 (rule lists identities only)
//	trust level 5 is below the rule's minimum 7
//	                                      (min_trust_level; "trust level unset, …" without one)
//	trust level 3 is below the quorum's 8 (approvals only, under an any quorum;
//	                                      "trust level unset, the quorum needs at least 8")
//	approved an older commit              (approvals only)
//	approved another plan: …              (approvals only; Decision.Plan)
//	superseded by a later decision
//
// An approval binds to what the approver saw: it counts when it was made on
// the subject's commit, or when its content hash equals the subject's
// (non-empty) content hash, so a rebase that leaves the content identical
// keeps it. Only the latest decision of each identity counts, so a person
// counts at most once per rule. A latest rejection by an eligible approver,
// on any commit, blocks the rule; a rejection by anyone else is listed as
// not counted and blocks nothing; so does one by a human below the rule's
// min_trust_level.
//
// # Overrides and ignored decisions
//
// Evaluate is the only judge of who counts, break-glass included. No rule
// counts an override; the policy as a whole does. When Facts.Overridable
// (a transition), the first override in decision order by a human who is
// not the author or a co-author (allow_author never applies to overrides),
// holds the override capability, gives a justification and decided on the
// subject stands in for an unsatisfied policy:
// Result.Override, which the reducer applies and flags. Every other
// override is listed in Result.Ignored with the first reason that applies:
//
//	unknown identity
//	identity defined more than once
//	agent cannot override
//	not a human (kind "robot")
//	author cannot override
//	lacks capability override
//	override has no justification
//	overrode an older commit
//	break-glass does not apply here: ...  (a rules change or a rejection)
//	not needed: the policy is satisfied   (or: another override stands)
//
// Result.Ignored also lists each approval or rejection that no applicable
// rule counted or took as a blocker, with the first rule's reason. An
// ignored decision never changes the status: a bogus override leaves a
// waiting proposal waiting, and a rejection by someone no rule makes
// eligible blocks nothing. The one-line Description names each ignored
// override and why ("bob's override does not count: lacks capability
// override").
//
// # Requirements
//
// Policy.Require combines rules by name (nil means all rules, in declared
// order). An "all" is satisfied when every child is satisfied or skipped; an
// "any" is satisfied when some child is satisfied, and skipped when every
// child is skipped. A blocked child blocks its parent, up to the policy. The
// root of the Result has Kind "policy" and a one-line Description of what is
// still needed, such as
//
//	needs 1 more approval from role sre (rule sre-pair); alice's approval was on an older commit
package policies
