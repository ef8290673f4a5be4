package core

import "fmt"

// One wait per proposal path. The table of waits is keyed by the proposal
// file's path, and a pull request is read from its commits, so two open
// proposals (a branch and a pull request, or two pull requests) can add
// the same path with different content. Were each allowed to record its
// wait, every run would write two wait entries, each replacing the other
// and its start: main would grow for ever and neither wait would ever time
// out or escalate. So the first content recorded keeps the path while it
// is still open: another content at that path waits without a wait of its
// own (behind it) and records one only once the recorded content is no
// longer among the open proposals (a push replaced it, or it was closed
// without ending the wait). A push to the branch that waits is exactly
// that case: its old content is gone, so the new content's wait replaces
// the old one and starts over.

// WaitBehind says whether a proposal with content at path must wait behind
// the wait recorded there for other content, given the contents of the
// proposals open at path that this run read (open; "" for a proposal at
// path whose content could not be read) and whether every open proposal
// that may be at path was read (complete). It returns the recorded wait
// and true when the proposal's wait must not be recorded now: the
// recorded content is among open, or some proposal at path is unknown
// (unread, or not read this run), so replacing it could undo another
// run's entry. It returns false when nothing else waits at path, when the
// recorded wait is for content itself, or when the recorded content is no
// longer open. It is pure.
func (s State) WaitBehind(path, content string, open []string, complete bool) (Wait, bool) {
	w, ok := s.WaitOf(path)
	if !ok || w.Content == content {
		return Wait{}, false
	}
	if !complete {
		return w, true
	}
	for _, c := range open {
		if c == w.Content || c == "" {
			return w, true
		}
	}
	return Wait{}, false
}

// BehindReason explains why a proposal waits without a wait of its own:
// the wait w recorded at its path for other content.
func BehindReason(w Wait) string {
	return fmt.Sprintf("its own wait is not recorded: %s waits since %s for other content (commit %s, %s); one wait is recorded per proposal path, and a reconcile records this one's (its timeout and escalation start then) once that content is no longer among the open proposals",
		w.Path, w.Since.UTC(), shortCommit(w.Commit), w.Content)
}

func shortCommit(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
