package reconciler

import (
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// WithdrawRequest asks to close one local proposal without applying it.
type WithdrawRequest struct {
	// As is the withdrawing identity; its key signs the withdrawal.
	As       string
	Proposal string // "<instance>/<name>"
	// Justification is required; it is recorded in the withdrawal and in
	// the WAL entry.
	Justification string
}

// Withdraw appends a signed withdraw decision commit (verdict withdraw,
// wal.DecisionMessage) to the proposal branch, and keeps it under the
// proposal's decision ref. The next reconcile records the withdrawal on
// main as a one-parent withdraw entry (core.KindWithdraw) when it stands:
// the proposer withdraws their own proposal alone; anybody else's
// withdrawal counts only as one of the withdrawals that together satisfy
// the governance policy of the rules in force (core judges it).
//
// It refuses, writing nothing, when the identity is unknown, the
// justification is empty, the proposal is already applied or closed or
// refused, or the identity is not the proposer and could never count under
// the governance policy (policies.Excluded: an agent, a co-author where no
// governance rule allows the author). It is Load, then WithdrawWith.
func (e *Engine) Withdraw(req WithdrawRequest) (plumbing.Hash, error) {
	l, err := e.Load()
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("load state: %w", err)
	}
	return e.WithdrawWith(l, req)
}

// WithdrawWith is Withdraw against what the command loaded.
func (e *Engine) WithdrawWith(l *Loaded, req WithdrawRequest) (plumbing.Hash, error) {
	rules := l.Rules
	if rules == nil {
		return plumbing.ZeroHash, fmt.Errorf("%w: no rules in force: run writ init first", ErrRefused)
	}
	p, err := e.PendingWith(l, req.Proposal)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, ok := rules.Identity(req.As); !ok {
		return plumbing.ZeroHash, fmt.Errorf("%w: %q is not an identity in writ.yaml", ErrRefused, req.As)
	}
	switch {
	case strings.TrimSpace(req.Justification) == "":
		return plumbing.ZeroHash, fmt.Errorf("%w: a withdrawal needs a justification (--justification)", ErrRefused)
	case p.Merged:
		return plumbing.ZeroHash, fmt.Errorf("%w: %s is already closed (applied, rejected or withdrawn): its proposal file is on main", ErrRefused, p.Branch)
	case len(p.Problems) > 0:
		return plumbing.ZeroHash, fmt.Errorf("%w: %s is refused, so reconcile prunes it without a withdrawal: %s", ErrRefused, p.Branch, strings.Join(p.Problems, "; "))
	case req.As != p.Proposer:
		if why := governanceExcluded(rules, p, req.As); why != "" {
			return plumbing.ZeroHash, fmt.Errorf("%w: %s proposed %s; %s's withdrawal would never count: only the proposer, or withdrawals that satisfy the governance policy %q, may withdraw (%s); nothing written",
				ErrRefused, p.Proposer, p.Branch, req.As, rules.Config.Governance.Policy, why)
		}
	}
	d := policies.Decision{Identity: req.As, Verdict: policies.VerdictWithdraw, Commit: p.Subject.Commit, Content: p.Subject.Content,
		Justification: oneLine(req.Justification)}
	return e.recordDecision(rules, p, d)
}

// governanceExcluded is policies.Excluded for a withdrawal by identity,
// counted as an approval under the governance policy in force.
func governanceExcluded(rules *schemas.Bundle, p intake.Pending, identity string) string {
	f := policies.Facts{Identities: rules.Config.Identities, Author: p.Proposer, CoAuthors: p.CoAuthors}
	if pol, ok := rules.Policy(rules.Config.Governance.Policy); ok {
		f.Policy = *pol
	}
	return policies.Excluded(&f, identity, policies.VerdictApprove)
}
