package core

import "fmt"

// One wait per proposal path. The table of waits is keyed by the proposal
// file's path, and a pull request is read from its commits, so two open
// proposals (a branch and a pull request, or two pull requests) can add
// the same path with different content. Were each allowed to record its
// wait, every run would write two wait entries, each replacing the other
// and its start: main would grow for ever and neither wait would ever time
// out or escalate. So the first content recorded keeps the path while a
// live proposal carries it (one the loop times out, escalates or applies):
// another content at that path waits without a wait of its own (behind
// it) and records one only once no live proposal carries the recorded
// content (a push replaced it, it was closed without ending the wait, or
// only a held proposal, which no run ever times out, still carries it). A
// push to the branch that waits is exactly that case: its old content is
// gone, so the new content's wait replaces the old one and starts over.
// A held proposal (a fork's or a draft pull request, a read-only run)
// never keeps a path's wait nor makes another wait behind it: were it to,
// anyone who may open a fork pull request could re-open a proposer's
// superseded commit and stop the path's timeout and escalation for good.

// OpenProposal is a proposal a run read at a path, as WaitBehind weighs
// it.
type OpenProposal struct {
	// Content is its proposal file's content hash; "" when the run could
	// not read it (it is judged again in the next run).
	Content string
	// Held says the run never carries a wait of this proposal to its end:
	// it neither times it out nor escalates nor applies it (its source
	// holds it back, or the loop records no wait for what it is). A held
	// proposal keeps no wait at its path, whatever its content.
	Held bool
}

// WaitBehind says whether a proposal with content at path must wait behind
// the wait recorded there for other content, given the proposals open at
// path that this run read (open) and whether every proposal that may be
// at path and that the run could carry was read (complete; a held
// proposal left unread does not count). It returns the recorded wait and
// true when the proposal's wait must not be recorded now: a proposal of
// open that is not Held carries the recorded content, or one that is not
// Held could not be read, or the round is not complete, so replacing the
// wait could undo one a later run times out. It returns false when nothing
// else waits at path, when the recorded wait is for content itself, or
// when no proposal but a held one carries the recorded content. It is
// pure.
func (s State) WaitBehind(path, content string, open []OpenProposal, complete bool) (Wait, bool) {
	w, ok := s.WaitOf(path)
	if !ok || w.Content == content {
		return Wait{}, false
	}
	if !complete {
		return w, true
	}
	for _, p := range open {
		if !p.Held && (p.Content == w.Content || p.Content == "") {
			return w, true
		}
	}
	return Wait{}, false
}

// BehindReason explains why a proposal waits without a wait of its own:
// the wait w recorded at its path for other content.
func BehindReason(w Wait) string {
	return fmt.Sprintf("its own wait is not recorded: %s waits since %s for other content (commit %s, %s); one wait is recorded per proposal path, and a reconcile records this one's (its timeout and escalation start then) once no open proposal it may time out carries that content",
		w.Path, w.Since.UTC(), shortCommit(w.Commit), w.Content)
}

func shortCommit(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
