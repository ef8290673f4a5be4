package github

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// Event names writ handles. pull_request_target carries the same payload
// as pull_request (it runs in the base repository's context, which is what
// a fork's pull request needs to get a token that may publish checks).
const (
	EventPullRequest       = "pull_request"
	EventPullRequestTarget = "pull_request_target"
	EventPullRequestReview = "pull_request_review"
	EventPush              = "push"
	EventSchedule          = "schedule"
	EventWorkflowDispatch  = "workflow_dispatch"
	// EventWorkflowRun is a run of the default branch's workflow started
	// when another workflow (the judge of pull requests) completed: it
	// runs with the default branch's workflow file and secrets, so it may
	// apply.
	EventWorkflowRun = "workflow_run"
)

var eventNames = []string{EventPullRequest, EventPullRequestReview, EventPullRequestTarget, EventPush, EventSchedule, EventWorkflowDispatch, EventWorkflowRun}

// maxEventBytes is GitHub's cap on a webhook payload (25 MB).
const maxEventBytes = 25 << 20

// Event is what writ needs from one GitHub event, validated. Exactly one of
// PullRequest (with Review for pull_request_review), Push, Dispatch is set,
// or Schedule is non-empty, according to Name.
type Event struct {
	// Name is the event name (GITHUB_EVENT_NAME).
	Name string
	// Action is the payload's action ("opened", "synchronize",
	// "submitted", "dismissed", ...); empty for push, schedule and
	// workflow_dispatch.
	Action string
	// Repository is "owner/name".
	Repository string
	// Sender is the login of the user who triggered the event, if given.
	Sender string
	// PullRequest is set for pull_request, pull_request_target and
	// pull_request_review.
	PullRequest *PullRequestEvent
	// Review is set for pull_request_review.
	Review *ReviewEvent
	// Push is set for push.
	Push *PushEvent
	// Dispatch is set for workflow_dispatch.
	Dispatch *DispatchEvent
	// Schedule is the cron line of a schedule event.
	Schedule string
	// WorkflowRun is set for workflow_run.
	WorkflowRun *WorkflowRunEvent
}

// WorkflowRunEvent is the run whose completion started a workflow_run
// event.
type WorkflowRunEvent struct {
	// Name is the completed workflow's name, Event the event that started
	// it, HeadBranch its branch, Conclusion how it ended.
	Name, Event, HeadBranch, Conclusion string
	// PullRequests are the numbers of the pull requests it ran for (empty
	// for a fork's, which GitHub does not list).
	PullRequests []int
	// HeadSHA is the commit it ran on, when the payload has a valid one:
	// a fork's pull request is found by it.
	HeadSHA string
}

// PullRequestEvent is the pull request an event is about, as the event
// saw it. The gate re-reads it through the API (PullRequestFacts) and
// judges the head it finds there.
type PullRequestEvent struct {
	Number  int
	HeadSHA string
	HeadRef string
	BaseSHA string
	BaseRef string
	// Author is the login of the pull request's author.
	Author string
	// Fork is true when the head branch lives in another repository (or
	// in one that was deleted).
	Fork   bool
	Draft  bool
	State  string
	Merged bool
}

// ReviewEvent is the review of a pull_request_review event. State is
// upper-cased to match the REST API: APPROVED, CHANGES_REQUESTED,
// COMMENTED, DISMISSED.
type ReviewEvent struct {
	ID       int64
	User     string
	UserID   int64
	State    string
	CommitID string
}

// PushEvent is a push to a ref.
type PushEvent struct {
	Ref     string
	Before  string
	After   string
	Created bool
	Deleted bool
	Forced  bool
}

// DispatchEvent is a manual workflow_dispatch run.
type DispatchEvent struct {
	Ref      string
	Workflow string
	Inputs   map[string]any
}

// ReadEvent reads the event GitHub Actions describes in the environment:
// GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, and GITHUB_REPOSITORY (used when the
// payload has no repository, as with schedule, and otherwise required to
// agree with it). getenv is os.Getenv in production.
func ReadEvent(getenv func(string) string) (Event, error) {
	name, path := getenv("GITHUB_EVENT_NAME"), getenv("GITHUB_EVENT_PATH")
	if name == "" {
		return Event{}, fmt.Errorf("%w: GITHUB_EVENT_NAME is not set", ErrConfig)
	}
	if path == "" {
		return Event{}, fmt.Errorf("%w: GITHUB_EVENT_PATH is not set", ErrConfig)
	}
	f, err := os.Open(path)
	if err != nil {
		return Event{}, fmt.Errorf("read event %s: %w", name, err)
	}
	defer f.Close()
	payload, err := io.ReadAll(io.LimitReader(f, maxEventBytes+1))
	if err != nil {
		return Event{}, fmt.Errorf("read event %s from %s: %w", name, path, err)
	}
	if len(payload) > maxEventBytes {
		return Event{}, fmt.Errorf("%w: %s: larger than GitHub's 25 MB payload limit", ErrMalformedEvent, path)
	}
	ev, err := ParseEvent(name, payload)
	if err != nil {
		return Event{}, fmt.Errorf("%s: %w", path, err)
	}
	env := getenv("GITHUB_REPOSITORY")
	switch {
	case ev.Repository == "" && env == "":
		return Event{}, fmt.Errorf("%w: %s: field repository.full_name: missing, and GITHUB_REPOSITORY is not set", ErrMalformedEvent, path)
	case ev.Repository == "":
		if !repoName.MatchString(env) {
			return Event{}, fmt.Errorf("%w: GITHUB_REPOSITORY %q: want owner/name", ErrConfig, env)
		}
		ev.Repository = env
	case env != "" && !strings.EqualFold(env, ev.Repository):
		return Event{}, fmt.Errorf("%w: %s: field repository.full_name: %q, but GITHUB_REPOSITORY is %q", ErrMalformedEvent, path, ev.Repository, env)
	}
	return ev, nil
}

// ParseEvent validates a payload for an event name. It never panics; a
// payload that is not JSON, is not an object, misses a field the event
// needs, or has a field of the wrong type gives an error wrapping
// ErrMalformedEvent that names the field (dotted path, as in
// "pull_request.head.sha"). An unknown name wraps ErrUnsupportedEvent and
// lists the allowed names. ParseEvent is pure.
func ParseEvent(name string, payload []byte) (Event, error) {
	if !contains(eventNames, name) {
		return Event{}, fmt.Errorf("%w %q (allowed: %s)", ErrUnsupportedEvent, name, strings.Join(eventNames, ", "))
	}
	var raw rawPayload
	if err := decodeObject(payload, &raw); err != nil {
		return Event{}, fmt.Errorf("%w: %s event: %w", ErrMalformedEvent, name, err)
	}
	c := &fieldCheck{}
	ev := Event{Name: name}
	if raw.Repository != nil {
		ev.Repository = c.match("repository.full_name", raw.Repository.FullName, repoName, "owner/name")
	}
	if raw.Sender != nil && raw.Sender.Login != nil {
		ev.Sender = *raw.Sender.Login
	}
	switch name {
	case EventPullRequest, EventPullRequestTarget, EventPullRequestReview:
		ev.Action = c.str("action", raw.Action)
		ev.PullRequest = c.pullRequest(raw.PullRequest)
		if raw.Repository == nil {
			c.missing("repository")
		}
		if name == EventPullRequestReview {
			ev.Review = c.review(raw.Review)
		}
	case EventPush:
		ev.Push = &PushEvent{
			Ref:    c.str("ref", raw.Ref),
			Before: c.match("before", raw.Before, shaRe, "a commit sha"),
			After:  c.match("after", raw.After, shaRe, "a commit sha"),
		}
		ev.Push.Created, ev.Push.Deleted, ev.Push.Forced = deref(raw.Created), deref(raw.Deleted), deref(raw.Forced)
		if raw.Repository == nil {
			c.missing("repository")
		}
	case EventWorkflowDispatch:
		ev.Dispatch = &DispatchEvent{Ref: c.str("ref", raw.Ref), Inputs: raw.Inputs}
		if len(raw.Workflow) > 0 && string(raw.Workflow) != "null" {
			if err := json.Unmarshal(raw.Workflow, &ev.Dispatch.Workflow); err != nil {
				c.add("workflow", "want a string")
			}
		}
	case EventWorkflowRun:
		ev.Action = c.str("action", raw.Action)
		ev.WorkflowRun = c.workflowRun(raw.WorkflowRun)
	case EventSchedule:
		ev.Schedule = c.str("schedule", raw.Schedule)
	}
	if err := c.err(); err != nil {
		return Event{}, fmt.Errorf("%w: %s event: %w", ErrMalformedEvent, name, err)
	}
	return ev, nil
}

// workflowRun checks a workflow_run payload's run.
func (c *fieldCheck) workflowRun(r *rawWorkflowRun) *WorkflowRunEvent {
	if r == nil {
		c.missing("workflow_run")
		return nil
	}
	out := &WorkflowRunEvent{Name: c.str("workflow_run.name", r.Name), Event: c.str("workflow_run.event", r.Event)}
	out.HeadBranch, out.Conclusion = deref(r.HeadBranch), deref(r.Conclusion)
	if sha := deref(r.HeadSHA); shaRe.MatchString(sha) {
		out.HeadSHA = sha
	}
	for i, p := range r.PullRequests {
		out.PullRequests = append(out.PullRequests, c.positive(fmt.Sprintf("workflow_run.pull_requests[%d].number", i), p.Number))
	}
	return out
}

var (
	shaRe    = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)
	repoName = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
)

// reviewStates are the review states GitHub sends, upper-cased.
var reviewStates = []string{"APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED"}

func (c *fieldCheck) pullRequest(pr *rawPR) *PullRequestEvent {
	if pr == nil {
		c.missing("pull_request")
		return nil
	}
	out := &PullRequestEvent{
		Number: c.positive("pull_request.number", pr.Number),
		State:  c.str("pull_request.state", pr.State),
		Draft:  deref(pr.Draft),
		Merged: deref(pr.Merged),
	}
	if pr.User == nil {
		c.missing("pull_request.user")
	} else {
		out.Author = c.str("pull_request.user.login", pr.User.Login)
	}
	var headRepo, baseRepo string
	if pr.Head == nil {
		c.missing("pull_request.head")
	} else {
		out.HeadSHA = c.match("pull_request.head.sha", pr.Head.SHA, shaRe, "a commit sha")
		out.HeadRef = c.str("pull_request.head.ref", pr.Head.Ref)
		if pr.Head.Repo != nil && pr.Head.Repo.FullName != nil {
			headRepo = *pr.Head.Repo.FullName
		}
	}
	if pr.Base == nil {
		c.missing("pull_request.base")
	} else {
		out.BaseSHA = c.match("pull_request.base.sha", pr.Base.SHA, shaRe, "a commit sha")
		out.BaseRef = c.str("pull_request.base.ref", pr.Base.Ref)
		if pr.Base.Repo == nil {
			c.missing("pull_request.base.repo")
		} else {
			baseRepo = c.str("pull_request.base.repo.full_name", pr.Base.Repo.FullName)
		}
	}
	// A head repository that is gone (null) was a fork that was deleted.
	out.Fork = headRepo == "" || !strings.EqualFold(headRepo, baseRepo)
	return out
}

func (c *fieldCheck) review(r *rawReview) *ReviewEvent {
	if r == nil {
		c.missing("review")
		return nil
	}
	out := &ReviewEvent{
		ID:       c.positive64("review.id", r.ID),
		CommitID: c.match("review.commit_id", r.CommitID, shaRe, "a commit sha"),
	}
	if st := c.str("review.state", r.State); st != "" {
		out.State = strings.ToUpper(st)
		if !contains(reviewStates, out.State) {
			c.add("review.state", fmt.Sprintf("unexpected value %q (allowed: %s)", st, strings.ToLower(strings.Join(reviewStates, ", "))))
		}
	}
	if r.User == nil {
		c.missing("review.user")
	} else {
		out.User = c.str("review.user.login", r.User.Login)
		if r.User.ID != nil {
			out.UserID = *r.User.ID
		}
	}
	return out
}

// decodeObject decodes a JSON object, turning encoding/json's errors into
// ones that name the position or the field.
func decodeObject(payload []byte, v any) error {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 {
		return errors.New("payload is empty")
	}
	if trimmed[0] != '{' {
		return errors.New("payload is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	err := dec.Decode(v)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(payload, syn.Offset-1) // Offset is just past the bad byte
		return fmt.Errorf("invalid JSON at line %d, column %d: %v", line, col, syn)
	case errors.As(err, &typ):
		return fmt.Errorf("field %s: want %s, got JSON %s", typ.Field, typ.Type, typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("invalid JSON: unexpected end of input")
	case err != nil:
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("invalid JSON: data after the top-level object")
	}
	return nil
}

// position turns a byte offset into a 1-based line and column.
func position(b []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(b)))
	before := b[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
