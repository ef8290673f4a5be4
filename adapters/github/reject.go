package github

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	gh "github.com/google/go-github/v62/github"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/wal"
)

// RejectMarker starts the comment writ leaves on a pull request whose
// proposal it recorded as rejected; CloseRejected finds it by this marker,
// so the comment is written once however many runs see the pull request.
const RejectMarker = "<!-- writ:rejected -->"

// CloseRejected tells a pull request that its proposal was rejected and
// closes it: it is CloseWith(RejectMarker, body). The reject entry on main
// does not contain the pull request's head, so GitHub shows it closed, not
// merged.
func (c *Client) CloseRejected(ctx context.Context, pr int, body string) error {
	return c.CloseWith(ctx, pr, RejectMarker, body)
}

// CloseWith tells a pull request why writ closed it and closes it: it
// posts body (marker prepended if missing) unless a comment starting with
// marker is there already (every page), then sets the pull request's state
// to closed. So however many runs see the pull request, it gets one such
// comment. Calls: one per page of comments, at most one comment, one
// update.
func (c *Client) CloseWith(ctx context.Context, pr int, marker, body string) error {
	if !strings.HasPrefix(body, marker) {
		body = marker + "\n" + body
	}
	body = truncate(body, maxCommentBody)
	comments, err := paginate(fmt.Sprintf("list comments of #%d", pr), func(o gh.ListOptions) ([]*gh.IssueComment, *gh.Response, error) {
		return c.gh.Issues.ListComments(ctx, c.owner, c.repo, pr, &gh.IssueListCommentsOptions{ListOptions: o})
	})
	if err != nil {
		return err
	}
	found := false
	for _, cm := range comments {
		if strings.HasPrefix(strings.TrimSpace(cm.GetBody()), marker) {
			found = true
			break
		}
	}
	what := strings.TrimSuffix(strings.TrimPrefix(marker, "<!-- writ:"), " -->")
	if !found {
		if _, _, err := c.gh.Issues.CreateComment(ctx, c.owner, c.repo, pr, &gh.IssueComment{Body: gh.String(body)}); err != nil {
			return apiError(fmt.Sprintf("comment why #%d is closed (%s)", pr, what), err)
		}
	}
	if _, _, err := c.gh.PullRequests.Edit(ctx, c.owner, c.repo, pr, &gh.PullRequest{State: gh.String("closed")}); err != nil {
		return apiError(fmt.Sprintf("close %s pull request #%d", what, pr), err)
	}
	return nil
}

// Rejection is who rejected a proposal and why, as the policy's
// explanation tree names them (its blockers).
type Rejection struct {
	Identity string
	Role     string
	Reason   string
}

// Rejections lists the eligible rejections that blocked a policy, one per
// identity, in tree order. It is pure.
func Rejections(r *policies.Result) []Rejection {
	if r == nil {
		return nil
	}
	var out []Rejection
	seen := map[string]bool{}
	var walk func(n policies.Result)
	walk = func(n policies.Result) {
		for _, b := range n.Blockers {
			if !seen[b.Identity] {
				seen[b.Identity] = true
				out = append(out, Rejection{Identity: b.Identity, Role: b.Role, Reason: b.Reason})
			}
		}
		for _, ch := range n.Children {
			walk(ch)
		}
	}
	walk(*r)
	return out
}

// RenderRejection renders the comment CloseRejected posts: the proposal,
// the reject entry on main, and each rejection with its justification
// (escaped: a review body cannot inject Markdown or mentions). It is pure.
func RenderRejection(path, entry, instanceState string, rejections []Rejection) string {
	var b strings.Builder
	b.WriteString(RejectMarker + "\n")
	fmt.Fprintf(&b, "### writ rejected %s\n\n", codeSpan(path))
	fmt.Fprintf(&b, "Recorded as reject entry `%s` on main: the proposal's idem\\_key is consumed", short(entry))
	if instanceState != "" {
		fmt.Fprintf(&b, " and the instance is in %s", codeSpan(instanceState))
	}
	b.WriteString(". This pull request is closed, not merged; its commits are kept as evidence.\n\n")
	if len(rejections) == 0 {
		b.WriteString("Rejected by an eligible approver.\n")
		return b.String()
	}
	b.WriteString("Rejected by:\n")
	for _, r := range rejections {
		fmt.Fprintf(&b, "- **%s**", escapeText(r.Identity))
		if r.Role != "" {
			fmt.Fprintf(&b, " (role %s)", escapeText(r.Role))
		}
		reason := strings.TrimSpace(r.Reason)
		if reason == "" {
			reason = "no reason given"
		}
		fmt.Fprintf(&b, ": %s\n", escapeText(oneLine(reason)))
	}
	return b.String()
}

// closeRejected closes a pull request whose rejection this run recorded,
// with the comment naming who rejected it and why.
func (s *PullRequests) closeRejected(ctx context.Context, p PullResult) error {
	g := p.Gate
	if !p.Applied || g.Verdict != intake.VerdictRejected {
		return nil
	}
	state := ""
	if prop := g.Entry.Proposal; prop != nil {
		if inst, ok, err := g.Next.Instance(prop.Instance); err == nil && ok {
			state = inst.State
		}
	}
	return s.Client.CloseRejected(ctx, p.Number, RenderRejection(g.Pending.Path, p.Entry.String(), state, Rejections(g.Outcome.Policy)))
}

// maxRejectWalk bounds how many entries of main a run reads back to find
// the reject entry of a pull request that is still open.
const maxRejectWalk = 1000

// rejectedEarlier finds, for a pull request whose proposal is already on
// main (merged verdict) but which is still open, the reject or withdraw
// entry that put it there, reading main's entries newest first (at most
// maxRejectWalk): a run that recorded it but failed to close the pull
// request leaves it so. ok is false when the entry is a transition, or is
// not found within the bound.
func (s *PullRequests) rejectedEarlier(main plumbing.Hash, path string) (entry plumbing.Hash, rec wal.Record, ok bool) {
	h := main
	for i := 0; i < maxRejectWalk && !h.IsZero(); i++ {
		c, err := s.Store.Commit(h)
		if err != nil {
			return plumbing.ZeroHash, wal.Record{}, false
		}
		if r, err := wal.Decode(c.Message); err == nil && r.ProposalPath == path {
			return h, r, r.Entry.Kind.Closes()
		}
		if len(c.ParentHashes) == 0 {
			break
		}
		h = c.ParentHashes[0]
	}
	return plumbing.ZeroHash, wal.Record{}, false
}

// closeRejectedEarlier closes a still-open pull request whose rejection
// or withdrawal an earlier run recorded, with the same comment, naming the
// rejections or withdrawals the entry records.
func (s *PullRequests) closeRejectedEarlier(ctx context.Context, main plumbing.Hash, p PullResult) error {
	if p.Applied || p.Gate.Verdict != intake.VerdictMerged || p.Gate.Pending.Path == "" {
		return nil
	}
	entry, rec, ok := s.rejectedEarlier(main, p.Gate.Pending.Path)
	if !ok {
		return nil
	}
	if rec.Entry.Kind == core.KindWithdraw {
		return s.Client.CloseWith(ctx, p.Number, WithdrawMarker, RenderWithdrawal(p.Gate.Pending.Path, entry.String(), withdrawals(rec.Entry.Decisions, rec.Roles)))
	}
	var rs []Rejection
	for _, d := range rec.Entry.Decisions {
		if d.Verdict == policies.VerdictReject {
			rs = append(rs, Rejection{Identity: d.Identity, Role: rec.Roles[d.Identity], Reason: d.Justification})
		}
	}
	return s.Client.CloseRejected(ctx, p.Number, RenderRejection(p.Gate.Pending.Path, entry.String(), "", rs))
}
