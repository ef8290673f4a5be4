package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/writ-dev/writ/adapters/github"
	"github.com/writ-dev/writ/reconciler/core"
	"github.com/writ-dev/writ/reconciler/intake"
	"github.com/writ-dev/writ/reconciler/outcome"
)

// sampleRunReport is a run that applied #3, left #4 waiting and held a
// fork's #5, whose reason tries to break the summary's table and inject
// HTML.
func sampleRunReport() (*github.RunReport, plumbing.Hash) {
	entry := plumbing.NewHash("1111111111111111111111111111111111111111")
	gate := func(path string, v intake.Verdict, reason string) intake.GateResult {
		return intake.GateResult{Pending: intake.Pending{Path: path}, Verdict: v, Reason: reason}
	}
	applied := gate("proposals/web-1/ship.yaml", intake.VerdictReady, "policy satisfied")
	applied.Outcome = core.Outcome{Reason: "staging -> production"}
	return &github.RunReport{
		Pulls: []github.PullResult{
			{Number: 3, HeadSHA: "aaa", Gate: applied, Applied: true, Entry: entry},
			{Number: 4, HeadSHA: "bbb", Gate: gate("proposals/web-2/ship.yaml", intake.VerdictWaiting, "needs 1 more approval from sre")},
			{Number: 5, HeadSHA: "ccc", Fork: true, Gate: gate("proposals/x|y/<b>.yaml", intake.VerdictReady, "ok | <script>x</script>\nsecond line"),
				Held: "a fork's pull request is judged, not applied"},
		},
		Applied: []outcome.Applied{{Commit: entry, Gate: applied}},
		Main:    plumbing.NewHash("2222222222222222222222222222222222222222"),
		Notes:   []string{"team lookup not allowed for this token"},
	}, entry
}

func TestWriteGitHubStep(t *testing.T) {
	rep, entry := sampleRunReport()
	dir := t.TempDir()
	out, summary := filepath.Join(dir, "output"), filepath.Join(dir, "summary")
	// GitHub's files already hold what earlier steps wrote: append.
	if err := os.WriteFile(out, []byte("earlier=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GITHUB_OUTPUT": out, "GITHUB_STEP_SUMMARY": summary, "GITHUB_SERVER_URL": "https://github.com"}
	ev := github.Event{Name: "schedule", Repository: "octo-org/octo-repo"}
	if err := writeGitHubStep(func(k string) string { return env[k] }, ev, rep, errors.New("push main: ref moved")); err != nil {
		t.Fatal(err)
	}
	outputs := readOutputs(t, out)
	if outputs["earlier"] != "1" {
		t.Errorf("earlier outputs lost: %v", outputs)
	}
	var verdicts []pullOutput
	if err := json.Unmarshal([]byte(outputs["verdicts"]), &verdicts); err != nil {
		t.Fatalf("verdicts %q: %v", outputs["verdicts"], err)
	}
	wantVerdicts := []pullOutput{
		{Number: 3, Path: "proposals/web-1/ship.yaml", Head: "aaa", Verdict: "ready", Reason: "staging -> production", Applied: true, Entry: entry.String()},
		{Number: 4, Path: "proposals/web-2/ship.yaml", Head: "bbb", Verdict: "waiting", Reason: "needs 1 more approval from sre"},
		{Number: 5, Path: "proposals/x|y/<b>.yaml", Head: "ccc", Verdict: "ready", Reason: "ok | <script>x</script>\nsecond line",
			Held: "a fork's pull request is judged, not applied"},
	}
	if len(verdicts) != len(wantVerdicts) {
		t.Fatalf("verdicts = %+v", verdicts)
	}
	for i := range wantVerdicts {
		if verdicts[i] != wantVerdicts[i] {
			t.Errorf("verdicts[%d] = %+v, want %+v", i, verdicts[i], wantVerdicts[i])
		}
	}
	if want := `[{"entry":"` + entry.String() + `","path":"proposals/web-1/ship.yaml"}]`; outputs["applied"] != want {
		t.Errorf("applied = %s, want %s", outputs["applied"], want)
	}
	if outputs["applied-count"] != "1" || outputs["main"] != strings.Repeat("2", 40) {
		t.Errorf("applied-count %q, main %q", outputs["applied-count"], outputs["main"])
	}

	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		"### writ reconcile: schedule\n",
		"| [#3](https://github.com/octo-org/octo-repo/pull/3) | `proposals/web-1/ship.yaml` | ready | applied as `1111111`: staging -&gt; production |\n",
		"| [#4](https://github.com/octo-org/octo-repo/pull/4) | `proposals/web-2/ship.yaml` | waiting | needs 1 more approval from sre |\n",
		"| `proposals/x\\|y/&lt;b&gt;.yaml` | ready | ok \\| &lt;script&gt;x&lt;/script&gt; second line; not applied: a fork's pull request is judged, not applied |\n",
		"3 pull requests judged, 1 entries applied, 0 lost races; main is `" + strings.Repeat("2", 40) + "`.\n",
		"> note: team lookup not allowed for this token\n",
		"**error:** push main: ref moved\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "<script>") {
		t.Errorf("summary carries raw HTML:\n%s", s)
	}
}

// Outside Actions (no GITHUB_OUTPUT, no GITHUB_STEP_SUMMARY) nothing is
// written; a file that cannot be written is an error naming the variable.
func TestWriteGitHubStepErrors(t *testing.T) {
	rep, _ := sampleRunReport()
	if err := writeGitHubStep(func(string) string { return "" }, github.Event{}, rep, nil); err != nil {
		t.Fatalf("no environment: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "missing", "output")
	err := writeGitHubStep(func(k string) string {
		if k == "GITHUB_OUTPUT" {
			return bad
		}
		return ""
	}, github.Event{}, rep, nil)
	if err == nil || !strings.Contains(err.Error(), "$GITHUB_OUTPUT ("+bad+")") {
		t.Fatalf("want an error naming $GITHUB_OUTPUT and %s, got %v", bad, err)
	}
}

// readOutputs parses a GITHUB_OUTPUT file of name=value lines.
func readOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.Contains(k, "<<") {
			t.Fatalf("GITHUB_OUTPUT line %q is not name=value", line)
		}
		if _, dup := m[k]; dup {
			t.Fatalf("GITHUB_OUTPUT sets %s twice", k)
		}
		m[k] = v
	}
	return m
}

// checkStepOutputs checks what a GitHub run that applied pull request
// number's proposal at path as main's new entry wrote for the Action.
func checkStepOutputs(t *testing.T, output, summary string, number int, path string, main plumbing.Hash) {
	t.Helper()
	outputs := readOutputs(t, output)
	var verdicts []pullOutput
	if err := json.Unmarshal([]byte(outputs["verdicts"]), &verdicts); err != nil {
		t.Fatalf("verdicts output %q: %v", outputs["verdicts"], err)
	}
	if len(verdicts) != 1 || verdicts[0].Number != number || verdicts[0].Path != path || !verdicts[0].Applied ||
		verdicts[0].Entry != main.String() || verdicts[0].Verdict != "ready" {
		t.Errorf("verdicts output %+v, want #%d %s applied as %s", verdicts, number, path, main)
	}
	var applied []appliedOutput
	if err := json.Unmarshal([]byte(outputs["applied"]), &applied); err != nil {
		t.Fatalf("applied output %q: %v", outputs["applied"], err)
	}
	if len(applied) != 1 || applied[0] != (appliedOutput{Entry: main.String(), Path: path}) || outputs["main"] != main.String() {
		t.Errorf("applied output %+v, main %s; want %s at %s", applied, outputs["main"], path, main)
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("| #%d | `%s` | ready | applied as `%s`", number, path, short(main.String())); !strings.Contains(string(b), want) {
		t.Errorf("job summary lacks %q:\n%s", want, b)
	}
}
