package core

import (
	"strings"
	"testing"
)

// TestWaitBehind: a proposal with other content at a path whose wait is
// recorded waits behind it while the recorded content is open, or while
// the run could not tell (a proposal at the path unread, or the round did
// not read all); it may record its own once the recorded content is gone.
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
	tests := []struct {
		name     string
		path     string
		content  string
		open     []string
		complete bool
		behind   bool
	}{
		{name: "recorded content open", path: shipPath, content: "sha256:bb", open: []string{"sha256:bb", rec}, complete: true, behind: true},
		{name: "recorded content gone", path: shipPath, content: "sha256:bb", open: []string{"sha256:bb"}, complete: true},
		{name: "a proposal at the path unread", path: shipPath, content: "sha256:bb", open: []string{"sha256:bb", ""}, complete: true, behind: true},
		{name: "round did not read all", path: shipPath, content: "sha256:bb", open: []string{"sha256:bb"}, behind: true},
		{name: "the recorded content itself", path: shipPath, content: rec, open: []string{rec, "sha256:bb"}, complete: true},
		{name: "nothing recorded at the path", path: "proposals/r1/other.yaml", content: "sha256:bb", open: []string{rec}, complete: true},
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
