package core

import (
	"strings"
	"testing"
)

// TestWaitBehind: a proposal with other content at a path whose wait is
// recorded waits behind it while a proposal the run carries (not held)
// holds the recorded content, or while the run could not tell (a proposal
// at the path unread, or the round did not read all); it may record its
// own once no such proposal holds the recorded content. A held proposal
// (a fork's or a draft pull request, a read-only run, a proposal no wait
// is recorded for) keeps nothing, read or not: no run would ever time its
// wait out.
func TestWaitBehind(t *testing.T) {
	b := &builder{t: t}
	s := mustApply(t, NewState(), b.genesis(), StatusApplied)
	for _, tr := range []string{"create", "verify", "tests-pass", "security-clear", "approve-release"} {
		s = mustApply(t, s, b.transition(s, "agent", "r1", tr), StatusApplied)
	}
	b.wall++
	wait := WaitEntry(b.transition(s, "agent", "r1", "ship"), shipPath)
	s = mustApply(t, s, wait, StatusAwaiting)
	rec := wait.Subject.Content
	live := func(c string) OpenProposal { return OpenProposal{Content: c} }
	held := func(c string) OpenProposal { return OpenProposal{Content: c, Held: true} }
	tests := []struct {
		name     string
		path     string
		content  string
		open     []OpenProposal
		complete bool
		behind   bool
	}{
		{name: "recorded content open", path: shipPath, content: "sha256:bb", open: []OpenProposal{live("sha256:bb"), live(rec)}, complete: true, behind: true},
		{name: "recorded content gone", path: shipPath, content: "sha256:bb", open: []OpenProposal{live("sha256:bb")}, complete: true},
		{name: "recorded content held only", path: shipPath, content: "sha256:bb", open: []OpenProposal{live("sha256:bb"), held(rec)}, complete: true},
		{name: "recorded content held and open", path: shipPath, content: "sha256:bb", open: []OpenProposal{held(rec), live("sha256:bb"), live(rec)}, complete: true, behind: true},
		{name: "a proposal at the path unread", path: shipPath, content: "sha256:bb", open: []OpenProposal{live("sha256:bb"), live("")}, complete: true, behind: true},
		{name: "a held proposal at the path unread", path: shipPath, content: "sha256:bb", open: []OpenProposal{live("sha256:bb"), held("")}, complete: true},
		{name: "round did not read all", path: shipPath, content: "sha256:bb", open: []OpenProposal{live("sha256:bb")}, behind: true},
		{name: "the recorded content itself", path: shipPath, content: rec, open: []OpenProposal{live(rec), live("sha256:bb")}, complete: true},
		{name: "the recorded content itself, held", path: shipPath, content: rec, open: []OpenProposal{held(rec), live("sha256:bb")}, complete: true},
		{name: "nothing recorded at the path", path: "proposals/r1/other.yaml", content: "sha256:bb", open: []OpenProposal{live(rec)}, complete: true},
		{name: "nothing open", path: shipPath, content: "sha256:bb", complete: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, behind := s.WaitBehind(tt.path, tt.content, tt.open, tt.complete)
			if behind != tt.behind || (behind && w.Content != rec) {
				t.Fatalf("WaitBehind = %+v, %v; want behind %v", w, behind, tt.behind)
			}
			if behind && !strings.Contains(BehindReason(w), shipPath+" waits since") {
				t.Fatalf("BehindReason = %q", BehindReason(w))
			}
		})
	}
}
