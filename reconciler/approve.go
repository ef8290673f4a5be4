package reconciler

import (
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/gitstore"
	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
	"github.com/writ-dev/writ/schemas"
)

// ApproveRequest records one human decision on a local proposal.
type ApproveRequest struct {
	As       string
	Proposal string // "<instance>/<name>"
	Reject   bool
	// Override records a break-glass override: the transition applies
	// without its policy being satisfied, flagged in the audit trail. It
	// needs the override capability and a justification.
	Override bool
	// Justification is required for a rejection and an override.
	Justification string
	// Plan, when set, is the digest of the plan the decider looked at
	// (`writ show` prints it): the decision is refused, nothing written,
	// unless it is still the plan of the proposal. Either way the decision
	// records the digest of the plan it decides on.
	Plan string

	// join are decision tips the decision ref must hold too (the
	// remote's, when ApproveAndPush publishes the decision).
	join []plumbing.Hash
}

// Approve appends a signed decision commit to the proposal branch. It
// refuses, writing nothing, when the decider is unknown, when the proposal
// is already applied or refused, and when no rule of the policy in force
// could ever count the decision because of who decides
// (policies.Excluded: an agent; the proposal's author or a co-author where
// no rule sets allow_author; an override by an author), saying why in the
// policy's words. Eligibility by role or name is not checked here: the
// gate decides what counts and says why. The decision records the digest
// of the plan it decides on (policies.Decision.Plan), and is refused when
// req.Plan names another.
// It is Load, then ApproveWith.
func (e *Engine) Approve(req ApproveRequest) (plumbing.Hash, error) {
	l, err := e.Load()
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("load state: %w", err)
	}
	return e.ApproveWith(l, req)
}

// ApproveWith is Approve against what the command loaded: the proposal is
// read against l.Head and judged by l's rules.
func (e *Engine) ApproveWith(l *Loaded, req ApproveRequest) (plumbing.Hash, error) {
	rules := l.Rules
	p, err := e.PendingWith(l, req.Proposal)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	verdict := policies.VerdictApprove
	switch {
	case req.Reject && req.Override:
		return plumbing.ZeroHash, fmt.Errorf("%w: choose one of reject and override", ErrRefused)
	case req.Reject:
		verdict = policies.VerdictReject
	case req.Override:
		verdict = policies.VerdictOverride
	}
	who, ok := rules.Identity(req.As)
	switch {
	case !ok:
		return plumbing.ZeroHash, fmt.Errorf("%w: %q is not an identity in writ.yaml", ErrRefused, req.As)
	case p.Merged:
		return plumbing.ZeroHash, fmt.Errorf("%w: %s is already applied", ErrRefused, p.Branch)
	case len(p.Problems) > 0:
		return plumbing.ZeroHash, fmt.Errorf("%w: %s is refused: %s", ErrRefused, p.Branch, strings.Join(p.Problems, "; "))
	case excluded(rules, p, req.As, verdict) != "":
		noun := map[policies.Verdict]string{policies.VerdictApprove: "approval", policies.VerdictReject: "rejection"}[verdict]
		if noun == "" {
			noun = string(verdict)
		}
		return plumbing.ZeroHash, fmt.Errorf("%w: %s's %s of %s (proposed by %s) would never count: %s; nothing written",
			ErrRefused, req.As, noun, p.Branch, p.Proposer, excluded(rules, p, req.As, verdict))
	case req.Reject && strings.TrimSpace(req.Justification) == "":
		return plumbing.ZeroHash, fmt.Errorf("%w: a rejection needs a justification (--justification)", ErrRefused)
	case req.Override && strings.TrimSpace(req.Justification) == "":
		return plumbing.ZeroHash, fmt.Errorf("%w: an override needs a justification (--justification)", ErrRefused)
	case req.Override && !who.HasCapability(core.CapabilityOverride):
		return plumbing.ZeroHash, fmt.Errorf("%w: %s lacks capability %s", ErrRefused, req.As, core.CapabilityOverride)
	}
	plan := p.PlanDigest(rules, l.State.RulesHash())
	if req.Plan != "" && req.Plan != plan {
		return plumbing.ZeroHash, fmt.Errorf("%w: the plan of %s is now %s, not the %s you were shown: the proposal, its instance, or the workflow or policy judging it changed since; run `writ show %s` again and decide on what it shows; nothing written",
			ErrRefused, p.Branch, plan, req.Plan, req.Proposal)
	}
	d := policies.Decision{Identity: req.As, Verdict: verdict, Commit: p.Subject.Commit, Content: p.Subject.Content,
		Justification: oneLine(req.Justification), Plan: plan}
	return e.recordDecision(rules, p, d, req.join...)
}

// excluded is policies.Excluded for a decision by identity on p under the
// policy in force (none: a policy without rules, under which no author
// counts).
func excluded(rules *schemas.Bundle, p intake.Pending, identity string, verdict policies.Verdict) string {
	f := policies.Facts{Identities: rules.Config.Identities, Author: p.Proposer, CoAuthors: p.CoAuthors}
	if pol, ok := core.PolicyOf(rules, p.Proposal, p.IsRules()); ok {
		f.Policy = *pol
	}
	return policies.Excluded(&f, identity, verdict)
}

// oneLine collapses whitespace so a justification fits one trailer value.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// DecisionAt reads the decision commit c writes: ok is false when c is not
// a well-formed decision commit.
func (e *Engine) DecisionAt(c plumbing.Hash) (policies.Decision, bool) {
	commit, err := e.Store.Commit(c)
	if err != nil {
		return policies.Decision{}, false
	}
	d, ok, err := wal.ParseDecisionMessage(commit.Message)
	return d, ok && err == nil
}

// recordDecision writes decision d as a signed decision commit on p's
// branch (by compare-and-swap from the head read; when p was read from a
// remote-tracking branch, it creates the local branch) and keeps it under
// the proposal's decision ref.
func (e *Engine) recordDecision(rules *schemas.Bundle, p intake.Pending, d policies.Decision, join ...plumbing.Hash) (plumbing.Hash, error) {
	msg, err := wal.DecisionMessage(p.Path, d)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	signer, err := e.Keys.Signer(d.Identity)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	head, err := e.Store.Commit(p.Head)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	commit, err := e.Store.WriteCommit(gitstore.CommitRequest{
		Parents: []plumbing.Hash{p.Head}, BaseTree: head.TreeHash, Message: msg,
		Author: e.signature(rules, d.Identity), Committer: e.signature(rules, d.Identity), Signer: signer,
	})
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write %s decision: %w", d.Verdict, err)
	}
	if err := e.checkSignedBy(rules, commit, d.Identity); err != nil {
		return plumbing.ZeroHash, err
	}
	// Read from a remote-tracking branch (a clone): the decision sets up
	// the local branch, as git switch would, from nothing.
	from := p.Head
	if p.Tracking != "" {
		from = plumbing.ZeroHash
	}
	if err := e.Store.CompareAndSwap("refs/heads/"+p.Branch, from, commit); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("record %s decision on %s: %w", d.Verdict, p.Branch, err)
	}
	if _, err := e.keepDecision(rules, p.Branch, commit, join...); err != nil {
		return plumbing.ZeroHash, err
	}
	return commit, nil
}
