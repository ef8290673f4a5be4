package plan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/writ-dev/writ/policies"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/schemas"
)

// TestClean: control characters, ANSI escapes, bidi overrides and line
// separators are spelled out; ordinary text, including non-ASCII, stays.
func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"grüße — ok ✓", "grüße — ok ✓"},
		{"\x1b[31mred", `\x1b[31mred`},
		{"a\nb\rc\td", `a\x0ab\x0dc\x09d`},
		{"del\x7f", `del\x7f`},
		{"c1\u009b31m", `c1\u009b31m`},
		{"rtl\u202eevil\u2066", `rtl\u202eevil\u2066`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"line\u2028sep", `line\u2028sep`},
		{"bad\xffutf8", "bad\ufffdutf8"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			if got := Clean(tt.in); got != tt.want {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if got := CleanKeepTabs("a\tb\x1b"); got != `a`+"\t"+`b\x1b` {
		t.Errorf("cleanKeepTabs: %q", got)
	}
	if got := cleanLines("one\r\ntwo\rthree\u2028four\n"); strings.Join(got, "|") != "one|two|three|four" {
		t.Errorf("cleanLines: %q", got)
	}
}

// TestCleanASCII: the fast path for printable ASCII agrees with the
// rune-by-rune check on every ASCII byte, with and without tabs kept.
func TestCleanASCII(t *testing.T) {
	for c := 0; c < 0x80; c++ {
		s := "a" + string(rune(c)) + "b"
		for _, keepTabs := range []bool{false, true} {
			want := s
			if unsafeRune(rune(c), keepTabs) {
				want = fmt.Sprintf(`a\x%02xb`, c)
			}
			if got := clean(s, keepTabs); got != want {
				t.Errorf("clean(%q, %v) = %q, want %q", s, keepTabs, got, want)
			}
		}
	}
}

// rulesChange is a pending rules change of files over old.
func rulesChange(files map[string]string, deleted ...string) intake.Pending {
	p := intake.Pending{Branch: "proposals/rules/x", Path: "proposals/rules/x.yaml", Rules: &schemas.Bundle{},
		Files: map[string][]byte{"proposals/rules/x.yaml": []byte("instance: rules\n")}, Deleted: deleted}
	for k, v := range files {
		p.Files[k] = []byte(v)
	}
	return p
}

// TestDiffs: each changed governed file gets a unified diff against main
// (added, modified, deleted), the proposal file none, a binary file a
// note, and a long diff is cut at the cap and says so.
func TestDiffs(t *testing.T) {
	var long, longer strings.Builder
	for i := range 50 {
		fmt.Fprintf(&long, "line %d\n", i)
		fmt.Fprintf(&longer, "line %d changed\n", i)
	}
	old := map[string][]byte{"a.yaml": []byte("x: 1\ny: 2\n"), "gone.md": []byte("bye\n"), "long.txt": []byte(long.String()),
		"bin": {0, 1, 2}, "tail.txt": []byte("no newline")}
	p := rulesChange(map[string]string{"a.yaml": "x: 1\ny: 3\n", "new.md": "hello\n", "long.txt": longer.String(),
		"bin": "\x00\x03", "tail.txt": "no newline either"}, "gone.md")
	v := Build(Input{Gate: intake.GateResult{Pending: p}, Old: old, MaxDiffLines: 20})
	got := map[string]FileDiff{}
	var order []string
	for _, f := range v.Files {
		got[f.Path] = f
		order = append(order, f.Path)
	}
	if strings.Join(order, ",") != "a.yaml,bin,gone.md,long.txt,new.md,tail.txt" {
		t.Fatalf("files %v", order)
	}
	tests := []struct {
		path, change string
		want         []string
		truncated    bool
	}{
		{"a.yaml", ChangeModified, []string{"--- a/a.yaml\n", "+++ b/a.yaml\n", "@@ -1,2 +1,2 @@\n", " x: 1\n", "-y: 2\n", "+y: 3\n"}, false},
		{"new.md", ChangeAdded, []string{"--- /dev/null\n", "+++ b/new.md\n", "+hello\n"}, false},
		{"gone.md", ChangeDeleted, []string{"--- a/gone.md\n", "+++ /dev/null\n", "-bye\n"}, false},
		{"long.txt", ChangeModified, []string{"-line 0\n"}, true},
		{"tail.txt", ChangeModified, []string{"-no newline\n\\ No newline at end of file\n", "+no newline either\n"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			f := got[tt.path]
			if f.Change != tt.change || f.Truncated != tt.truncated || f.Binary {
				t.Errorf("%+v", f)
			}
			for _, w := range tt.want {
				if !strings.Contains(f.Diff, w) {
					t.Errorf("diff lacks %q:\n%s", w, f.Diff)
				}
			}
			if n := strings.Count(f.Diff, "\n"); tt.truncated && (n != 20 || f.Lines <= 20) {
				t.Errorf("truncated diff has %d of %d lines, want 20", n, f.Lines)
			}
		})
	}
	if b := got["bin"]; !b.Binary || b.Diff != "" || b.OldSize != 3 || b.NewSize != 2 {
		t.Errorf("binary file: %+v", b)
	}
	var text strings.Builder
	v.Text(&text)
	for _, w := range []string{"long.txt (modified, 390 → 790 bytes)", "… diff truncated: 20 of ", "bin (modified, 3 → 2 bytes)", "(binary file: no diff shown)"} {
		if !strings.Contains(text.String(), w) {
			t.Errorf("text lacks %q:\n%s", w, text.String())
		}
	}
	if strings.Contains(text.String(), "proposals/rules/x.yaml (") {
		t.Errorf("the proposal file is shown as a changed file:\n%s", text.String())
	}
}

// TestCleanResult: every string of a policy result tree is neutralised,
// so a decider's reason cannot forge a line of the explanation, and the
// original is left as it was.
func TestCleanResult(t *testing.T) {
	evil := "no\n    ✓ rule sre: satisfied\x1b[2J"
	r := policies.Result{Name: "p", Kind: policies.KindPolicy, Status: policies.StatusBlocked, Description: evil,
		Ignored: []policies.Vote{{Identity: "eve\u202e", Reason: evil}},
		Children: []policies.Result{{Name: "sre", Kind: policies.KindRule, Status: policies.StatusBlocked, Description: evil,
			Blockers: []policies.Vote{{Identity: "bob", Verdict: policies.VerdictReject, Reason: evil}}}}}
	var b strings.Builder
	CleanResult(r).Render(&b)
	out := b.String()
	if strings.Contains(out, "\n    ✓") || strings.Contains(out, "\x1b") || strings.Contains(out, "\u202e") {
		t.Errorf("rendered tree is not inert:\n%s", out)
	}
	if !strings.Contains(out, `no\x0a    ✓ rule sre: satisfied\x1b[2J`) {
		t.Errorf("reason not spelled out:\n%s", out)
	}
	if r.Children[0].Blockers[0].Reason != evil {
		t.Error("CleanResult modified its argument")
	}
}

// TestViewWaitsBehind: a waiting proposal whose path holds another
// content's wait says it waits behind it, in the view and its text; one
// with its own wait says nothing of the kind.
func TestViewWaitsBehind(t *testing.T) {
	other := &core.Wait{Path: "proposals/web-1/ship.yaml", Commit: "0123456789abcdef0123", Content: "sha256:aa",
		Since: core.HLC{Wall: 1795428047000}}
	g := intake.GateResult{Verdict: intake.VerdictWaiting, Reason: "policy release-approval: needs 2",
		Pending: intake.Pending{Branch: "pull/9", Path: other.Path}}
	v := Build(Input{Gate: g, Behind: other})
	var text strings.Builder
	v.Text(&text)
	if !strings.Contains(v.WaitsBehind, "its own wait is not recorded: proposals/web-1/ship.yaml waits since 2026-11-23T10:00:47") ||
		!strings.Contains(v.WaitsBehind, "commit 0123456789ab") || !strings.Contains(text.String(), v.WaitsBehind) {
		t.Fatalf("waits_behind %q\n%s", v.WaitsBehind, text.String())
	}
	if v := Build(Input{Gate: g, Wait: other, Behind: nil}); v.WaitsBehind != "" {
		t.Fatalf("with its own wait: waits_behind %q", v.WaitsBehind)
	}
}
