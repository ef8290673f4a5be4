package policies

import (
	"strconv"
	"strings"

	"github.com/writ-dev/writ/schemas"
)

// Verdict is what a human decided about a proposal.
type Verdict string

// The verdicts a Decision can carry. Any other value is listed as not
// counted and supersedes nothing.
const (
	VerdictApprove Verdict = "approve"
	VerdictReject  Verdict = "reject"
	// VerdictOverride is break-glass: no rule counts it, but Evaluate
	// judges it for the policy as a whole. An override by a human other
	// than the author, holding the override capability, with a
	// justification, on the subject, stands in for an unsatisfied policy
	// when Facts.Overridable (Result.Override; the reducer applies and
	// flags it); any other is listed in Result.Ignored with its reason and
	// changes nothing.
	VerdictOverride Verdict = "override"
	// VerdictWithdraw asks to close a proposal without applying it. No
	// rule counts it (Evaluate lists it as not counted); the reducer
	// judges it (core.KindWithdraw): by the proposer, or by withdrawals
	// that satisfy the governance policy.
	VerdictWithdraw Verdict = "withdraw"
)

// Decision is one human decision, as data. It is the evaluator's only notion
// of a review: where it came from (a PR review, a signed approval commit) is
// the caller's business.
type Decision struct {
	// Identity is the decider's identity name from writ.yaml.
	Identity string `json:"identity"`
	// Verdict is approve or reject.
	Verdict Verdict `json:"verdict"`
	// Commit is the commit the decider approved or rejected.
	Commit string `json:"commit"`
	// Content is the content hash the decider saw, "sha256:<hex>"; may be
	// empty.
	Content string `json:"content,omitempty"`
	// Ref says where the decision is recorded: an approval commit sha or a
	// review id.
	Ref string `json:"ref,omitempty"`
	// Justification is the decider's free-text reason.
	Justification string `json:"justification,omitempty"`
	// Plan is the digest of the plan the decider was shown,
	// "sha256:<hex>" (core.PlanContext.Digest): the proposal content, the
	// state it moves from and the versions of the workflow and policy that
	// judge it. An approval or override whose Plan is set counts only while
	// the plan judged now (Facts.Plan) has that digest. Empty for decisions
	// that record no plan (a GitHub review, decisions written before plans
	// were recorded): they bind by Commit and Content alone.
	Plan string `json:"plan,omitempty"`
}

// sawPlan reports whether the decision was made on the plan judged now:
// it records none, or the same digest.
func (d Decision) sawPlan(plan string) bool { return d.Plan == "" || d.Plan == plan }

// covers reports whether the decision was made on what is judged now: the
// same commit, or the same non-empty content hash.
func (d Decision) covers(s Subject) bool {
	if d.Commit != "" && d.Commit == s.Commit {
		return true
	}
	return d.Content != "" && d.Content == s.Content
}

// Subject is what is being judged now: the proposal's head commit and the
// content hash of the proposal at that commit.
type Subject struct {
	Commit  string `json:"commit"`
	Content string `json:"content,omitempty"`
}

// Facts is everything Evaluate needs, gathered by the caller. Evaluate never
// modifies it.
type Facts struct {
	// Policy is the policy that judges the proposal.
	Policy schemas.Policy `json:"policy"`
	// Identities is every identity of writ.yaml, in any order. Names are
	// expected to be unique; a name defined twice is not trusted.
	Identities []schemas.Identity `json:"identities"`
	// Author is the identity name of the proposer.
	Author string `json:"author"`
	// CoAuthors are other identities that authored the proposal, in any
	// order (a pull request's opener whose login maps to an identity
	// other than the proposer). The author rule applies to each of them as
	// to Author: they count only under a rule that sets allow_author, and
	// their overrides never stand.
	CoAuthors []string `json:"co_authors,omitempty"`
	// Subject is the proposal head being judged.
	Subject Subject `json:"subject"`
	// Plan is the digest of the plan being judged (core.PlanContext); an
	// approval or override that records another plan does not count.
	Plan string `json:"plan,omitempty"`
	// Inputs are the proposal inputs as decoded from YAML or JSON.
	Inputs map[string]any `json:"inputs,omitempty"`
	// Materiality is the proposal's materiality; empty ranks as low.
	Materiality schemas.Materiality `json:"materiality,omitempty"`
	// ChangedFiles are the paths the proposal changes, slash-separated.
	ChangedFiles []string `json:"changed_files,omitempty"`
	// Decisions are in the order they were made; a later decision by the
	// same identity supersedes an earlier one.
	Decisions []Decision `json:"decisions,omitempty"`
	// Overridable says whether a break-glass override may stand in for
	// the policy (a transition); false for a rules change or a rejection,
	// whose overrides are then all ignored.
	Overridable bool `json:"overridable,omitempty"`
	// Held says that a guard only a break-glass override lifts (a time
	// window or freeze of the transition) holds the proposal now: an
	// override that passes every check then stands (Result.Override)
	// even when the policy is satisfied, instead of being "not needed".
	Held bool `json:"held,omitempty"`
	// Escalated are the escalation steps the proposal's recorded wait has
	// reached, in order. A human who is not eligible under a rule by its
	// roles or names, but holds one of a step's roles or is named by it,
	// is eligible under that rule (and under every rule of the policy) as
	// if the rule named them; every other check (human, not the author
	// unless allowed, trust level, subject, plan, latest decision) still
	// applies. Their role is "escalated-<n>:<who>" (EscalatedRolePrefix), which
	// the explanation renders "through escalation step <n> (<who>)".
	Escalated []Escalation `json:"escalated,omitempty"`
}

// Escalation is one escalation step a wait reached: its number (1-based)
// and whose approvals it adds.
type Escalation struct {
	Step       int      `json:"step"`
	Roles      []string `json:"roles,omitempty"`
	Identities []string `json:"identities,omitempty"`
}

// admits reports whether the step names id by role or name.
func (x Escalation) admits(id schemas.Identity) bool {
	for _, r := range x.Roles {
		if id.HasRole(r) {
			return true
		}
	}
	for _, n := range x.Identities {
		if n == id.Name {
			return true
		}
	}
	return false
}

// EscalatedRolePrefix starts the role of a vote counted through an
// escalation step: "escalated-1:sre-lead,carol" (step 1, its roles and
// identities), one token so that it fits a Writ-Approval trailer.
const EscalatedRolePrefix = "escalated-"

// escalatedRole returns the role under which an escalation step makes id
// eligible (the first step that names it), "escalated-<n>:<roles and
// identities>".
func (f *Facts) escalatedRole(id schemas.Identity) (string, bool) {
	for _, x := range f.Escalated {
		if x.admits(id) {
			who := append(append([]string{}, x.Roles...), x.Identities...)
			return EscalatedRolePrefix + strconv.Itoa(x.Step) + ":" + strings.Join(who, ","), true
		}
	}
	return "", false
}

// isAuthor reports whether identity is the author or a co-author.
func (f *Facts) isAuthor(identity string) bool {
	if identity == f.Author {
		return true
	}
	for _, a := range f.CoAuthors {
		if a == identity {
			return true
		}
	}
	return false
}
