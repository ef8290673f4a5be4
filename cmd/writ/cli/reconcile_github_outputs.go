package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/writ-dev/writ/adapters/github"
)

// pullOutput is one element of the Action's `verdicts` output.
type pullOutput struct {
	Number  int    `json:"number"`
	Path    string `json:"path"`
	Head    string `json:"head"`
	Verdict string `json:"verdict"`
	Reason  string `json:"reason"`
	Applied bool   `json:"applied"`
	Entry   string `json:"entry,omitempty"`
	Held    string `json:"held,omitempty"`
}

// appliedOutput is one element of the Action's `applied` output.
type appliedOutput struct {
	Entry string `json:"entry"`
	Path  string `json:"path"`
}

// githubOutputs renders a GitHub run's report as the step outputs the
// Action declares, in GITHUB_OUTPUT's name=value form (every value is one
// line): verdicts and applied (JSON arrays, for fromJSON), applied-count
// and main.
func githubOutputs(rep *github.RunReport) (string, error) {
	pulls := make([]pullOutput, 0, len(rep.Pulls))
	for _, p := range rep.Pulls {
		o := pullOutput{Number: p.Number, Path: p.Gate.Pending.Path, Head: p.HeadSHA, Verdict: string(p.Gate.Verdict),
			Reason: p.Gate.Reason, Applied: p.Applied, Held: p.Held}
		if p.Applied {
			o.Entry, o.Reason = p.Entry.String(), p.Gate.Outcome.Reason
		}
		pulls = append(pulls, o)
	}
	applied := make([]appliedOutput, 0, len(rep.Applied))
	for _, a := range rep.Applied {
		applied = append(applied, appliedOutput{Entry: a.Commit.String(), Path: a.Gate.Pending.Path})
	}
	v, err := json.Marshal(pulls)
	if err != nil {
		return "", err
	}
	ap, err := json.Marshal(applied)
	if err != nil {
		return "", err
	}
	main := ""
	if !rep.Main.IsZero() {
		main = rep.Main.String()
	}
	return fmt.Sprintf("verdicts=%s\napplied=%s\napplied-count=%d\nmain=%s\n", v, ap, len(applied), main), nil
}

// githubSummary renders a GitHub run's report as the job summary's
// Markdown: a table of the pull requests judged and what became of each,
// the totals, the notes and the run's error. Text from proposals and
// reviews is escaped so it cannot break the table or inject HTML.
func githubSummary(ev github.Event, rep *github.RunReport, serverURL string, runErr error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### writ reconcile: %s\n\n", cell(ev.Name))
	if len(rep.Pulls) == 0 {
		b.WriteString("No open pull requests to judge.\n\n")
	} else {
		b.WriteString("| pull request | proposal | verdict | result |\n|---|---|---|---|\n")
		for _, p := range rep.Pulls {
			pr := fmt.Sprintf("#%d", p.Number)
			if serverURL != "" && ev.Repository != "" {
				pr = fmt.Sprintf("[#%d](%s/%s/pull/%d)", p.Number, serverURL, ev.Repository, p.Number)
			}
			result := cell(p.Gate.Reason)
			switch {
			case p.Applied:
				result = fmt.Sprintf("applied as `%s`: %s", short(p.Entry.String()), cell(p.Gate.Outcome.Reason))
			case p.Held != "":
				result += "; not applied: " + cell(p.Held)
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", pr, cell(p.Gate.Pending.Path), cell(string(p.Gate.Verdict)), result)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%d pull requests judged, %d entries applied, %d lost races", len(rep.Pulls), len(rep.Applied), rep.Races)
	if !rep.Main.IsZero() {
		fmt.Fprintf(&b, "; main is `%s`", rep.Main.String())
	}
	b.WriteString(".\n")
	for _, n := range rep.Notes {
		fmt.Fprintf(&b, "\n> note: %s\n", cell(n))
	}
	if runErr != nil {
		fmt.Fprintf(&b, "\n**error:** %s\n", cell(runErr.Error()))
	}
	return b.String()
}

// cell makes s safe inside a Markdown table cell: one line, no pipes, no
// HTML, no backticks closing a code span.
func cell(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ", "|", `\|`, "&", "&amp;", "<", "&lt;", ">", "&gt;", "`", "'").Replace(s)
}

// writeGitHubStep appends the run's outputs to $GITHUB_OUTPUT and its
// summary to $GITHUB_STEP_SUMMARY, each when set (as in every Actions
// step). A file that cannot be written is an error naming it.
func writeGitHubStep(getenv func(string) string, ev github.Event, rep *github.RunReport, runErr error) error {
	var errs []error
	if path := getenv("GITHUB_OUTPUT"); path != "" {
		out, err := githubOutputs(rep)
		if err == nil {
			err = appendFile(path, out)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("write step outputs to $GITHUB_OUTPUT (%s): %w", path, err))
		}
	}
	if path := getenv("GITHUB_STEP_SUMMARY"); path != "" {
		if err := appendFile(path, githubSummary(ev, rep, getenv("GITHUB_SERVER_URL"), runErr)); err != nil {
			errs = append(errs, fmt.Errorf("write job summary to $GITHUB_STEP_SUMMARY (%s): %w", path, err))
		}
	}
	return errors.Join(errs...)
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
