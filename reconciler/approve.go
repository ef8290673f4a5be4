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
// gate decides what counts and says why.
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
	d := policies.Decision{Identity: req.As, Verdict: verdict, Commit: p.Subject.Commit, Content: p.Subject.Content,
		Justification: oneLine(req.Justification)}
	msg, err := wal.DecisionMessage(p.Path, d)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	signer, err := e.Keys.Signer(req.As)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	head, err := e.Store.Commit(p.Head)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	commit, err := e.Store.WriteCommit(gitstore.CommitRequest{
		Parents: []plumbing.Hash{p.Head}, BaseTree: head.TreeHash, Message: msg,
		Author: e.signature(rules, req.As), Committer: e.signature(rules, req.As), Signer: signer,
	})
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write decision: %w", err)
	}
	if err := e.checkSignedBy(rules, commit, req.As); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := e.Store.CompareAndSwap("refs/heads/"+p.Branch, p.Head, commit); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("record decision on %s: %w", p.Branch, err)
	}
	if _, err := e.keepDecision(rules, p.Branch, commit, req.join...); err != nil {
		return plumbing.ZeroHash, err
	}
	return commit, nil
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
