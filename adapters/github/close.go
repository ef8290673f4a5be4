package github

import (
	"context"
	"fmt"
	"strings"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
)

// The markers that start the comment writ leaves on a pull request it
// closes without merging, one per reason (RejectMarker is the fourth):
// CloseWith finds an earlier one by its marker, so each is written once.
const (
	// WithdrawMarker: the proposal was withdrawn by a withdraw entry.
	WithdrawMarker = "<!-- writ:withdrawn -->"
	// StaleMarker: the proposal can never apply, its base_state is no
	// longer the instance's (or the rules') hash.
	StaleMarker = "<!-- writ:stale -->"
	// RefusedMarker: the proposal is refused for good, its idem_key being
	// consumed already (duplicate).
	RefusedMarker = "<!-- writ:refused -->"
)

// RenderWithdrawal renders the comment on a pull request whose proposal
// a withdraw entry closed: the entry, and who withdrew it and why
// (escaped). It is pure.
func RenderWithdrawal(path, entry string, by []Rejection) string {
	var b strings.Builder
	b.WriteString(WithdrawMarker + "\n")
	fmt.Fprintf(&b, "### writ withdrew %s\n\n", codeSpan(path))
	fmt.Fprintf(&b, "Recorded as withdraw entry `%s` on main: the proposal's idem\\_key is consumed and nothing else changes. ", short(entry))
	b.WriteString("This pull request is closed, not merged; its commits are kept as evidence.\n\n")
	b.WriteString("Withdrawn by:\n")
	for _, w := range by {
		fmt.Fprintf(&b, "- **%s**", escapeText(w.Identity))
		if w.Role != "" {
			fmt.Fprintf(&b, " (role %s)", escapeText(w.Role))
		}
		reason := strings.TrimSpace(w.Reason)
		if reason == "" {
			reason = "no reason given"
		}
		fmt.Fprintf(&b, ": %s\n", escapeText(oneLine(reason)))
	}
	return b.String()
}

// RenderRefusedForGood renders the comment on a pull request writ closes
// because its proposal can never apply (status stale or duplicate), with
// the gate's reason, which for a stale proposal says how to propose it
// again. It returns the marker to close it with. It is pure.
func RenderRefusedForGood(path string, status core.Status, reason string) (marker, body string) {
	marker, what := RefusedMarker, "refused: its idem_key is already consumed"
	if status == core.StatusStale {
		marker, what = StaleMarker, "stale: it was proposed against a state that has moved on"
	}
	var b strings.Builder
	b.WriteString(marker + "\n")
	fmt.Fprintf(&b, "### writ closed %s\n\n", codeSpan(path))
	fmt.Fprintf(&b, "This proposal is %s, so it can never apply. Nothing was written to main; this pull request is closed, not merged.\n\n", what)
	fmt.Fprintf(&b, "Reason: %s\n", escapeText(oneLine(reason)))
	return marker, b.String()
}

// withdrawals lists the withdraw decisions among ds, with their roles.
func withdrawals(ds []policies.Decision, roles map[string]string) []Rejection {
	var out []Rejection
	for _, d := range ds {
		if d.Verdict == policies.VerdictWithdraw {
			out = append(out, Rejection{Identity: d.Identity, Role: roles[d.Identity], Reason: d.Justification})
		}
	}
	return out
}

// closeWithdrawn closes a pull request whose withdrawal this run recorded.
func (s *PullRequests) closeWithdrawn(ctx context.Context, p PullResult) error {
	g := p.Gate
	if !p.Applied || g.Verdict != intake.VerdictWithdrawn {
		return nil
	}
	return s.Client.CloseWith(ctx, p.Number, WithdrawMarker, RenderWithdrawal(g.Pending.Path, p.Entry.String(), withdrawals(g.Entry.Decisions, nil)))
}

// closeRefusedForGood closes a pull request whose proposal this run found
// stale or duplicate: refused for good, what a local reconcile prunes.
// A pull request refused for a reason its author can fix (a signature, a
// guard, its YAML) stays open. Nothing is closed while main holds foreign
// commits (foreign), as nothing is pruned then.
func (s *PullRequests) closeRefusedForGood(ctx context.Context, p PullResult, foreign bool) error {
	g := p.Gate
	if foreign || p.Applied || g.Verdict != intake.VerdictRefused || g.Pending.Path == "" {
		return nil
	}
	switch g.Outcome.Status {
	case core.StatusStale, core.StatusDuplicate:
	default:
		return nil
	}
	marker, body := RenderRefusedForGood(g.Pending.Path, g.Outcome.Status, g.Reason)
	return s.Client.CloseWith(ctx, p.Number, marker, body)
}
