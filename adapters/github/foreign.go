package github

import (
	"context"
	"fmt"
	"strings"

	"github.com/writ-dev/writ/reconciler/replay"
)

// ForeignCommit is a commit on main that writ did not write, as the
// caller words it for RenderForeign.
type ForeignCommit struct {
	SHA     string
	Author  string // "Name <email>"
	Subject string
	Parents int
	// Reason is why it does not verify as an entry (may be empty).
	Reason string
}

// RenderForeign renders the check run writ publishes on main's head when
// main holds commits writ did not write after its last verified entry
// verified: a failure naming each commit, its author and subject, and the
// recovery procedure. Commit authors and subjects are user text: escaped,
// or fenced. It is pure.
func RenderForeign(repository, verified string, commits []ForeignCommit) CheckOutput {
	out := CheckOutput{Conclusion: "failure"}
	if len(commits) == 0 {
		out.Conclusion, out.Title = "neutral", "no foreign commits"
		return out
	}
	first := commits[0]
	out.Title = truncate(oneLine(fmt.Sprintf("refused: %d commit(s) on main not written by writ, first %s by %s",
		len(commits), short(first.SHA), first.Author)), 200)
	var sum strings.Builder
	fmt.Fprintf(&sum, "**%s** refuses main: after the last verified entry `%s` it holds commits writ did not write "+
		"(a direct push, a merge button). Nothing is applied, and writ serves the state at `%s`, until a recovery entry "+
		"quarantines them.\n\n", escapeText(CheckName(repository)), short(verified), short(verified))
	sum.WriteString("| commit | author | subject |\n|---|---|---|\n")
	for _, c := range commits {
		subject := c.Subject
		if c.Parents > 1 {
			subject += fmt.Sprintf(" (a merge of %d parents)", c.Parents)
		}
		fmt.Fprintf(&sum, "| `%s` | %s | %s |\n", short(c.SHA), escapeText(oneLine(c.Author)), escapeText(oneLine(subject)))
	}
	out.Summary = truncate(sum.String(), maxCheckField)
	var text strings.Builder
	text.WriteString("### How to recover\n\n")
	text.WriteString("A maintainer proposes the recovery, on a branch forked from the last verified entry, and pushes it as a pull request:\n\n")
	text.WriteString(fence("writ propose --recover --as <identity>\ngit push origin proposals/rules/<name>"))
	text.WriteString("It is judged by the governance policy, like a rule change; once approved, writ writes one recover entry on top of " +
		"the foreign commits (a fast-forward, no force-push) that restores the verified tree and names every quarantined commit.\n\n")
	if first.Reason != "" {
		text.WriteString("### Why the first commit is not an entry\n\n")
		text.WriteString(fence(first.Reason))
	}
	out.Text = truncate(text.String(), maxCheckField)
	return out
}

// foreignCommits words a *replay.ForeignError's commits for RenderForeign.
func foreignCommits(fe *replay.ForeignError) []ForeignCommit {
	out := make([]ForeignCommit, len(fe.Commits))
	for i, c := range fe.Commits {
		out[i] = ForeignCommit{SHA: c.Commit.String(), Author: c.Author, Subject: c.Subject, Parents: c.Parents, Reason: c.Reason}
	}
	if len(out) > 0 && out[0].Reason == "" {
		if first := fe.FirstReason(); first != "" {
			out[0].Reason = first
		}
	}
	return out
}

// reportForeign publishes the failing check run on main's head (the last
// foreign commit). A token that may not write checks makes it a note.
func (s *PullRequests) reportForeign(ctx context.Context, fe *replay.ForeignError, last *RunReport) error {
	commits := foreignCommits(fe)
	if len(commits) == 0 {
		return nil
	}
	repo := s.repository()
	check := s.CheckName
	if check == "" {
		check = CheckName(repo)
	}
	out := RenderForeign(repo, fe.Verified.String(), commits)
	head := commits[len(commits)-1].SHA
	if _, err := s.Client.PublishCheck(ctx, head, check, out.Conclusion, out.Title, out.Summary, out.Text); err != nil {
		if forbidden(err) {
			last.Notes = append(last.Notes, fmt.Sprintf("main's head %s is not written by writ: check not published (%v)", short(head), err))
			return nil
		}
		return fmt.Errorf("check on main's head %s: %w", short(head), err)
	}
	return nil
}
