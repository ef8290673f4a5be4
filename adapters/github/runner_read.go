package github

import (
	"context"
	"fmt"
	"slices"
)

// pullFacts reads the facts of the pull requests an event is about: those
// the event names, one by one (Client.PullRequest), or every open one into
// Base from the listings (Client.ListedPullRequest: no pulls/get and no
// commit listing per pull request; Candidates compares the listed head
// with the fetched one).
func (s *PullRequests) pullFacts(ctx context.Context) ([]PullRequestFacts, error) {
	numbers, err := s.pullNumbers()
	if err != nil {
		return nil, err
	}
	if numbers == nil {
		return s.openPullFacts(ctx)
	}
	out := make([]PullRequestFacts, 0, len(numbers))
	for _, n := range numbers {
		f, err := s.Client.PullRequest(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("github run: %w", err)
		}
		out = append(out, f)
	}
	return out, nil
}

// pullNumbers lists the pull requests an event names; nil (and no error)
// for an event about every open pull request, or (a fork's judge run) the
// one at a head.
func (s *PullRequests) pullNumbers() ([]int, error) {
	ev := s.Event
	switch ev.Name {
	case EventPullRequest, EventPullRequestTarget, EventPullRequestReview:
		if ev.PullRequest == nil || ev.PullRequest.Number <= 0 {
			return nil, fmt.Errorf("%w: %s event without a pull request", ErrMalformedEvent, ev.Name)
		}
		return []int{ev.PullRequest.Number}, nil
	case EventWorkflowRun:
		if ev.WorkflowRun != nil && len(ev.WorkflowRun.PullRequests) > 0 {
			return append([]int(nil), ev.WorkflowRun.PullRequests...), nil
		}
		return nil, nil
	case EventPush, EventSchedule, EventWorkflowDispatch:
		return nil, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnsupportedEvent, ev.Name)
}

// openPullFacts reads every open pull request into Base from the
// listings: the pull requests, the open issues (for comment counts, so a
// pull request writ never published on costs no lookups when published),
// then each one's files and reviews.
func (s *PullRequests) openPullFacts(ctx context.Context) ([]PullRequestFacts, error) {
	open, err := s.Client.ListOpenPullRequests(ctx, s.base())
	if err != nil {
		return nil, wrapRun(err)
	}
	if sha := s.judgedHead(); sha != "" {
		// The judge run of a fork's pull request, which GitHub does not
		// name: only the pull request at that head is about it.
		open = slices.DeleteFunc(open, func(p OpenPullRequest) bool { return p.HeadSHA != sha })
	}
	if len(open) == 0 {
		return nil, nil
	}
	// Open issues are listed with the pull requests; a few pages more
	// than the pull requests need is the most that pays for itself.
	counts, err := s.Client.CommentCounts(ctx, len(open)/perPage+2)
	if err != nil {
		return nil, wrapRun(err)
	}
	out := make([]PullRequestFacts, 0, len(open))
	for _, p := range open {
		comments, ok := counts[p.Number]
		if !ok {
			comments = -1
		}
		f, err := s.Client.ListedPullRequest(ctx, p, comments)
		if err != nil {
			return nil, wrapRun(err)
		}
		out = append(out, f)
	}
	return out, nil
}

// judgedHead is the head commit of the judge run a workflow_run event
// follows, when that run was about a pull request (GitHub names none for a
// fork's); "" otherwise.
func (s *PullRequests) judgedHead() string {
	wr := s.Event.WorkflowRun
	if s.Event.Name != EventWorkflowRun || wr == nil || len(wr.PullRequests) > 0 {
		return ""
	}
	switch wr.Event {
	case EventPullRequest, EventPullRequestReview, EventPullRequestTarget:
		return wr.HeadSHA
	}
	return ""
}

func wrapRun(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("github run: %w", err)
}
