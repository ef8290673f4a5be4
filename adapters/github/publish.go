package github

import (
	"context"
	"fmt"
	"strings"

	gh "github.com/google/go-github/v62/github"
)

// PlanMarker starts the one pull request comment writ keeps: the plan.
// UpsertPlanComment finds the comment by it.
const PlanMarker = "<!-- writ:plan -->"

// GitHub's size limits, in characters.
const (
	maxCheckField   = 65535
	maxCommentBody  = 65536
	maxCheckTitle   = 1000
	checkStatusDone = "completed"
	checkStatusOpen = "in_progress"
)

// Conclusions GitHub accepts for a completed check run.
var conclusions = []string{"action_required", "cancelled", "failure", "neutral", "skipped", "success", "timed_out"}

// CheckName is the stable name of writ's check run for a control
// repository: "writ/<repository>". One pull request shows one writ check
// per control repo that judges it.
func CheckName(repository string) string { return "writ/" + repository }

// PublishCheck creates or updates writ's check run on a head commit. It
// looks for a run with that name on sha (external_id, else name; every
// page), updates it in place if anything changed, leaves it alone if
// nothing did, and creates it otherwise. An empty conclusion publishes the
// run as in_progress (still waiting for a human); any other must be one of
// GitHub's conclusions and completes it. Title, summary and text are
// truncated to GitHub's limits. Returns the check run id. Calls: one per
// page of check runs, plus at most one write.
//
// Check runs need a GitHub App token (GITHUB_TOKEN in Actions is one, with
// checks: write); a personal access token gets 403.
func (c *Client) PublishCheck(ctx context.Context, sha, name, conclusion, title, summary, text string) (int64, error) {
	return c.publishCheck(ctx, sha, name, conclusion, title, summary, text, true)
}

// PublishFirstCheck is PublishCheck on a head where writ has published
// nothing (the run knows its pull request has no comment, so no plan
// comment, which writ writes after the check): it creates the run without
// listing the head's check runs. If writ did publish there after all (a
// check whose plan comment failed), GitHub shows the newest run of a name
// and PublishCheck edits the newest. Calls: one write.
func (c *Client) PublishFirstCheck(ctx context.Context, sha, name, conclusion, title, summary, text string) (int64, error) {
	return c.publishCheck(ctx, sha, name, conclusion, title, summary, text, false)
}

func (c *Client) publishCheck(ctx context.Context, sha, name, conclusion, title, summary, text string, lookup bool) (int64, error) {
	if !shaRe.MatchString(sha) {
		return 0, fmt.Errorf("publish check %q: head %q is not a commit sha", name, sha)
	}
	if name == "" {
		return 0, fmt.Errorf("publish check on %s: empty name", short(sha))
	}
	status := checkStatusDone
	switch {
	case conclusion == "":
		status = checkStatusOpen
	case !contains(conclusions, conclusion):
		return 0, fmt.Errorf("publish check %q: conclusion %q (allowed: %s, or empty for in progress)", name, conclusion, strings.Join(conclusions, ", "))
	}
	output := &gh.CheckRunOutput{
		Title:   gh.String(truncate(title, maxCheckTitle)),
		Summary: gh.String(truncate(summary, maxCheckField)),
		Text:    gh.String(truncate(text, maxCheckField)),
	}
	var existing *gh.CheckRun
	if lookup {
		runs, err := paginate(fmt.Sprintf("list check runs %q on %s", name, short(sha)), func(o gh.ListOptions) ([]*gh.CheckRun, *gh.Response, error) {
			res, resp, err := c.gh.Checks.ListCheckRunsForRef(ctx, c.owner, c.repo, sha, &gh.ListCheckRunsOptions{CheckName: gh.String(name), ListOptions: o})
			if res == nil {
				return nil, resp, err
			}
			return res.CheckRuns, resp, err
		})
		if err != nil {
			return 0, err
		}
		existing = findRun(runs, name, sha)
	}
	var completedAt *gh.Timestamp
	if status == checkStatusDone {
		completedAt = &gh.Timestamp{Time: c.clock.Now().UTC()}
	}
	if existing == nil {
		opts := gh.CreateCheckRunOptions{Name: name, HeadSHA: sha, ExternalID: gh.String(name), Status: gh.String(status), Output: output}
		if status == checkStatusDone {
			opts.Conclusion, opts.CompletedAt = gh.String(conclusion), completedAt
		}
		run, _, err := c.gh.Checks.CreateCheckRun(ctx, c.owner, c.repo, opts)
		if err != nil {
			return 0, apiError(fmt.Sprintf("create check run %q on %s", name, short(sha)), err)
		}
		return run.GetID(), nil
	}
	if sameRun(existing, status, conclusion, output) {
		return existing.GetID(), nil
	}
	opts := gh.UpdateCheckRunOptions{Name: name, ExternalID: gh.String(name), Status: gh.String(status), Output: output}
	if status == checkStatusDone {
		opts.Conclusion, opts.CompletedAt = gh.String(conclusion), completedAt
	}
	run, _, err := c.gh.Checks.UpdateCheckRun(ctx, c.owner, c.repo, existing.GetID(), opts)
	if err != nil {
		return 0, apiError(fmt.Sprintf("update check run %d %q", existing.GetID(), name), err)
	}
	return run.GetID(), nil
}

// findRun picks writ's run among a ref's check runs: by external_id first,
// then by name, on the same head; of several, the newest (the highest id),
// which is the one GitHub shows.
func findRun(runs []*gh.CheckRun, name, sha string) *gh.CheckRun {
	for _, byExternal := range []bool{true, false} {
		var found *gh.CheckRun
		for _, r := range runs {
			if r.GetHeadSHA() != "" && r.GetHeadSHA() != sha {
				continue
			}
			if ((byExternal && r.GetExternalID() == name) || (!byExternal && r.GetName() == name)) && (found == nil || r.GetID() > found.GetID()) {
				found = r
			}
		}
		if found != nil {
			return found
		}
	}
	return nil
}

func sameRun(r *gh.CheckRun, status, conclusion string, out *gh.CheckRunOutput) bool {
	o := r.GetOutput()
	return r.GetStatus() == status && r.GetConclusion() == conclusion &&
		o.GetTitle() == out.GetTitle() && o.GetSummary() == out.GetSummary() && o.GetText() == out.GetText()
}

// UpsertPlanComment keeps exactly one plan comment on a pull request: it
// finds the comment whose body starts with PlanMarker (every page; the
// oldest if several), edits it if its body differs, leaves it alone if
// not, and creates it only if there is none. body gets the marker prepended
// if it lacks it, and is truncated to GitHub's limit. Returns the comment
// id. Calls: one per page of comments, plus at most one write.
func (c *Client) UpsertPlanComment(ctx context.Context, pr int, body string) (int64, error) {
	return c.upsertPlanComment(ctx, pr, body, true)
}

// CreatePlanComment is UpsertPlanComment on a pull request the run knows
// has no comment at all: it creates the plan comment without listing.
// Calls: one write.
func (c *Client) CreatePlanComment(ctx context.Context, pr int, body string) (int64, error) {
	return c.upsertPlanComment(ctx, pr, body, false)
}

func (c *Client) upsertPlanComment(ctx context.Context, pr int, body string, lookup bool) (int64, error) {
	if !strings.HasPrefix(body, PlanMarker) {
		body = PlanMarker + "\n" + body
	}
	body = truncate(body, maxCommentBody)
	var comments []*gh.IssueComment
	if lookup {
		var err error
		comments, err = paginate(fmt.Sprintf("list comments of #%d", pr), func(o gh.ListOptions) ([]*gh.IssueComment, *gh.Response, error) {
			return c.gh.Issues.ListComments(ctx, c.owner, c.repo, pr, &gh.IssueListCommentsOptions{ListOptions: o})
		})
		if err != nil {
			return 0, err
		}
	}
	for _, cm := range comments {
		if !strings.HasPrefix(strings.TrimSpace(cm.GetBody()), PlanMarker) {
			continue
		}
		if cm.GetBody() == body {
			return cm.GetID(), nil
		}
		edited, _, err := c.gh.Issues.EditComment(ctx, c.owner, c.repo, cm.GetID(), &gh.IssueComment{Body: gh.String(body)})
		if err != nil {
			return 0, apiError(fmt.Sprintf("edit plan comment %d on #%d", cm.GetID(), pr), err)
		}
		return edited.GetID(), nil
	}
	created, _, err := c.gh.Issues.CreateComment(ctx, c.owner, c.repo, pr, &gh.IssueComment{Body: gh.String(body)})
	if err != nil {
		return 0, apiError(fmt.Sprintf("create plan comment on #%d", pr), err)
	}
	return created.GetID(), nil
}
