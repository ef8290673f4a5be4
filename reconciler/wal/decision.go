package wal

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/schemas"
)

// Trailers of a local decision commit: an empty, signed commit on the
// proposal branch that records one human's approval, rejection or
// override.
const (
	KeyDecision         = "Writ-Decision"
	KeyDecisionIdentity = "Writ-Identity"
	KeyDecisionSubject  = "Writ-Subject"
	KeyDecisionContent  = "Writ-Content"
	// KeyDecisionPlan is the digest of the plan the decider was shown
	// (policies.Decision.Plan); absent from decisions written before
	// plans were recorded.
	KeyDecisionPlan = "Writ-Plan"
)

// DecisionMessage renders the commit message of a local decision commit
// on the proposal whose file is proposalPath: the subject
// "writ: <verdict> <proposalPath>", d's justification as the body, and the
// trailers Writ-Decision, Writ-Identity, Writ-Subject (the proposal commit
// decided on), Writ-Content (its content hash) and, when d records one,
// Writ-Plan (the digest of the plan shown). It fails when a value
// cannot be a trailer (empty or multi-line) or is not what its trailer
// holds (checkDecisionValues; ErrInvalidTrailer).
func DecisionMessage(proposalPath string, d policies.Decision) (string, error) {
	if err := checkDecisionValues(d); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidTrailer, err)
	}
	return FormatMessage(
		fmt.Sprintf("writ: %s %s", d.Verdict, proposalPath),
		d.Justification,
		append([]Trailer{
			{Key: KeyDecision, Value: string(d.Verdict)},
			{Key: KeyDecisionIdentity, Value: d.Identity},
			{Key: KeyDecisionSubject, Value: d.Commit},
			{Key: KeyDecisionContent, Value: d.Content},
		}, planTrailer(d)...))
}

// planTrailer is the Writ-Plan trailer of d, none when d records no plan.
func planTrailer(d policies.Decision) []Trailer {
	if d.Plan == "" {
		return nil
	}
	return []Trailer{{Key: KeyDecisionPlan, Value: d.Plan}}
}

// ParseDecisionMessage reads a decision commit message. ok is false (and
// err nil) when the message is not a decision at all: it does not parse
// or has no Writ-Decision trailer. ok is true with an error when it is a
// decision but a malformed one: a decision trailer repeated, a verdict
// other than approve, reject, override or withdraw, or no identity or subject. The
// justification is the body folded to one line.
func ParseDecisionMessage(msg string) (d policies.Decision, ok bool, err error) {
	_, body, trailers, err := ParseMessage(msg)
	if err != nil {
		return d, false, nil
	}
	one := map[string]string{}
	for _, t := range trailers {
		if _, dup := one[t.Key]; dup && (t.Key == KeyDecision || t.Key == KeyDecisionIdentity || t.Key == KeyDecisionSubject || t.Key == KeyDecisionContent || t.Key == KeyDecisionPlan) {
			return d, true, fmt.Errorf("trailer %s appears more than once", t.Key)
		}
		one[t.Key] = t.Value
	}
	v, isDecision := one[KeyDecision]
	if !isDecision {
		return d, false, nil
	}
	d = policies.Decision{Identity: one[KeyDecisionIdentity], Verdict: policies.Verdict(v),
		Commit: one[KeyDecisionSubject], Content: one[KeyDecisionContent], Justification: oneLine(body), Plan: one[KeyDecisionPlan]}
	switch {
	case d.Verdict != policies.VerdictApprove && d.Verdict != policies.VerdictReject && d.Verdict != policies.VerdictOverride &&
		d.Verdict != policies.VerdictWithdraw:
		return d, true, fmt.Errorf("%s %q is not approve, reject, override or withdraw", KeyDecision, v)
	case d.Identity == "":
		return d, true, fmt.Errorf("missing %s", KeyDecisionIdentity)
	case d.Commit == "":
		return d, true, fmt.Errorf("missing %s", KeyDecisionSubject)
	}
	if err := checkDecisionValues(d); err != nil {
		return d, true, err
	}
	return d, true, nil
}

// checkDecisionValues refuses a decision whose values are not what their
// trailers hold: an identity with white space, a subject that is not a
// commit hash (40 lowercase hex digits, not all zero), a content or plan that is
// not "sha256:" and 64 lowercase hex digits. A decision is recorded in the
// WAL on one line of space-separated key=value fields (see
// formatDecision), so a value with a space could make it read back as
// another decision; a decision commit that carries one is malformed and
// counts nowhere.
func checkDecisionValues(d policies.Decision) error {
	switch {
	case strings.IndexFunc(d.Identity, unicode.IsSpace) >= 0 || strings.Contains(d.Identity, "="):
		return fmt.Errorf("%s %q is not an identity name", KeyDecisionIdentity, d.Identity)
	case !isCommitHash(d.Commit):
		return fmt.Errorf("%s %q is not a commit hash", KeyDecisionSubject, d.Commit)
	case d.Content != "" && !schemas.IsSHA256Hash(d.Content):
		return fmt.Errorf("%s %q is not sha256:<64 hex digits>", KeyDecisionContent, d.Content)
	case d.Plan != "" && !schemas.IsSHA256Hash(d.Plan):
		return fmt.Errorf("%s %q is not sha256:<64 hex digits>", KeyDecisionPlan, d.Plan)
	}
	return nil
}
